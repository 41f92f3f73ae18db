from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "provenance"
    verbose_name = "Provenance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rightsledger.signals import asset_registered

        asset_registered.connect(_on_asset_registered, dispatch_uid="provenance.ingest")


def _on_asset_registered(sender, asset_id, **kwargs):
    from django.conf import settings

    from .tasks import asset_fingerprint, asset_ingest_credentials

    asset_ingest_credentials.delay(asset_id)
    if settings.CLIP_WEIGHTS:
        asset_fingerprint.delay(asset_id)
