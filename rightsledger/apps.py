import logging

from django.apps import AppConfig


class RightsledgerConfig(AppConfig):
    name = "rightsledger"
    verbose_name = "Rights and ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the app registry is ready (Django's convention for connecting signals).
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from .api.throttling import login_failed, login_succeeded
        from .signals import asset_registered

        user_login_failed.connect(login_failed, dispatch_uid="rightsledger.login_failed")
        user_logged_in.connect(login_succeeded, dispatch_uid="rightsledger.login_succeeded")

        asset_registered.connect(_on_asset_registered, dispatch_uid="rightsledger.thumbnail")


def _on_asset_registered(sender, asset_id, **kwargs):
    # The tasks import models, which apps.py (loaded before the app registry) may not. Sent after
    # the registering transaction commits, for an ingested asset and a recorded output alike.
    from .tasks import asset_thumbnail

    try:
        asset_thumbnail.delay(asset_id)
    except Exception:  # noqa: BLE001  (no broker now: the asset stays without one until the backfill)
        logging.getLogger(__name__).warning("thumbnail of asset %s not queued", asset_id, exc_info=True)
