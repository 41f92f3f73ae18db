from celery import shared_task


# How many times a publish sent after a write looks again for entries it had to leave out.
PUBLISH_RETRIES = 10


@shared_task(bind=True, name="rightsledger.ledger_publish")
def ledger_publish(self, force: bool = False, tries: int = 0, up_to: int | None = None) -> int | None:
    """Sequence pending entries and sign a checkpoint: from the beat once the interval has passed,
    or at once (force) when sent after a write; return the new checkpoint's size, or None.
    The tree takes an entry only once every older transaction has ended: a publish sent after a
    write that leaves out entries committed before it began (behind a transaction open elsewhere)
    runs again a little later for those, a few times, rather than leave them to the beat."""
    from django.conf import settings

    from .ledger import sequencer
    from .ledger.checkpoints import ledger_publish as publish

    up_to = up_to if up_to is not None else sequencer.last_seq()
    checkpoint = publish(force=force)
    if force and not self.request.is_eager and tries < PUBLISH_RETRIES and sequencer.pending(up_to):
        delay = max(1, settings.LEDGER_PUBLISH_DELAY_SECONDS)
        self.apply_async(kwargs={"force": True, "tries": tries + 1, "up_to": up_to}, countdown=delay)
    return checkpoint.size if checkpoint else None


@shared_task(name="rightsledger.expiry_alerts_send")
def expiry_alerts_send() -> int:
    """Alert clearance users to grants and consents whose term ends within 30 and 7 days."""
    from .services import expiry_alerts_send as send

    return send()
