"""Writes of a production's export job: made, advanced, finished with its file, or failed. The
job is no fact of the ledger (the export copies what the ledger and the records hold), so these
write no entry."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ..models import Production, ProductionExport


def production_export_create(*, actor, production: Production) -> ProductionExport:
    """Record that actor asked for the production's audit export; return the queued job. The
    caller has checked that actor may export it, and sends the task once this commits."""
    return ProductionExport.objects.create(production=production, requested_by=actor)


def production_export_progress(*, export_id: int, done: int, total: int) -> None:
    """Record how far the export has got: done of total shots, and that it is running."""
    ProductionExport.objects.filter(pk=export_id).exclude(state="done").update(
        state="running", done=done, total=total
    )


def production_export_finish(*, export_id: int, data: bytes, name: str) -> ProductionExport:
    """Store the finished file and mark the export done; return it."""
    with transaction.atomic():
        export = ProductionExport.objects.select_for_update().get(pk=export_id)
        export.file.save(name, ContentFile(data), save=False)
        export.state, export.finished_at, export.failure = "done", timezone.now(), ""
        export.done = export.total
        export.save(update_fields=["file", "state", "finished_at", "failure", "done"])
    return export


def production_export_fail(*, export_id: int, failure: str) -> None:
    """Mark the export failed, with why in words a person can act on."""
    ProductionExport.objects.filter(pk=export_id).exclude(state="done").update(
        state="failed", failure=failure, finished_at=timezone.now()
    )
