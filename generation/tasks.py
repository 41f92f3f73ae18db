"""Celery tasks of the gate: thin, by id, safe to run twice."""

from celery import shared_task


@shared_task(name="generation.request_run", acks_late=True)
def request_run(request_id: int) -> str:
    from .services import request_run as run

    return run(request_id=request_id)


@shared_task(name="generation.request_reap_stale")
def request_reap_stale() -> int:
    from .services import request_reap_stale as reap

    return reap()


@shared_task(name="generation.request_requeue_stranded")
def request_requeue_stranded() -> int:
    from .services import request_requeue_stranded as requeue

    return requeue()
