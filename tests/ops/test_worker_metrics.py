"""A worker's own metrics (config/worker_metrics.py): a real Celery worker (prefork pool, Redis
broker) with WORKER_METRICS_PORT set serves what its pool's process counted, a run's duration and
its re-check's decision, over HTTP, to the callers /metrics allows and to no one else."""

import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from generation import services
from generation.models import GenerationRequest

from .. import factories as f
from ..tlog_tools import free_port
from ..workers import Worker, wait_for, worker_environment

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "worker-scrape-token-7c21"


def scrape(url: str, token: str = "") -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, refused.read().decode()


def samples(text: str) -> dict:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def worker(broker, tmp_path):
    port = free_port()
    env = worker_environment(
        WORKER_METRICS_PORT=str(port),
        WORKER_METRICS_ADDRESS="127.0.0.1",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "worker-metrics"),
        # This machine is not among the allowed addresses: only the bearer token is let in.
        METRICS_ALLOWED_ADDRESSES="10.9.0.0/16",
        METRICS_BEARER_TOKEN=TOKEN,
    )
    (tmp_path / "worker-metrics").mkdir()
    (tmp_path / "worker-metrics" / "counter_99999.db").write_bytes(b"left by a previous run")
    started = Worker(env).start()
    yield started, f"http://127.0.0.1:{port}/metrics"
    started.stop()


def test_a_worker_serves_the_run_it_counted_to_the_scraper_and_refuses_anyone_else(world, worker):
    started, url = worker
    status, before = scrape(url, TOKEN)
    assert status == 200, before
    assert ("rightsledger_run_seconds_count", frozenset({"outcome": "succeeded"}.items())) not in samples(
        before
    )

    request = f.plate_request_maker(world)()
    services.request_queue(actor=world.producer_a, request=request)  # runs in the worker's pool
    wait_for(lambda: GenerationRequest.objects.get(pk=request.pk).status == "succeeded", what="the run")
    wait_for(lambda: "generation.request_run" in started.output(), what="the worker's log of the run")

    status, text = scrape(url, TOKEN)
    assert status == 200, text
    counted = samples(text)
    assert counted[("rightsledger_run_seconds_count", frozenset({"outcome": "succeeded"}.items()))] == 1
    assert counted[("rightsledger_run_seconds_sum", frozenset({"outcome": "succeeded"}.items()))] > 0
    run_check = (
        "rightsledger_decisions_total",
        frozenset({"kind": "run_check", "outcome": "approved"}.items()),
    )
    assert counted[run_check] == 1

    # Not an allowed address, no token or the wrong one: refused, in a sentence, with nothing counted.
    for token in ("", "worker-scrape-token-7c22"):
        status, text = scrape(url, token)
        assert status == 403 and "METRICS_BEARER_TOKEN" in text and "rightsledger_" not in text
