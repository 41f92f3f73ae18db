"""Faults injected into real processes: a PostgreSQL cluster, a Redis server, gunicorn, a Celery
worker (with its beat) and a media folder of their own, started for these tests.

- PostgreSQL restarts during a burst of requests;
- Redis stops while requests arrive;
- the media folder turns read-only, then full, while outputs are signed and stored.

Each request ends completed exactly once, or refused with a 503 (and Retry-After) that its retry
completes; no output or ledger entry is recorded twice, and no file is left without its asset.
(A worker killed mid-run is in tests/generation/test_worker.py.)
"""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = (
    Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
    if glob.glob("/usr/lib/postgresql/*/bin")
    else None
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Stack:
    def __init__(self, root: Path, tsa_url: str):
        if os.geteuid() != 0 or PG_BIN is None or not shutil.which("redis-server"):
            pytest.fail(
                "The fault tests start their own PostgreSQL (as the postgres user), Redis and a tmpfs: "
                "they need root, PostgreSQL's server binaries and redis-server, as make test's machine has."
            )
        self.root, self.procs, self.mounted = root, [], False
        self.pg_port, self.redis_port, self.http_port = _port(), _port(), _port()
        self.pgdata, self.sock = root / "pg", root / "sock"
        for d in (self.pgdata, self.sock):
            d.mkdir()
            shutil.chown(d, "postgres", "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.pgdata, "-A", "trust", "-U", "postgres", "--no-sync")
        self.pg_start()
        self.dsn = f"postgres://postgres@127.0.0.1:{self.pg_port}/rl"
        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.pg_port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE rl")
        self.media = root / "media"
        self.media.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(self.media)], check=True)
        self.mounted = True
        self.redis = None
        self.redis_start()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "CELERY_", "PYTEST", "DJANGO_"))
        }
        self.env.update(
            DATABASE_URL=self.dsn,
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            CELERY_TASK_ALWAYS_EAGER="0",
            MEDIA_ROOT=str(self.media),
            RIGHTSLEDGER_VAR_DIR=str(root / "var"),
            DJANGO_SECRET_KEY="fault-tests-secret-key-0123456789-0123456789-abcdef",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SECURE_SSL_REDIRECT="0",
            LEDGER_SIGNING_KEY_CREATE="1",
            C2PA_TSA_URL=tsa_url,
            GENERATION_REQUEUE_SECONDS="2",
            GENERATION_RUN_LEASE_SECONDS="20",
            DJANGO_SETTINGS_MODULE="config.settings",
            PYTHONPATH=str(ROOT),
        )
        seeded = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("seed.py"))],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        self.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.log = open(root / "processes.log", "w+")
        self._spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.http_port}",
                "--timeout",
                "60",
            ]
        )
        self._spawn(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-B",
                "-c",
                "1",
                "-l",
                "info",
                "--without-mingle",
                "--without-gossip",
                "-s",
                str(root / "beat-schedule"),
                "-n",
                f"faults{time.time_ns()}@%h",
            ]
        )
        _wait(lambda: self.call("GET", "/api/me/", "producer")[0] == 200, 60, "gunicorn")
        _wait(lambda: "ready." in self.output(), 60, "the worker")

    def _as_postgres(self, *args):
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, args)], check=True, capture_output=True, timeout=120
        )

    def pg_ctl(self, *args):
        self._as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            self.pgdata,
            "-l",
            self.sock / "pg.log",
            "-w",
            "-o",
            f"-p {self.pg_port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            *args,
        )

    def pg_start(self):
        self.pg_ctl("start")

    def redis_start(self):
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(
            lambda: (
                subprocess.run(
                    ["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True, text=True
                ).stdout.strip()
                == "PONG"
            ),
            30,
            "Redis",
        )

    def redis_stop(self):
        self.redis.terminate()
        self.redis.wait(20)

    def _spawn(self, argv):
        self.procs.append(
            subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def output(self) -> str:
        self.log.flush()
        return (self.root / "processes.log").read_text(errors="replace")

    def call(self, method, path, who, body=None, key=None):
        """(status, Retry-After, JSON body) of an API call; status 0 when the server could not be reached."""
        headers = {
            "Authorization": f"Token {self.seed[who]}",
            "Content-Type": "application/json",
            **({"Idempotency-Key": key} if key else {}),
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.http_port}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return (
                    response.status,
                    response.headers.get("Retry-After"),
                    json.loads(response.read() or b"null"),
                )
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                data = json.loads(raw)
            except ValueError:
                data = raw[:300]
            return exc.code, exc.headers.get("Retry-After"), data
        except OSError:
            return 0, None, None

    def sql(self, query, *params):
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def request_body(self, plate_index):
        return {
            "shot": self.seed["shot"],
            "engine": "atmosphere",
            "seed": plate_index,
            "intended_use": "atmosphere",
            "media": ["theatrical"],
            "territories": ["US"],
            "release_start": "2026-06-01",
            "release_end": "2026-12-31",
            "inputs": [
                {"asset": self.seed["plates"][plate_index % len(self.seed["plates"])], "role": "plate"}
            ],
        }

    def status_of(self, request_id):
        return self.call("GET", f"/api/generation/requests/{request_id}/", "producer")[2]["status"]

    def orphans(self):
        stored = {
            str(p.relative_to(self.media))
            for p in self.media.rglob("*")
            if p.is_file() and "assets" in p.parts
        }
        return stored - {row[0] for row in self.sql("SELECT file FROM rightsledger_asset")}

    def close(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.redis and self.redis.poll() is None:
            self.redis.terminate()
        try:
            self.pg_ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.media)], check=False)


