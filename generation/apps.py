from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation gate"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from rightsledger.signals import asset_content_requested

        asset_content_requested.connect(_withhold_held_outputs, dispatch_uid="generation.withhold")


def _withhold_held_outputs(sender, asset, user, **kwargs):
    from django.core.exceptions import PermissionDenied

    from .models import GenerationRequest

    status = GenerationRequest.objects.filter(output__asset=asset).values_list("status", flat=True).first()
    if status in ("held", "refused"):
        raise PermissionDenied("This output is held for clearance: it resembles a performer no consent of its request covers.")
