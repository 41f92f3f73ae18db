"""Guilds' flags on consents, and the notices users receive."""

from django.conf import settings
from django.db import models

from .base import CommitsText
from .records import ConsentRecord
from .registry import Guild

# A flag's way: open -> answered (clearance replied) -> resolved (with an outcome). Until it is
# resolved it warns on every page that relies on the consent, and approving over it is acknowledged.
FLAG_STATES = (
    ("open", "Open"),
    ("answered", "Answered"),
    ("resolved", "Resolved"),
)
FLAG_UNRESOLVED = ("open", "answered")
FLAG_OUTCOMES = (
    ("revoked", "The consent was revoked"),
    ("amended", "The consent was amended"),
    ("no_change", "No change to the consent"),
)


class ConsentFlag(CommitsText):
    """A guild representative's flag on a consent record, or a request that it be revoked, with
    the reason. A fact on the ledger; the production's clearance users are notified."""

    ledger_type = "consent_flag"
    personal_fields = ("reason",)

    consent = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="flags")
    guild = models.ForeignKey(Guild, on_delete=models.PROTECT, related_name="consent_flags")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requests_revocation = models.BooleanField(default=False)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=FLAG_STATES, default="open", db_index=True)
    outcome = models.CharField(max_length=10, choices=FLAG_OUTCOMES, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    @property
    def unresolved(self) -> bool:
        return self.state in FLAG_UNRESOLVED


class FlagReply(CommitsText):
    """Clearance's reply to a guild's flag; the one that resolves it says why, beside the flag's
    outcome. A fact on the ledger; the guild representative who raised the flag is notified."""

    ledger_type = "flag_reply"
    personal_fields = ("text",)

    flag = models.ForeignKey(ConsentFlag, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolves = models.BooleanField(default=False)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Notification(models.Model):
    """A message for one user in the portal (also e-mailed): a flag raised, a term ending."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rl_notifications"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]


class ExpiryNotice(models.Model):
    """That the alert for a record's term ending within a threshold (30 or 7 days) was sent, so
    it is sent once."""

    record_type = models.CharField(max_length=16)
    record_id = models.BigIntegerField()
    threshold_days = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "threshold_days"], name="expiry_notice_once"
            )
        ]


class CalendarFeed(models.Model):
    """A user's iCalendar feed of terms ending, at a URL that holds a random token: only the
    token's SHA-256 is kept. Revoked, never deleted; a new token is a new row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]
