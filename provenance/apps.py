from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "provenance"
    verbose_name = "Provenance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rightsledger.signals import asset_registered

        asset_registered.connect(_on_asset_registered, dispatch_uid="provenance.ingest")


def _on_asset_registered(sender, asset_id, **kwargs):
    from .tasks import asset_fingerprint, asset_ingest_credentials

    from .models import PerceptualHash

    asset_ingest_credentials.delay(asset_id)
    # Outputs are fingerprinted as they are signed, from the engine's pixels: not twice.
    if not PerceptualHash.objects.filter(asset_id=asset_id).exclude(variant="binding").exists():
        asset_fingerprint.delay(asset_id)
