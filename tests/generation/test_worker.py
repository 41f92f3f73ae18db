"""End to end with a real Celery worker and a real Redis broker.

The worker runs in its own process against the test database. The engine here is an HTTP engine
whose model server (run by the test) can be made slow, so the worker can be killed mid-run.
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from generation import services
from generation.selectors import request_entries
from generation.models import GenerationOutput, GenerationRequest
from generation.tasks import request_run
from config.celery import app
from rightsledger.models import Asset

from .. import factories as f
from .test_engines import ModelServer

ROOT = Path(__file__).resolve().parents[2]
# The test settings (make test) configure Redis as the broker and run tasks eagerly; these
# tests turn eager mode off so that tasks go through Redis to the worker.
BROKER = os.environ.get("CELERY_BROKER_URL", "")
LEASE_SECONDS = 4

pytestmark = pytest.mark.django_db(transaction=True)


class SlowModelServer(ModelServer):
    delay = 0.0

    def do_POST(self):
        time.sleep(SlowModelServer.delay)
        super().do_POST()


@pytest.fixture
def model_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowModelServer)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SlowModelServer.delay = 0.0
    yield f"http://127.0.0.1:{server.server_address[1]}/generate"
    SlowModelServer.delay = 0.0
    server.shutdown()


@pytest.fixture
def broker():
    if not BROKER.startswith("redis://"):
        pytest.fail("These tests need CELERY_BROKER_URL set to a Redis database; run them with make test.")
    try:
        client = redis.Redis.from_url(BROKER)
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {BROKER}: start it (make test starts it when it is installed).")
    client.flushdb()
    app.conf.task_always_eager = False
    yield client
    app.conf.task_always_eager = True
    client.flushdb()


class Worker:
    def __init__(self, env):
        self.env = env
        self.proc = None
        self.log = None

    def start(self):
        self.log = open(Path(settings.MEDIA_ROOT).parent / f"worker-{time.time_ns()}.log", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "1", "-l", "info", "--without-mingle", "--without-gossip", "-n", f"test{time.time_ns()}@%h"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("The worker exited at start:\n" + self.output())
            if "ready." in self.output():
                return self
            time.sleep(0.2)
        raise AssertionError("The worker did not start within 60 s:\n" + self.output())

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_env(model_server, broker, settings):
    engines = {"remote": {"url": model_server, "version": "2.0", "uses": ["atmosphere"], "timeout": 120}}
    settings.GENERATION_HTTP_ENGINES = engines
    settings.GENERATION_RUN_LEASE_SECONDS = LEASE_SECONDS
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME", "LANG", "DJANGO_", "PYTHON"))}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=BROKER,
        CELERY_TASK_ALWAYS_EAGER="0",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        GENERATION_HTTP_ENGINES=json.dumps(engines),
        GENERATION_RUN_LEASE_SECONDS=str(LEASE_SECONDS),
        LEDGER_SIGNING_KEY_FILE=settings.LEDGER_SIGNING_KEY_FILE,
        LEDGER_SIGNING_KEY_CREATE="1",
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
    shot = f.make_shot(world.prod_a, "EP102_SH0040")
    plate = f.make_asset(world.prod_a, seed=41)
    f.make_grant(world.prod_a, world.party, [plate])

    def make():
        return services.request_submit(
            actor=world.producer_a, production=world.prod_a, shot=shot, engine="remote", seed=5, intended_use="atmosphere",
            media=["theatrical"], territories=["US"], release_start=datetime.date(2026, 6, 1), release_end=datetime.date(2026, 12, 31),
            inputs=[{"asset": plate, "role": "plate"}],
        )

    return make


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def status(rid):
    return GenerationRequest.objects.get(pk=rid).status


def test_a_duplicated_task_records_one_output(world, approved, worker_env):
    worker = worker_env()
    req = approved()
    assert req.status == "approved"
    services.request_queue(actor=world.producer_a, request=req)  # sends the task on commit
    duplicate = request_run.delay(req.pk)  # the same message again, as a broker might redeliver it
    wait_for(lambda: status(req.pk) == "succeeded", what="the run to succeed")
    assert duplicate.get(timeout=30) in ("already_done", "succeeded")
    again = request_run.delay(req.pk).get(timeout=30)
    assert again == "already_done"
    assert GenerationOutput.objects.filter(request=req).count() == 1
    assert Asset.objects.filter(origin="generated").count() == 1
    assert request_entries(req.pk).filter(entry_type="generation.output_recorded").count() == 1
    assert "generation.request_run" in worker.output()


def test_a_worker_killed_mid_run_leaves_a_retryable_failure_and_nothing_half_recorded(world, approved, worker_env):
    SlowModelServer.delay = 60.0  # the engine hangs: the worker is killed while waiting for it
    worker = worker_env()
    req = approved()
    services.request_queue(actor=world.producer_a, request=req)
    wait_for(lambda: status(req.pk) == "running", what="the run to start")
    wait_for(lambda: len(SlowModelServer.seen) == 1, what="the engine to be called")
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
