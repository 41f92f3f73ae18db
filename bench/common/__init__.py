"""Shared by the benchmarks: a PostgreSQL database of their own, percentiles, and the report."""

import contextlib
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository root
RESULTS = ROOT / "bench" / "results"


def setup_django(db_name: str = "rightsledger_bench") -> None:
    """Point Django at a benchmark database on the local PostgreSQL, create and migrate it."""
    sys.path.insert(0, str(ROOT))
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + db_name
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-rightsledger-bench")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("C2PA_TSA_URL"):
        # Signing time-stamps every output, as in production: here through the development TSA,
        # on this machine (a TSA across a network adds its round trip to each signature).
        from provenance import tsa

        _, os.environ["C2PA_TSA_URL"] = tsa.dev_start(Path(tempfile.mkdtemp()) / "tsa")
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db_name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{db_name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentiles(samples_s: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples_s)

    def pct(p):
        return round(ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))], 3)

    return {
        "n": len(ms),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = ""
    try:
        pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": pg,
    }


def report(name: str, results: dict) -> dict:
    out = {
        "benchmark": name,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return out


@contextlib.contextmanager
def gunicorn(port: int, settings_module: str = "config.settings"):
    """Serve the service with gunicorn, one worker per core, on the bench's database; yield the
    server process once it answers."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings_module)
    workers = str(os.cpu_count() or 2)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            workers,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
