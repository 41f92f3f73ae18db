"""Request ids: answered in X-Request-ID, put on every log line of the request, and carried into
the Celery tasks it starts, whose log lines carry it in the worker (JSON logs)."""

import io
import json
import logging

import pytest

from config.observability import RequestIdFilter, json_formatter
from generation.models import GenerationRequest

from .. import factories as f
from ..conftest import client_for
from ..workers import Worker, wait_for, worker_environment


def test_a_request_is_answered_with_a_new_id_when_it_sent_none(client):
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0 and first != second


def test_a_request_id_sent_is_kept_and_a_malformed_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a-0042")["X-Request-ID"] == "lb-7f3a-0042"
    for bad in ("two words", "x" * 129, "line\nbreak", "<script>"):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert answered != bad and len(answered) == 32


def test_json_log_lines_carry_the_request_id(client, db, caplog):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(json_formatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/api/no-such-thing/", HTTP_X_REQUEST_ID="req-404-check")  # Django logs a 404 warning
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines, "nothing was logged for the request"
    assert all(line["request_id"] == "req-404-check" for line in lines)
    assert {"time", "level", "logger", "message"} <= set(lines[0])


@pytest.mark.django_db(transaction=True)
def test_a_task_started_by_a_request_logs_the_requests_id_in_the_worker(world, broker):
    submitted = f.plate_request_maker(world)()
    assert submitted.status == "approved"
    pk = submitted.pk
    api = client_for(world.producer_a)
    worker = Worker(worker_environment(LOG_FORMAT="json")).start()
    try:
        queued = api.post(f"/api/generation/requests/{pk}/queue/", HTTP_X_REQUEST_ID="studio-req-77aa")
        assert queued.status_code == 202 and queued["X-Request-ID"] == "studio-req-77aa"
        wait_for(lambda: GenerationRequest.objects.get(pk=pk).status == "succeeded", what="the run")
        wait_for(lambda: "ended: SUCCESS" in worker.output(), what="the task's last line")
    finally:
        worker.stop()
    lines = []
    for raw in worker.output().splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # Celery's banner is printed, not logged
    task_lines = [line for line in lines if line.get("logger") == "rightsledger.tasks"]
    assert any(line["message"] == "task generation.request_run started" for line in task_lines)
    ran = [line for line in task_lines if "generation.request_run" in line["message"]]
    assert ran and all(line["request_id"] == "studio-req-77aa" for line in ran), ran
