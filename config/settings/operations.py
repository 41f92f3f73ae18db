"""Operations (README, "Operations"): e-mail, logs, health and readiness, metrics, and Sentry."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import DEMO, VAR_DIR, env_int, env_list
from .tasks import CELERY_TASK_ALWAYS_EAGER

# E-mail (expiry alerts, flags): the console in development, SMTP settings from the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "rightsledger@localhost")

# Operations (README, "Operations"). LOG_FORMAT=json writes one JSON object a line (time, level,
# logger, message, request_id) for a log collector; the default, text, stays readable for the demo.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT is {LOG_FORMAT!r}: set it to text or json.")
# /readyz: each check's own timeout, in seconds.
READYZ_TIMEOUT_SECONDS = float(os.environ.get("READYZ_TIMEOUT_SECONDS") or 3)
# /readyz: how long one run's answer serves the calls after it, in this process (0: every call runs).
READYZ_CACHE_SECONDS = float(os.environ.get("READYZ_CACHE_SECONDS") or 2)
# /metrics: served to these addresses or networks (comma-separated), or to a caller sending
# "Authorization: Bearer <METRICS_BEARER_TOKEN>"; to this machine alone by default.
METRICS_ALLOWED_ADDRESSES = env_list("METRICS_ALLOWED_ADDRESSES", "127.0.0.1,::1")
METRICS_BEARER_TOKEN = os.environ.get("METRICS_BEARER_TOKEN", "")
# A Celery worker's own metrics (config/worker_metrics.py): with a port set, each worker serves what
# it counted over HTTP on that port and this address, to the same callers as /metrics.
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
# Empty: every interface; the access rule still applies. Set the host's private address where it has one.
WORKER_METRICS_ADDRESS = os.environ.get("WORKER_METRICS_ADDRESS", "")
# Probes and scrapes reach a process over plain HTTP inside the deployment: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {"json": {"()": "config.observability.json_formatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Which build of faiss loaded (AVX2 or not) is a line per process, and WeasyPrint's steps and
    # fontTools' subsetting ten lines per PDF report: of no use to anyone reading the log.
    "loggers": {
        "faiss.loader": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in the caller's process (the demo, a command): the caller says what came of them,
    # and Celery's "Task ... succeeded" line per task would bury it; failures are still logged.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
    LOGGING["loggers"]["rightsledger.tasks"] = {"level": "WARNING"}  # a task's start and end

# Sentry: errors (and, at SENTRY_TRACES_SAMPLE_RATE, traces) of the web processes and the workers go
# to SENTRY_DSN when it is set; nothing is sent, and the SDK is not started, when it is not.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "demo" if DEMO else "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or 0),
        # No user names, addresses, cookies or bodies: consent records are about people.
        send_default_pii=False,
    )
