from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "provenance"
    verbose_name = "Provenance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the app registry is ready (Django's convention for connecting signals).
        from rightsledger.signals import asset_registered, talent_erased

        asset_registered.connect(_on_asset_registered, dispatch_uid="provenance.ingest")
        talent_erased.connect(_on_talent_erased, dispatch_uid="provenance.faces_erase")
        trust_lists_check()


def trust_lists_check() -> None:
    """Read the C2PA Trust Lists configured, at start-up: a list that cannot be used stops the
    service with the file and the problem, rather than every output reading as untrusted."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from .trustlist import TrustListError, anchors_pem

    for name in ("C2PA_TRUST_LIST", "C2PA_TSA_TRUST_LIST"):
        try:
            anchors_pem(getattr(settings, name))
        except TrustListError as exc:
            raise ImproperlyConfigured(f"{name}: {exc}") from None


def _on_asset_registered(sender, asset_id, origin="ingested", **kwargs):
    # The tasks import models, which apps.py (loaded before the app registry) may not.
    from .tasks import asset_faces_scan, asset_fingerprint, asset_ingest_credentials

    # An output carries the credentials this service signed, and was fingerprinted as it was
    # signed, from the engine's pixels, in the transaction that registered it: nothing to do twice.
    if origin == "generated":
        return
    asset_ingest_credentials.delay(asset_id)
    asset_fingerprint.delay(asset_id)
    asset_faces_scan.delay(asset_id)


def _on_talent_erased(sender, talent_id, **kwargs):
    # A performer's face descriptors are biometric data: the erasure deletes them.
    from .services import talent_faces_erase

    talent_faces_erase(talent_id=talent_id)
