from celery import shared_task


@shared_task(name="rightsledger.ledger_publish")
def ledger_publish() -> int | None:
    """Sequence pending entries and sign a checkpoint once the interval has passed."""
    from .ledger.checkpoints import ledger_publish as publish

    checkpoint = publish(force=False)
    return checkpoint.size if checkpoint else None


@shared_task(name="rightsledger.expiry_alerts_send")
def expiry_alerts_send() -> int:
    """Alert clearance users to grants and consents whose term ends within 30 and 7 days."""
    from .services import expiry_alerts_send as send

    return send()
