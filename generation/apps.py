from django.apps import AppConfig
from django.core.exceptions import PermissionDenied


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation gate"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the app registry is ready (Django's convention for connecting signals).
        from rightsledger.signals import asset_content_requested, talent_erased

        from . import tasks  # noqa: F401  (registers the tasks, which the services send by name)

        asset_content_requested.connect(_withhold_held_outputs, dispatch_uid="generation.withhold")
        talent_erased.connect(_erase_mentions, dispatch_uid="generation.erase_mentions")


def _withhold_held_outputs(sender, asset, user, **kwargs):
    # apps.py is imported before the app registry is ready
    from .selectors import withheld_output_assets

    if withheld_output_assets().filter(asset_id=asset.pk).exists():
        raise PermissionDenied(
            "This output is held for clearance: it resembles a performer no consent of its request covers."
        )


def _erase_mentions(sender, talent_id, names, **kwargs):
    # Defers the engines (torch) until an erasure.
    from .services import talent_mentions_erase

    talent_mentions_erase(talent_id=talent_id, names=names)
