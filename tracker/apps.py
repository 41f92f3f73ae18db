from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Trackers and edits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the app registry is ready (Django's convention for connecting signals).
        from generation.signals import request_event
        from rightsledger.signals import record_revoked

        from . import receivers

        request_event.connect(receivers.on_request_event, dispatch_uid="tracker.request_event")
        record_revoked.connect(receivers.on_revocation, dispatch_uid="tracker.revocation")
