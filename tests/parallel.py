"""The suite runs across processes (pytest-xdist, `make test WORKERS=n`). Each test process gets:

- a PostgreSQL cluster of its own, made at its start and removed at its end (the first process
  keeps the configured one). A process's own cluster is not a nicety: the ledger integrates only
  the entries older than every transaction still open on the server (rightsledger.ledger), and a
  test runs inside a transaction, so two processes sharing a server would hold back each other's
  checkpoints.
- a Redis database of its own for Celery, so that a real worker started by one test process never
  takes another's tasks.

The files are handed out heaviest first: a file whose tests are marked `heavy(seconds)` (a rough
time on an idle machine) goes before the rest, so the last file to start is a short one and no
process is left running a long one alone at the end (`--no-loadscope-reorder` keeps this order).

Loaded as a plugin (`-p tests.parallel`), before Django reads its settings from the environment."""

import atexit
import collections
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*args):
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*runner, *map(str, args)], check=True, capture_output=True, timeout=120)


def _own_cluster(url: str, worker: str) -> str:
    """Start a throw-away cluster for this process; return url pointing at it."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        raise RuntimeError("Parallel tests need PostgreSQL's server binaries (/usr/lib/postgresql/*/bin).")
    pg_bin, port = Path(bins[-1]), _free_port()
    root = Path(tempfile.mkdtemp(prefix=f"rightsledger-pg-{worker}-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    _as_postgres(pg_bin / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _as_postgres(pg_bin / "pg_ctl", "-D", data, "-o", options, "-l", root / "log", "-w", "start")

    def stop():
        subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []), pg_bin / "pg_ctl"]
            + ["-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    parts = urlsplit(url)
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    _n = int(_worker[2:])
    _broker = os.environ.get("CELERY_BROKER_URL", "")
    if _broker.startswith("redis://"):
        _base, _, _db = _broker.rpartition("/")
        # Counting down from the configured database: 15 for the first process, 14 for the next, ...
        os.environ["CELERY_BROKER_URL"] = f"{_base}/{int(_db or 0) - _n}"
    _database = os.environ.get("DATABASE_URL", "")
    if _n > 0 and _database.startswith("postgres"):
        os.environ["DATABASE_URL"] = _own_cluster(_database, _worker)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "heavy(seconds): a test that takes about this long on an idle machine (started first)"
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Heaviest files first (by their heavy tests' seconds, then by how many tests they hold), each
    file's tests kept together and in their order."""
    weight, count = collections.Counter(), collections.Counter()
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        count[path] += 1
        mark = item.get_closest_marker("heavy")
        if mark is not None:
            weight[path] += mark.args[0]
    order = {path: n for n, path in enumerate(dict.fromkeys(i.nodeid.split("::", 1)[0] for i in items))}

    def key(item):
        path = item.nodeid.split("::", 1)[0]
        return (-weight[path], -count[path], order[path])

    items.sort(key=key)
