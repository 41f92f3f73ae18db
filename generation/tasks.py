"""Celery tasks of the gate: thin, by id, safe to run twice.

The services send the run by its task name (services.queueing.RUN_TASK), so they do not import
this module; it is imported as the app is ready (apps.py), so the name is registered.
"""

from celery import shared_task


@shared_task(name="generation.request_run", acks_late=True)
def request_run(request_id: int) -> str:
    # Defers the engines (torch) until a task runs.
    from .services import request_run as run

    return run(request_id=request_id)


@shared_task(name="generation.request_reap_stale")
def request_reap_stale() -> int:
    # Defers the engines (torch) until a task runs.
    from .services import request_reap_stale as reap

    return reap()


@shared_task(name="generation.request_requeue_stranded")
def request_requeue_stranded() -> int:
    # Defers the engines (torch) until a task runs.
    from .services import request_requeue_stranded as requeue

    return requeue()