@pytest.fixture(scope="module")
def stack(time_stamp_authority):
    # Not under pytest's temporary folder: that is private to root, and the cluster runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="rightsledger-faults-"))
    root.chmod(0o755)
    s = None
    try:
        s = Stack(root, time_stamp_authority["url"])
        yield s
    finally:
        if s is not None:
            s.close()
        shutil.rmtree(root, ignore_errors=True)


def test_postgresql_restarts_during_a_burst_of_requests(stack):
    before = stack.sql("SELECT count(*) FROM generation_generationrequest")[0][0]
    done, seen, lock = [], [], threading.Lock()

    def client(k):
        for i in range(k * 15, k * 15 + 15):
            for _ in range(100):
                status, retry_after, data = stack.call(
                    "POST", "/api/generation/requests/", "producer", stack.request_body(i), key=f"burst-{i}"
                )
                with lock:
                    seen.append((status, retry_after, data if status not in (201, 0) else None))
                if status == 201:
                    with lock:
                        done.append(data["id"])
                    break
                time.sleep(0.3)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    _wait(lambda: len(done) >= 10, 120, "the first requests")
    stack.pg_ctl("-m", "fast", "restart")  # every connection is cut; the cluster is back a moment later
    for t in threads:
        t.join(300)
    refused = [s for s in seen if s[0] != 201]
    assert len(done) == 60 and len(set(done)) == 60, (len(done), len(set(done)), refused[:5])
    assert refused and all(
        s[0] == 503 and s[1] and s[2]["errors"][0]["code"] == "service_unavailable" for s in refused
    ), refused[:5]
    # Each request recorded once, with its entries: nothing lost, nothing twice.
    assert stack.sql("SELECT count(*) FROM generation_generationrequest")[0][0] - before == 60
    rows = stack.sql(
        "SELECT record_id, count(*) FROM rightsledger_ledgerentry "
        "WHERE entry_type = 'generation.requested' AND record_id = ANY(%s) GROUP BY record_id",
        done,
    )
    assert len(rows) == 60 and {n for _, n in rows} == {1}


def test_redis_stops_while_requests_arrive(stack):
    ids = [
        stack.call("POST", "/api/generation/requests/", "producer", stack.request_body(20 + i))[2]["id"]
        for i in range(4)
    ]
    stack.redis_stop()
    try:
        # Without the broker: a check and a submission still answer; a queued request waits in the database.
        assert (
            stack.call("POST", "/api/generation/requests/check/", "producer", stack.request_body(1))[0] == 200
        )
        ids.append(
            stack.call("POST", "/api/generation/requests/", "producer", stack.request_body(25))[2]["id"]
        )
        for request_id in ids:
            status, _, data = stack.call(
                "POST", f"/api/generation/requests/{request_id}/queue/", "producer", {}
            )
            assert status == 202 and data["status"] == "queued", (status, data, stack.output()[-3000:])
    finally:
        stack.redis_start()
    # Once Redis is back, the worker reconnects and the beat sends the stranded requests again.
    _wait(lambda: all(stack.status_of(i) == "succeeded" for i in ids), 120, "the queued requests to run")
    outputs = stack.sql(
        "SELECT request_id, count(*) FROM generation_generationoutput WHERE request_id = ANY(%s) "
        "GROUP BY request_id",
        ids,
    )
    assert sorted(outputs) == sorted((i, 1) for i in ids)
    entries = stack.sql(
        "SELECT count(*) FROM rightsledger_ledgerentry WHERE entry_type = 'generation.output_recorded' "
        "AND convert_from(body, 'UTF8') LIKE ANY(%s)",
        [f'%"request":{i},%' for i in ids],
    )
    assert entries[0][0] == len(ids)
    assert not stack.orphans()


def _run_to_the_end(stack, request_id, verb="queue"):
    status, _, data = stack.call("POST", f"/api/generation/requests/{request_id}/{verb}/", "producer", {})
    assert status == 202, (status, data)
    _wait(lambda: stack.status_of(request_id) in ("succeeded", "failed"), 120, f"request {request_id} to end")
    return stack.call("GET", f"/api/generation/requests/{request_id}/", "producer")[2]


def test_the_media_folder_turns_read_only_then_full_while_signing(stack):
    for fault in ("read-only", "full"):
        request_id = stack.call(
            "POST", "/api/generation/requests/", "producer", stack.request_body(27 if fault == "full" else 26)
        )[2]["id"]
        filler = stack.media / "filler"
        if fault == "read-only":
            subprocess.run(["mount", "-o", "remount,ro", str(stack.media)], check=True)
        else:
            with open(filler, "wb") as fh:  # fill the folder to its last byte
                try:
                    while True:
                        fh.write(b"\0" * (1 << 20))
                        fh.flush()
                except OSError:
                    pass
        try:
            ended = _run_to_the_end(stack, request_id)
            assert ended["status"] == "failed" and "could not be stored" in ended["failure"], ended
            assert ended["output"] is None
        finally:
            if fault == "read-only":
                subprocess.run(["mount", "-o", "remount,rw", str(stack.media)], check=True)
            else:
                filler.unlink()
        assert not stack.orphans(), stack.orphans()
        # The failure is retryable: once the folder can be written to, the retry records the output once.
        ended = _run_to_the_end(stack, request_id, verb="retry")
        assert ended["status"] == "succeeded" and ended["output"] is not None, ended
        assert (
            stack.sql("SELECT count(*) FROM generation_generationoutput WHERE request_id = %s", request_id)[
                0
            ][0]
            == 1
        )
        assert (
            stack.sql(
                "SELECT count(*) FROM rightsledger_ledgerentry "
                "WHERE entry_type = 'generation.output_recorded' AND convert_from(body, 'UTF8') LIKE %s",
                f'%"request":{request_id},%',
            )[0][0]
            == 1
        )
    assert not stack.orphans()
