"""Request ids, carried from a request into the Celery tasks it starts and onto every log line
of both; the JSON log format; and their Celery signals.

A request's id is the X-Request-ID it was sent with (a proxy's or a client's), when it is a
plain token of at most 128 characters, else a new one; it is answered in the response's
X-Request-ID. A task sent while a request (or a task) is being served carries the id in its
message's headers, and the worker puts it back on its log lines while the task runs."""

import contextvars
import logging
import logging.config
import re
import uuid

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun
from django.core.signals import request_finished, request_started
from django.dispatch import receiver

REQUEST_ID = contextvars.ContextVar("request_id", default="")
HEADER = "X-Request-ID"
ACCEPTED = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")

log = logging.getLogger("rightsledger.tasks")


def request_id_of(sent: str | None) -> str:
    """Return the id a request is known by: the one it was sent with when acceptable, else a new one."""
    return sent if sent and ACCEPTED.match(sent) else uuid.uuid4().hex


@receiver(request_started)
def _request_started(sender=None, environ=None, **kwargs):
    # Set as the handler starts, before any middleware, and kept until the response is closed:
    # Django logs a 4xx or 5xx answer (django.request) after the middleware has returned.
    REQUEST_ID.set(request_id_of((environ or {}).get("HTTP_X_REQUEST_ID")) if environ is not None else "")


@receiver(request_finished)
def _request_finished(sender=None, **kwargs):
    REQUEST_ID.set("")


class RequestIdMiddleware:
    """Give each request its id and answer it in X-Request-ID (first of all middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current = REQUEST_ID.get()
        if not current:  # served without request_started's environ (ASGI): the id is made here
            current = request_id_of(request.META.get("HTTP_X_REQUEST_ID"))
            REQUEST_ID.set(current)
        request.request_id = current
        response = self.get_response(request)
        response[HEADER] = current
        return response


class RequestIdFilter(logging.Filter):
    """Put the current request's (or task's) id on each record, as record.request_id ("" outside one)."""

    def filter(self, record):
        if not getattr(record, "request_id", ""):
            record.request_id = REQUEST_ID.get()
        return True


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    current = REQUEST_ID.get()
    if current and headers is not None:
        headers.setdefault("request_id", current)


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs):
    sent = getattr(task.request, "request_id", None) if task is not None else None
    if sent and ACCEPTED.match(str(sent)):
        _task_tokens[task_id] = REQUEST_ID.set(str(sent))
    log.info("task %s started", getattr(task, "name", "?"), extra={"task_id": task_id})


@task_postrun.connect
def _task_ended(task_id=None, task=None, state=None, **kwargs):
    log.info("task %s ended: %s", getattr(task, "name", "?"), state, extra={"task_id": task_id})
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        REQUEST_ID.reset(token)


@setup_logging.connect
def _keep_django_logging(**kwargs):
    # Connected, this keeps Celery from replacing the root logger's handlers: a worker logs through
    # LOGGING as the web process does (JSON when LOG_FORMAT=json), request ids included.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def json_formatter():
    """The JSON log formatter (python-json-logger): one object a line, with the request id."""
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )
