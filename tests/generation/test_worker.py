"""End to end with a real Celery worker and a real Redis broker.

The worker runs in its own process against the test database. The engine here is an HTTP engine
whose model server (run by the test) can be made slow, so the worker can be killed mid-run.
"""

import json
import threading
import time
from http.server import ThreadingHTTPServer

import pytest
from celery.result import allow_join_result

from generation import services
from generation.models import GenerationOutput, GenerationRequest
from generation.selectors import request_entries
from generation.tasks import request_run
from rightsledger.models import Asset

from .. import factories as f
from ..workers import Worker, wait_for, worker_environment
from .test_engines import ModelServer

LEASE_SECONDS = 4

pytestmark = pytest.mark.django_db(transaction=True)


class SlowModelServer(ModelServer):
    delay = 0.0
    called = []  # each call as it arrives, before the delay (ModelServer.seen records it after)

    def do_POST(self):
        SlowModelServer.called.append(self.path)
        time.sleep(SlowModelServer.delay)
        super().do_POST()


@pytest.fixture
def model_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowModelServer)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SlowModelServer.delay = 0.0
    SlowModelServer.called = []
    yield f"http://127.0.0.1:{server.server_address[1]}/generate"
    SlowModelServer.delay = 0.0
    server.shutdown()


@pytest.fixture
def worker_env(model_server, broker, settings):
    engines = {"remote": {"url": model_server, "version": "2.0", "uses": ["atmosphere"], "timeout": 120}}
    settings.GENERATION_HTTP_ENGINES = engines
    settings.GENERATION_RUN_LEASE_SECONDS = LEASE_SECONDS
    env = worker_environment(
        GENERATION_HTTP_ENGINES=json.dumps(engines), GENERATION_RUN_LEASE_SECONDS=str(LEASE_SECONDS)
    )
    workers = []

    def start():
        workers.append(Worker(env).start())
        return workers[-1]

    yield start
    for w in workers:
        w.stop()


@pytest.fixture
def approved(world):
    return f.plate_request_maker(world, engine="remote")


def status(rid):
    return GenerationRequest.objects.get(pk=rid).status


def test_a_duplicated_task_records_one_output(world, approved, worker_env):
    worker = worker_env()
    req = approved()
    assert req.status == "approved"
    services.request_queue(actor=world.producer_a, request=req)  # sends the task on commit
    # The same message again, as a broker might redeliver it (with its result kept, to read here).
    duplicate = request_run.apply_async((req.pk,), ignore_result=False)
    wait_for(lambda: status(req.pk) == "succeeded", what="the run to succeed")
    # The test waits on a worker's results: allowed here whatever an eager task in another test's
    # thread left in Celery's process-wide "inside a task" flag.
    with allow_join_result():
        assert duplicate.get(timeout=30) in ("already_done", "succeeded")
        again = request_run.apply_async((req.pk,), ignore_result=False).get(timeout=30)
    assert again == "already_done"
    assert GenerationOutput.objects.filter(request=req).count() == 1
    assert Asset.objects.filter(origin="generated").count() == 1
    assert request_entries(req.pk).filter(entry_type="generation.output_recorded").count() == 1
    assert "generation.request_run" in worker.output()


def test_a_worker_killed_mid_run_leaves_a_retryable_failure_and_nothing_half_recorded(
    world, approved, worker_env
):
    SlowModelServer.delay = 60.0  # the engine hangs: the worker is killed while waiting for it
    worker = worker_env()
    req = approved()
    services.request_queue(actor=world.producer_a, request=req)
    wait_for(lambda: status(req.pk) == "running", what="the run to start")
    wait_for(lambda: len(SlowModelServer.called) == 1, what="the engine to be called")
    worker.kill()

    # Until its lease runs out the request shows running; then the reaper marks it failed.
    assert services.request_reap_stale() == 0
    time.sleep(LEASE_SECONDS + 0.5)
    assert services.request_reap_stale() == 1
    failed = GenerationRequest.objects.get(pk=req.pk)
    assert failed.status == "failed" and "lost" in failed.failure
    assert not GenerationOutput.objects.filter(request=req).exists()
    assert not Asset.objects.filter(origin="generated").exists()
    assert request_entries(req.pk).filter(entry_type="generation.failed").count() == 1

    SlowModelServer.delay = 0.0
    worker_env()
    services.request_retry(actor=world.producer_a, request=failed)
    wait_for(lambda: status(req.pk) == "succeeded", what="the retry to succeed")
    done = GenerationRequest.objects.get(pk=req.pk)
    assert done.attempts == 2
    assert GenerationOutput.objects.filter(request=req).count() == 1
    assert Asset.objects.filter(origin="generated").count() == 1
    assert request_entries(req.pk).filter(entry_type="generation.output_recorded").count() == 1
