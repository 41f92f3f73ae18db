"""Every benchmark (bench/*.py, found by glob) runs at its smallest size (BENCH_SMOKE=1) on a fresh
database of its own, prints its JSON and writes it to a temporary folder, and leaves no process
behind: not its server, its workers or its time-stamp authority, even when it fails.

The benches are tested in two halves (test_benches_one.py, test_benches_two.py): the suite runs a
file in one process, and the two halves keep both busy."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted((ROOT / "bench").glob("*.py"))
HALVES = (BENCHES[0::2], BENCHES[1::2])
SECONDS = 300  # the most one bench may take at its smallest size


@contextlib.contextmanager
def fresh_database(server: str, template_name: str):
    """Yield the name of a new database copied from template_name; drop it afterwards."""
    connections.close_all()  # PostgreSQL copies a database that nobody is connected to
    name = f"rightsledger_bench_smoke_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    try:
        yield name
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def marked(marker: str) -> list[int]:
    """Return the processes whose environment carries marker (every process a bench starts
    inherits it, whatever process group or session it moves to)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if marker.encode() in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
    return found


def printed_report(stdout: str, name: str) -> dict:
    """Return the report the bench printed (the last JSON object that names a benchmark)."""
    start = stdout.rfind('{\n  "benchmark"')
    assert start >= 0, f"{name} printed no report:\n{stdout[-2000:]}"
    return json.JSONDecoder().raw_decode(stdout[start:])[0]


def check_bench(script: Path, template, tmp_path: Path) -> None:
    """Run the bench at its smallest size on a fresh database; check its report and what it left."""
    server, template_name = template
    results, port, run = tmp_path / "results", free_port(), f"BENCH_SMOKE_RUN={uuid.uuid4().hex}"
    # As from a fresh clone: the bench chooses its own database, broker mode and settings.
    own = ("DATABASE_URL", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if k not in own}
    env.update(
        BENCH_SMOKE="1",
        BENCH_RESULTS_DIR=str(results),
        BENCH_DATABASE_URL=f"{server}/postgres",
        BENCH_VAR_DIR=str(tmp_path / "var"),
        BENCH_PORT=str(port),
        BENCH_BROKER_URL=os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15",
    )
    env.update([run.split("=", 1)])
    with fresh_database(server, template_name) as database:
        env["BENCH_DB_NAME"] = database
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, str(script)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=SECONDS,
                start_new_session=True,
            )
        finally:
            left = marked(run)
            for pid in left:  # so that one bench's leftovers do not fail the next
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    seconds = round(time.monotonic() - started, 1)
    print(f"{script.stem}: {seconds} s")  # shown with -s, and with the failure

    assert done.returncode == 0, f"{script.name} failed (exit {done.returncode}):\n{done.stderr[-4000:]}"
    printed = printed_report(done.stdout, script.name)
    written = [json.loads(p.read_text()) for p in sorted(results.glob("*.json"))]
    assert written, f"{script.name} wrote no JSON in BENCH_RESULTS_DIR"
    for report in written:
        assert {"benchmark", "date", "machine"} <= report.keys(), report.keys()
    assert printed["benchmark"] in {r["benchmark"] for r in written}
    assert left == [], f"{script.name} left processes running: {left}"
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, f"{script.name} left a server on port {port}"
