from celery import shared_task


@shared_task(name="rightsledger.ledger_publish")
def ledger_publish(force: bool = False) -> int | None:
    """Sequence pending entries and sign a checkpoint: from the beat once the interval has passed,
    or at once (force) when sent after a write; return the new checkpoint's size, or None."""
    from .ledger.checkpoints import ledger_publish as publish
    from .ledger.checkpoints import publish_started

    if force:
        publish_started()
    checkpoint = publish(force=force)
    return checkpoint.size if checkpoint else None


@shared_task(name="rightsledger.expiry_alerts_send")
def expiry_alerts_send() -> int:
    """Alert clearance users to grants and consents whose term ends within 30 and 7 days."""
    from .services import expiry_alerts_send as send

    return send()
