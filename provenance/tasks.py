from celery import shared_task


@shared_task(name="provenance.asset_ingest_credentials", acks_late=True)
def asset_ingest_credentials(asset_id: int) -> bool:
    from rightsledger.models import Asset

    from .services import asset_ingest_credentials as ingest

    asset = Asset.objects.filter(pk=asset_id).first()
    return bool(asset and ingest(asset=asset))


@shared_task(name="provenance.asset_fingerprint", acks_late=True)
def asset_fingerprint(asset_id: int) -> bool:
    """Runs on the fingerprint queue (CELERY_TASK_ROUTES), so GPU workers can take it."""
    from rightsledger.models import Asset

    from .services import asset_fingerprint as compute

    asset = Asset.objects.filter(pk=asset_id).first()
    return bool(asset and compute(asset=asset))
