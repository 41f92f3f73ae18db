from django.apps import AppConfig


class RightsledgerConfig(AppConfig):
    name = "rightsledger"
    verbose_name = "Rights and ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The Celery app is loaded here rather than in the package's __init__ so that the
        # pure modules (rightsledger.tlog, used by the standalone verifier) import no Celery
        # and no Django.
        from . import celery  # noqa: F401
