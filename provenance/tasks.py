from celery import shared_task


@shared_task(name="provenance.asset_ingest_credentials", acks_late=True)
def asset_ingest_credentials(asset_id: int) -> bool:
    from rightsledger.models import Asset

    from .services import asset_ingest_credentials as ingest

    asset = Asset.objects.filter(pk=asset_id).first()
    return bool(asset and ingest(asset=asset))
