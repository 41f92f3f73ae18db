"""Celery: the broker, and how tasks are sent, acknowledged and retried."""

import os

from .base import env_bool

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
# Tasks record what they do in the database; nobody waits on a task's result. Sending one then
# needs only the broker (with results on, a send while Redis is down breaks the result consumer).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker died is not redelivered: the request is marked failed when its lease
# runs out, and a person decides whether to retry it.
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
if not CELERY_BROKER_URL:
    # Eager Celery still takes a producer from a broker connection to serialise each task; a
    # host named here keeps kombu from warning, on every first send, that none was supplied.
    CELERY_BROKER_URL = "memory://localhost/"
