"""The verifiable ledger: sustained appends with sequencing on, inclusion-proof latency at
1,000,000 entries, verifications per second, and the full audit at 1,000,000 entries.

Prints JSON and writes bench/results/ledger.json.
"""

import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentiles, report, setup_django  # noqa: E402

DB = "rightsledger_bench_ledger"
ENTRIES = int(os.environ.get("BENCH_ENTRIES", 1_000_000))
APPEND_SECONDS = float(os.environ.get("BENCH_APPEND_SECONDS", 10))
BATCH = 100


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
    leaf hashes, then sequenced by the real sequencer."""
    from django.db import connection

    from rightsledger.ledger import sequencer
    from rightsledger.models import LedgerEntry

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
    t = time.perf_counter()
    n = 0
    while True:
        k = sequencer.ledger_integrate(limit=100_000)
        if not k:
            break
        n += k
    seconds = time.perf_counter() - t
    return {"sequenced": n, "seconds": round(seconds, 1), "per_second": round(n / seconds, 1) if n else None}


def main():
    setup_django(DB)
    import tempfile

    from django.conf import settings

    from rightsledger.ledger import audit, checkpoints, proofs
    from rightsledger.models import LedgerEntry
    from rightsledger.tlog import merkle

    settings.LEDGER_SIGNING_KEY_FILE = str(Path(tempfile.mkdtemp()) / "bench.key")
    checkpoints.key_generate()

    single = appends("single")
    batched = appends("batched")
    filled = fill(ENTRIES)
    checkpoint = checkpoints.ledger_publish()
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

    report(
        "ledger",
        {
            "entries": LedgerEntry.objects.count(),
            "tree_size": size,
            "appends_single_entry_transactions": single,
            "appends_batched_transactions": batched,
            "sequencing_bulk": filled,
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
        },
    )


if __name__ == "__main__":
    main()
