from django.apps import AppConfig


class RightsledgerConfig(AppConfig):
    name = "rightsledger"
    verbose_name = "Rights and ledger"
    default_auto_field = "django.db.models.BigAutoField"
