from celery import shared_task

from .ledger.checkpoints import PUBLISH_TASK, publish_started
from .ledger.checkpoints import ledger_publish as publish
from .services import expiry_alerts_send as send_expiry_alerts


@shared_task(name=PUBLISH_TASK)
def ledger_publish(force: bool = False) -> int | None:
    """Sequence pending entries and sign a checkpoint: from the beat once the interval has passed,
    or at once (force) when sent after a write; return the new checkpoint's size, or None."""
    if force:
        publish_started()
    checkpoint = publish(force=force)
    return checkpoint.size if checkpoint else None


@shared_task(name="rightsledger.expiry_alerts_send")
def expiry_alerts_send() -> int:
    """Alert clearance users to grants and consents whose term ends within 30 and 7 days."""
    return send_expiry_alerts()
