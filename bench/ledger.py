"""The verifiable ledger: sustained appends with sequencing on, inclusion-proof latency at
1,000,000 entries, verifications per second, and the full audit at 1,000,000 entries. And the
ledger as C2SP tlog-tiles: integration with tile writing at that size, full tiles served over HTTP
by gunicorn (beside a static file served the same way), and a full audit from the served tiles by
an independent client (aics-tlog, from the virtualenv `make tlog-tools` makes).

Prints JSON and writes bench/results/ledger.json. BENCH_ROWS=tiles runs only the two rows of tiles
served over HTTP (tiles_over_http, independent_full_audit_from_tiles) on the database a full run
left (or fills it first), and updates those rows of the JSON, with the load average around them.
"""

import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, gunicorn, percentiles, port, report, setup_django, size  # noqa: E402

DB = "rightsledger_bench_ledger"
ENTRIES = int(os.environ.get("BENCH_ENTRIES") or size(1_000_000, 1_000))
APPEND_SECONDS = float(os.environ.get("BENCH_APPEND_SECONDS") or size(10, 1))
BATCH = 100
# The last entries before ENTRIES are integrated apart, and timed: integration (with tile
# writing) at that size.
TAIL = int(os.environ.get("BENCH_INTEGRATE_TAIL") or size(50_000, 200))
HTTP_SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS") or size(8, 1))
TOOLS = Path(os.environ.get("TLOG_TOOLS_VENV") or ROOT / ".tlogtools")
ROWS = os.environ.get("BENCH_ROWS", "all")


def appender(kind: str, seconds: float, counter):
    setup_django(DB)
    from django.db import connection

    from rightsledger.ledger.append import recording
    from rightsledger.ledger.entry_types import EntryType

    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        with recording(actor="system") as rec:
            if kind == "single":
                rec.append(
                    EntryType.CONSENT_AMENDED, {"n": done, "note": "consent amended"}, record_type="bench"
                )
                done += 1
            else:
                rec.append_many(
                    [
                        (
                            EntryType.CONSENT_AMENDED,
                            {"n": done + k, "note": "consent amended"},
                            {"record_type": "bench"},
                        )
                        for k in range(BATCH)
                    ]
                )
                done += BATCH
    counter.value += done
    connection.close()


def run_sequencer(seconds: float, counter):
    setup_django(DB)
    from django.db import connection

    from rightsledger.ledger import sequencer

    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if not sequencer.ledger_integrate(limit=20_000):
            time.sleep(0.05)
    counter.value = sequencer.tree_size()
    connection.close()


def appends(kind: str) -> dict:
    """Two appender processes and one sequencer, for APPEND_SECONDS."""
    from rightsledger.ledger import sequencer

    while sequencer.ledger_integrate(limit=50_000):
        pass
    start_size = sequencer.tree_size()
    ctx = multiprocessing.get_context("spawn")
    appended = ctx.Value("q", 0)
    integrated = ctx.Value("q", 0)
    procs = [ctx.Process(target=appender, args=(kind, APPEND_SECONDS, appended)) for _ in range(2)]
    procs.append(ctx.Process(target=run_sequencer, args=(APPEND_SECONDS + 2, integrated)))
    t = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs[:2]:
        p.join()
    elapsed = time.perf_counter() - t
    procs[2].join()
    return {
        "entries_per_transaction": 1 if kind == "single" else BATCH,
        "appended": appended.value,
        "appends_per_second": round(appended.value / elapsed, 1),
        "sequenced_during_run": integrated.value - start_size,
        "sequencer_kept_up": integrated.value - start_size >= appended.value,
    }


def fill(target: int):
    """Entries up to the target, written with set-based SQL with real canonical bodies and
    leaf hashes, then sequenced by the real sequencer (which writes the tiles as it goes)."""
    from django.db import connection

    from rightsledger.ledger import sequencer
    from rightsledger.models import LedgerEntry, LedgerTile

    missing = target - LedgerEntry.objects.count()
    if missing > 0:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH e AS (
                    SELECT nextval('rightsledger_ledger_seq') AS seq, i FROM generate_series(1, %s) AS i
                ), b AS (
                    SELECT seq, convert_to('{"actor":"system","payload":{"n":' || i || '},"seq":' || seq ||
                           ',"time":"2026-11-26T00:00:00.000000Z","type":"bench.fill"}', 'UTF8') AS body
                    FROM e
                )
                INSERT INTO rightsledger_ledgerentry
                    (seq, entry_type, actor, time, body, leaf_hash, record_type, txid)
                SELECT seq, 'bench.fill', 'system', now(), body, sha256('\\x00'::bytea || body), 'bench',
                       txid_current()
                FROM b
                """,
                [missing],
            )
            cursor.execute("ANALYZE")
    tiles_before = LedgerTile.objects.count()
    start_size = sequencer.tree_size()
    t = time.perf_counter()
    n = 0
    while True:
        k = sequencer.ledger_integrate(limit=100_000)
        if not k:
            break
        n += k
    seconds = time.perf_counter() - t
    return {
        "from_size": start_size,
        "sequenced": n,
        "seconds": round(seconds, 1),
        "per_second": round(n / seconds, 1) if n else None,
        "tile_rows_added": LedgerTile.objects.count() - tiles_before,
    }


def _get_loop(port: int, paths: list[str], seconds: float, counter, errors):
    """GET the paths in turn on one connection (reopened when the server closes it) for a while."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = bad = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        conn.request("GET", paths[done % len(paths)])
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or len(body) != 8192:
            bad += 1
        done += 1
    with counter.get_lock():
        counter.value += done
    with errors.get_lock():
        errors.value += bad


