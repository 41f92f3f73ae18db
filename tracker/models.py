"""Where a production's shots live outside this service: links to a tracker's project and shots
(versioned, on the ledger), and the outbox of what is posted back to the tracker."""

from django.db import models

from rightsledger.models import Production, Shot, VersionedRecord
from rightsledger.vocab import choices

TRACKERS = ("kitsu",)
LINK_KINDS = ("project", "shot")
POST_STATES = ("pending", "delivered")


class TrackerLink(VersionedRecord):
    """A production linked to a tracker's project, or a shot to a tracker's shot. Never updated:
    relinked by amendment, unlinked by revocation, each a new version with its ledger entry."""

    ledger_type = "tracker_link"

    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="tracker_links")
    shot = models.ForeignKey(
        Shot, on_delete=models.PROTECT, null=True, blank=True, related_name="tracker_links"
    )
    tracker = models.CharField(max_length=16, choices=choices(TRACKERS), default="kitsu")
    kind = models.CharField(max_length=16, choices=choices(LINK_KINDS))
    external_id = models.CharField(max_length=64, help_text="The tracker's id (a zou UUID)")
    external_name = models.CharField(max_length=200, blank=True)
    personal_fields = ("external_name", "reason")

    class Meta(VersionedRecord.Meta):
        indexes = [models.Index(fields=["tracker", "external_id"])]


class TrackerPost(models.Model):
    """One thing to tell the tracker about a linked shot (a decision, a sign-off, a run's result,
    a revocation's impact), kept until it is delivered. The key makes each one unique, and is
    written into the comment, so a post retried after a lost answer is found, not repeated."""

    key = models.CharField(max_length=100, unique=True)
    shot = models.ForeignKey(Shot, on_delete=models.PROTECT, related_name="tracker_posts")
    external_shot_id = models.CharField(max_length=64)
    status = models.CharField(max_length=32, help_text="approved | needs_clearance | refused | held")
    text = models.TextField()
    data = models.JSONField(default=dict, help_text="What the tracker's shot data carries afterwards")
    state = models.CharField(max_length=16, choices=choices(POST_STATES), default="pending")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    external_comment_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "id"])]
