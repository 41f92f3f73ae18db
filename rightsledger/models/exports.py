"""A production's audit exported as one file: the job that makes it, and the file it made."""

from django.conf import settings
from django.db import models

from .registry import Production

EXPORT_STATES = ("queued", "running", "done", "failed")


def export_upload_to(instance, filename: str) -> str:
    return f"exports/{instance.production_id}/{filename}"


class ProductionExport(models.Model):
    """Every shot's audit (PDF and CSV) and every decision of a production, in one ZIP made by a
    Celery task: who asked, how far it has got, and the file once it is made. Not a fact of the
    ledger: a copy of what the ledger and the records already hold, made for someone to keep."""

    production = models.ForeignKey(Production, on_delete=models.PROTECT, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=[(s, s) for s in EXPORT_STATES], default="queued")
    done = models.PositiveIntegerField(default=0, help_text="Shots exported so far")
    total = models.PositiveIntegerField(default=0, help_text="Shots to export")
    file = models.FileField(upload_to=export_upload_to, blank=True)
    failure = models.TextField(blank=True, help_text="Why it failed, in words")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["production", "-id"])]

    @property
    def live(self) -> bool:
        """Whether it is still being made (its page polls until it is done or has failed)."""
        return self.state in ("queued", "running")