def _drive(port: int, paths: list[str], clients: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    counter, errors = ctx.Value("q", 0), ctx.Value("q", 0)
    procs = [
        ctx.Process(target=_get_loop, args=(port, paths[k::clients] or paths, HTTP_SECONDS, counter, errors))
        for k in range(clients)
    ]
    t = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t
    per_second = round(counter.value / elapsed, 1)
    return {"requests": counter.value, "errors": errors.value, "per_second": per_second}


def _audit(port: int, vkey: str, token: str) -> dict:
    """The independent client's full audit from the served tiles, timed from outside."""
    script = ROOT / "tests" / "tlog_tools_audit.py"
    args = [
        str(TOOLS / "bin" / "python"),
        str(script),
        "--tiles",
        f"http://127.0.0.1:{port}/ledger/",
        "--log-key",
        vkey,
        *(["--token", token] if token else []),
    ]
    t = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - t
    out = json.loads(done.stdout) if done.stdout.strip() else {"ok": False, "error": done.stderr[-500:]}
    return {**out, "seconds_with_start": round(seconds, 2)}


def tiles_over_http(size: int, vkey: str) -> dict:
    """Full hash tiles served by gunicorn (a worker per core), read by as many client processes on
    the same machine, beside two anchors served by the same gunicorn: a static file of the same size
    (WhiteNoise) and a Django view answering 8 KiB it holds in memory. Then the audit."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from rightsledger.tlog.tiles import WIDTH, Tile

    static = Path(tempfile.mkdtemp())
    (static / "tile.bin").write_bytes(os.urandom(8192))
    os.environ["STATIC_ROOT"] = str(static)
    full = [Tile(0, i, WIDTH).path for i in range(size // WIDTH)]
    random.Random(2).shuffle(full)
    paths = {
        "full_tiles": [f"/ledger/{p}" for p in full],
        "anchor_static_file": ["/static/tile.bin"],
        "anchor_django_view": ["/bench/static-tile"],
    }
    User = get_user_model()
    operator = User.objects.filter(username="bench-operator").first()
    operator = operator or User.objects.create_superuser("bench-operator")
    token = Token.objects.get_or_create(user=operator)[0].key
    at, workers = port(8762), os.cpu_count() or 2
    out = {"load_average_before": [round(x, 2) for x in os.getloadavg()]}
    with gunicorn(at, "bench.anchor.settings"):
        for wanted in paths.values():  # warm: each worker's connection and the tiles' pages
            _drive(at, wanted[:200], workers)
        for name, wanted in paths.items():
            out[name] = _drive(at, wanted, workers)
            out[name]["load_average_1min_after"] = round(os.getloadavg()[0], 2)
        if (TOOLS / "bin" / "python").exists():
            out["independent_audit_hash_tiles"] = _audit(at, vkey, "")
            out["independent_audit_with_bundles"] = _audit(at, vkey, token)
        else:
            out["independent_audit"] = f"skipped: no {TOOLS} (make tlog-tools; it needs Python >= 3.12)"
    out.update(
        gunicorn_workers=workers,
        client_processes=workers,
        seconds_each=HTTP_SECONDS,
        full_tiles_share_of_static_file=round(
            out["full_tiles"]["per_second"] / out["anchor_static_file"]["per_second"], 3
        ),
        goal_tiles_per_second=2000,
        goal_met=out["full_tiles"]["per_second"] >= 2000,
    )
    return out


def _served_rows(served: dict) -> dict:
    """Return the two rows of tiles served over HTTP, as the JSON holds them."""
    audited = served.get("independent_audit_with_bundles", {})
    return {
        "tiles_over_http": served,
        "independent_full_audit_from_tiles": {
            "size": audited.get("size"),
            "seconds": audited.get("seconds"),
            "hash_tiles_only_seconds": served.get("independent_audit_hash_tiles", {}).get("seconds"),
            "goal_seconds": 10.0,
            "goal_met": bool(audited.get("ok")) and audited["seconds"] <= 10,
        },
    }


def main_tiles():
    """Only the rows of tiles served over HTTP, on the bench's database (filled first if short)."""
    setup_django(DB)

    from rightsledger.ledger import checkpoints

    # The key is the database's own, for its life (bench/common): its checkpoints are signed with it.
    filled = fill(ENTRIES)
    size = (checkpoints.ledger_publish() or checkpoints.latest_checkpoint()).size
    served = tiles_over_http(size, checkpoints.signing_key().verifier_key)
    done = RESULTS / "ledger.json"
    before = json.loads(done.read_text()) if done.exists() else {}
    kept = before.get("tiles_rows_only", {}).get("other_rows_from") or before.get("date")
    before = {k: v for k, v in before.items() if k not in ("benchmark", "date", "machine")}
    rows_only = {"filled": filled, "other_rows_from": kept}
    report("ledger", {**before, **_served_rows(served), "tiles_rows_only": rows_only})


def main():
    setup_django(DB)

    from django.conf import settings

    from rightsledger.ledger import audit, checkpoints, proofs
    from rightsledger.models import LedgerEntry
    from rightsledger.tlog import merkle

    single = appends("single")
    batched = appends("batched")
    filled = fill(ENTRIES - TAIL)
    integrated = fill(ENTRIES)  # the last TAIL entries: integration with tile writing at ENTRIES
    # Nothing new to sign when the appends alone passed ENTRIES (the smoke size): the latest then.
    checkpoint = checkpoints.ledger_publish() or checkpoints.latest_checkpoint()
    size = checkpoint.size
    # Measure reads in steady state: after the appends above, autovacuum would otherwise be
    # working through the same tables during the measurement.
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("rightsledger_ledgerentry", "rightsledger_ledgerleaf", "rightsledger_ledgernode"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")

    rng = random.Random(1)
    seqs = list(LedgerEntry.objects.order_by("?").values_list("seq", flat=True)[:2000])
    latencies, proved = [], []
    for seq in seqs:
        t = time.perf_counter()
        leaf = proofs.leaf_for(seq=seq)
        proof = proofs.inclusion_proof(leaf, size)
        latencies.append(time.perf_counter() - t)
        proved.append((leaf.index, leaf.leaf_hash, proof))

    root = bytes(checkpoint.root)
    t = time.perf_counter()
    rounds = 0
    while time.perf_counter() - t < 3:
        for index, leaf_hash, proof in proved:
            merkle.verify_inclusion(index, size, leaf_hash, proof, root)
        rounds += 1
    verifications = rounds * len(proved) / (time.perf_counter() - t)
    rng.shuffle(proved)

    t = time.perf_counter()
    result = audit.ledger_audit()
    audit_seconds = time.perf_counter() - t
    assert result.ok, result.problems
    # The anchor: the RFC 9162 root of the same leaf hashes, already in memory.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(e.leaf_hash, ''::bytea ORDER BY l.index) FROM rightsledger_ledgerleaf l "
            "JOIN rightsledger_ledgerentry e ON e.seq = l.seq WHERE l.index < %s",
            [size],
        )
        packed = bytes(cursor.fetchone()[0])
    leaves = [packed[i : i + 32] for i in range(0, len(packed), 32)]
    t = time.perf_counter()
    assert merkle.root(leaves) == root
    anchor_seconds = time.perf_counter() - t
    served = tiles_over_http(size, checkpoints.signing_key().verifier_key)

    report(
        "ledger",
        {
            "entries": LedgerEntry.objects.count(),
            "tree_size": size,
            "appends_single_entry_transactions": single,
            "appends_batched_transactions": batched,
            "sequencing_bulk": filled,
            "integration_with_tiles": {
                **integrated,
                "goal_per_second": 2000,
                "goal_met": (integrated["per_second"] or 0) >= 2000,
            },
            "inclusion_proof_latency": {**percentiles(latencies), "proof_length": len(proved[0][2])},
            "verifications_per_second": round(verifications),
            "full_audit": {
                "entries": result.entries,
                "seconds": round(audit_seconds, 2),
                "workers": settings.LEDGER_AUDIT_WORKERS,
                "anchor_root_in_memory_seconds": round(anchor_seconds, 2),
                "goal_seconds": 3.0,
                "goal_met": audit_seconds <= 3.0,
            },
            **_served_rows(served),
        },
    )


if __name__ == "__main__":
    main_tiles() if ROWS == "tiles" else main()
