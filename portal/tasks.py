"""The portal's Celery tasks: a production's audit export, made away from the web request."""

import logging

from celery import shared_task

log = logging.getLogger(__name__)

FAILED = (
    "The export stopped before it was finished. Start it again; if it stops again, tell the "
    "service's operators the export's number, {pk}."
)


@shared_task(name="portal.production_export_build")
def production_export_build(export_id: int) -> None:
    """Make a production's audit export (every shot's PDF and CSV, and every decision, in a ZIP);
    a failure is recorded on the export, in words, for the person who asked."""
    from rightsledger import services

    from .exports import production_export_build_now

    try:
        production_export_build_now(export_id)
    except Exception:  # noqa: BLE001  (whatever stopped it, the person who asked is told)
        log.exception("production export %s failed", export_id)
        services.production_export_fail(export_id=export_id, failure=FAILED.format(pk=export_id))
