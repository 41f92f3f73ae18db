from celery import shared_task

from rightsledger.models import Asset

from . import services


@shared_task(name="provenance.asset_ingest_credentials", acks_late=True)
def asset_ingest_credentials(asset_id: int) -> bool:
    asset = Asset.objects.filter(pk=asset_id).first()
    return bool(asset and services.asset_ingest_credentials(asset=asset))


@shared_task(name="provenance.asset_fingerprint", acks_late=True)
def asset_fingerprint(asset_id: int) -> bool:
    """Runs on the fingerprint queue (CELERY_TASK_ROUTES), so GPU workers can take it."""
    asset = Asset.objects.filter(pk=asset_id).first()
    return bool(asset and services.asset_fingerprint(asset=asset))


@shared_task(name="provenance.asset_faces_scan", acks_late=True)
def asset_faces_scan(asset_id: int) -> bool:
    """Runs on the fingerprint queue, beside the fingerprints: it loads dlib's models once."""
    asset = Asset.objects.filter(pk=asset_id).first()
    return bool(asset and services.asset_faces_scan(asset=asset))
