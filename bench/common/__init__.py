"""Shared by the benchmarks: a PostgreSQL database of their own with the keys and static files
it needs, the processes they start (stopped even when a run fails), percentiles, the smoke size,
and the report.

BENCH_SMOKE=1 (or --smoke) runs any benchmark at its smallest size: a handful of items, one round,
its JSON written to BENCH_RESULTS_DIR (a temporary folder when unset), never to bench/results/."""

import atexit
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

if "--smoke" in sys.argv:
    sys.argv.remove("--smoke")
    os.environ["BENCH_SMOKE"] = "1"  # the bench's own child processes run small too
SMOKE = os.environ.get("BENCH_SMOKE", "") not in ("", "0")


def _results_dir() -> Path:
    if os.environ.get("BENCH_RESULTS_DIR"):
        return Path(os.environ["BENCH_RESULTS_DIR"])
    if SMOKE:  # a smoke run never overwrites the committed figures
        os.environ["BENCH_RESULTS_DIR"] = tempfile.mkdtemp(prefix="rightsledger-bench-results-")
        return Path(os.environ["BENCH_RESULTS_DIR"])
    return ROOT / "bench" / "results"


RESULTS = _results_dir()


def size(full, smoke):
    """Return full, or smoke when the run is a smoke run (BENCH_SMOKE=1 or --smoke)."""
    return smoke if SMOKE else full


def var_dir(db_name: str) -> Path:
    """Return the bench's own folder for keys and static files, made once per database (its
    checkpoints and signing identities are signed with the keys in it): BENCH_VAR_DIR, or one in
    the system's temporary folder named after the database."""
    default = Path(tempfile.gettempdir()) / "rightsledger-bench" / db_name
    folder = Path(os.environ.get("BENCH_VAR_DIR") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stop_on_sigterm(signum, frame):
    # A bench stopped from outside still runs its finally blocks and stops what it started.
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _stop_on_sigterm)
_started: list[subprocess.Popen] = []


def spawn(args: list[str], **kwargs) -> subprocess.Popen:
    """Start a process in a process group of its own, stopped with stop() and, at the latest,
    when this bench exits (even on an error)."""
    proc = subprocess.Popen(args, start_new_session=True, **kwargs)
    _started.append(proc)
    return proc


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Stop proc's whole process group: SIGTERM, then SIGKILL after timeout seconds."""
    if proc in _started:
        _started.remove(proc)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # what the group's leader left behind


@atexit.register
def _stop_all() -> None:
    while _started:
        stop(_started[-1], timeout=10)


def django_env(db_name: str) -> Path:
    """Set the environment a bench's Django (and every process it starts) runs with: the database
    (BENCH_DATABASE_URL's server; BENCH_DB_NAME names it instead of db_name), the secret key, and
    the bench's own keys and static folders. Return the bench's folder."""
    sys.path.insert(0, str(ROOT))
    db_name = os.environ.get("BENCH_DB_NAME") or db_name
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + db_name
    folder = var_dir(db_name)
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-rightsledger-bench")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SIGNING_KEYS_DIR", str(folder / "keys"))
    os.environ.setdefault("LEDGER_SIGNING_KEY_FILE", str(folder / "keys" / "ledger-signing.key"))
    os.environ.setdefault("STATIC_ROOT", str(folder / "static"))
    Path(os.environ["STATIC_ROOT"]).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
    return folder


def setup_django(db_name: str = "rightsledger_bench") -> None:
    """Point Django at a benchmark database on the local PostgreSQL, create and migrate it, and
    make the ledger's signing key if the bench's folder has none."""
    folder = django_env(db_name)
    db_name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not os.environ.get("C2PA_TSA_URL"):
        # Signing time-stamps every output, as in production: here through the development TSA,
        # on this machine (a TSA across a network adds its round trip to each signature).
        from provenance import tsa

        _, os.environ["C2PA_TSA_URL"] = tsa.dev_start(folder / "tsa")
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db_name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{db_name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not Path(os.environ["LEDGER_SIGNING_KEY_FILE"]).exists():
        call_command("ledger", "init-key", stdout=open(os.devnull, "w"))


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
    if SMOKE:
        print(f"smoke size: written to {RESULTS / f'{name}.json'}", file=sys.stderr)
    return out


@contextlib.contextmanager
def gunicorn(
    port: int,
    settings_module: str = "config.settings",
    env: dict | None = None,
    args: tuple[str, ...] = (),
    ready_path: str = "/robots.txt",
):
    """Serve the service with gunicorn, one worker per core, on the bench's database; yield the
    server process once ready_path answers, and stop it (its whole process group) afterwards,
    even when the bench fails. Raise if it does not answer within two minutes. The benches' servers
    answer the API and files from STATIC_ROOT (a bench's own), no pages: they need no collectstatic."""
    workers = str(os.cpu_count() or 2)
    server = spawn(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", workers, "-b", f"127.0.0.1:{port}"]
        + ["--log-level", "warning", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, **(env or {})},
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer {ready_path} (its log is above)") from None
                time.sleep(0.2)
        yield server
    finally:
        stop(server)


def port(default: int) -> int:
    """Return the port a bench's server listens on: BENCH_PORT, or the bench's own default."""
    return int(os.environ.get("BENCH_PORT") or default)


# The smoke size's open_clip model: small and randomly initialised, as the tests build theirs.
TINY_CLIP = {
    "embed_dim": 128,
    "vision_cfg": {"image_size": 128, "layers": [1, 1, 1, 1], "width": 32, "head_width": 32},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 1},
}


def tiny_clip_config(folder: Path) -> tuple[str, str]:
    """Write the small open_clip model's config into folder and register it; return its name and
    the config's path (CLIP_MODEL, CLIP_MODEL_CONFIG)."""
    import open_clip

    config = folder / "bench-tiny.json"
    config.write_text(json.dumps(TINY_CLIP))
    open_clip.add_model_config(str(config))
    return "bench-tiny", str(config)
