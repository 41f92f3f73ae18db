"""A real Celery worker on a real Redis broker, for the tests that need tasks to leave the
test process: the worker runs in its own process against the test database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parents[1]
# The test settings (make test) configure Redis as the broker and run tasks eagerly; these
# tests turn eager mode off so that tasks go through Redis to the worker.
BROKER = os.environ.get("CELERY_BROKER_URL", "")


@pytest.fixture
def broker():
    if not BROKER.startswith("redis://"):
        pytest.fail("These tests need CELERY_BROKER_URL set to a Redis database; run them with make test.")
    try:
        client = redis.Redis.from_url(BROKER)
        client.ping()
    except redis.ConnectionError:
        pytest.fail(
            f"Redis is not reachable at {BROKER}: start it (make test starts it when it is installed)."
        )
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
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-c",
                "1",
                "-l",
                "info",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"test{time.time_ns()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
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


def worker_environment(**extra) -> dict:
    """The environment of a worker process that shares the test database and media folder."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME", "LANG", "DJANGO_", "PYTHON"))}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=BROKER,
        CELERY_TASK_ALWAYS_EAGER="0",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        LEDGER_SIGNING_KEY_FILE=settings.LEDGER_SIGNING_KEY_FILE,
        LEDGER_SIGNING_KEY_CREATE="1",
        C2PA_TSA_URL=settings.C2PA_TSA_URL,
        C2PA_TSA_REQUIRED="1" if settings.C2PA_TSA_REQUIRED else "0",
        **extra,
    )
    return env


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
