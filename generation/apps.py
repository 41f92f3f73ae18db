import logging

from django.apps import AppConfig
from django.core.exceptions import PermissionDenied


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation gate"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the app registry is ready (Django's convention for connecting signals).
        from rightsledger.signals import asset_content_requested, record_revoked, talent_erased

        from . import tasks  # noqa: F401  (registers the tasks, which the services send by name)

        asset_content_requested.connect(_withhold_held_outputs, dispatch_uid="generation.withhold")
        talent_erased.connect(_erase_mentions, dispatch_uid="generation.erase_mentions")
        record_revoked.connect(_tell_producers, dispatch_uid="generation.revocation_notices")


def _withhold_held_outputs(sender, asset, user, **kwargs):
    # apps.py is imported before the app registry is ready
    from .selectors import withheld_output_assets

    if withheld_output_assets().filter(asset_id=asset.pk).exists():
        raise PermissionDenied(
            "This output is held for clearance: it shows the face of a performer no consent of its request "
            "covers."
        )


def _erase_mentions(sender, talent_id, names, **kwargs):
    # Defers the engines (torch) until an erasure.
    from .services import talent_mentions_erase

    talent_mentions_erase(talent_id=talent_id, names=names)


def _tell_producers(sender, record_type, record_id, chain, actor_id=None, **kwargs):
    # Defers the engines (torch), which the services' package imports, until a revocation.
    from .services.notices import revocation_notify

    try:
        revocation_notify(record_type=record_type, record_id=record_id, chain=chain, actor_id=actor_id)
    except Exception:  # the revocation has committed: a notice that cannot be written is logged
        logging.getLogger(__name__).exception("the producers were not told of %s %s", record_type, record_id)
