import logging

from celery import shared_task

from .ledger.checkpoints import PUBLISH_TASK, publish_started
from .ledger.checkpoints import ledger_publish as publish
from .ledger.cosigning import cosign_wanted
from .ledger.cosigning import ledger_cosign as cosign
from .services import expiry_alerts_send as send_expiry_alerts


@shared_task(name="rightsledger.ledger_cosign")
def ledger_cosign() -> int:
    """Submit the latest checkpoint to the witnesses that have not cosigned it (C2SP
    tlog-witness); return how many cosigned now. Waits on the network: never in a web request."""
    return sum(s.outcome == "cosigned" for s in cosign())


@shared_task(name=PUBLISH_TASK)
def ledger_publish(force: bool = False) -> int | None:
    """Sequence pending entries and sign a checkpoint: from the beat once the interval has passed,
    or at once (force) when sent after a write; return the new checkpoint's size, or None."""
    if force:
        publish_started()
    checkpoint = publish(force=force)
    if cosign_wanted():  # a new checkpoint, or one a witness that was down has yet to cosign
        try:
            ledger_cosign.delay()
        except Exception:  # noqa: BLE001  (no broker now: the next publish sends it)
            logging.getLogger(__name__).warning("witness submission not sent now", exc_info=True)
    return checkpoint.size if checkpoint else None


@shared_task(name="rightsledger.expiry_alerts_send")
def expiry_alerts_send() -> int:
    """Alert clearance users to grants and consents whose term ends within 30 and 7 days."""
    return send_expiry_alerts()


@shared_task(name="rightsledger.asset_thumbnail", acks_late=True)
def asset_thumbnail(asset_id: int) -> bool:
    """Make an asset's thumbnail (once: a second run finds it made); return whether it has a picture."""
    from .models import Asset
    from .services import thumbnail_make

    asset = Asset.objects.filter(pk=asset_id).first()
    return bool(asset and thumbnail_make(asset=asset).file)


@shared_task(name="rightsledger.thumbnails_backfill")
def thumbnails_backfill(limit: int | None = None) -> int:
    """Make the thumbnails of assets that have none (registered before thumbnails were made)."""
    from .services import thumbnails_backfill as backfill

    return backfill(limit=limit)
