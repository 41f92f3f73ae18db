"""The audit: every leaf hash recomputed from its entry's stored bytes, the latest checkpoint's
root recomputed from those leaves, and the checkpoint's signature verified. It names the first
divergence."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from ..tlog import merkle, note
from .checkpoints import latest_checkpoint, verifier
from .sequencer import tree_size


@dataclass
class AuditResult:
    entries: int
    tree_size: int
    checkpoint_size: int
    ok: bool
    problems: list[str]


# Every leaf hash recomputed next to the data (SHA-256 over each stored entry, in C), in tree
# order, packed into one value of 32 bytes a leaf; and the first leaf whose entry no longer
# matches its recorded hash.
_LEAVES_SQL = (
    "SELECT count(*), string_agg(h, ''::bytea ORDER BY i), min(i) FILTER (WHERE h <> stored) FROM ("
    "  SELECT l.index AS i, e.leaf_hash AS stored, sha256('\\x00'::bytea || e.body) AS h"
    "  FROM rightsledger_ledgerleaf l JOIN rightsledger_ledgerentry e ON e.seq = l.seq"
    "  WHERE l.index >= %s AND l.index < %s) AS leaves"
)


def _leaf_part(start: int, end: int, *, own_connection: bool) -> tuple[int, bytes, int | None]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute(_LEAVES_SQL, [start, end])
            count, packed, altered = cursor.fetchone()
        return count, bytes(packed or b""), altered
    finally:
        if own_connection:
            connection.close()  # the worker thread's own connection


def _leaf_hashes(leaf_count: int) -> tuple[int, bytes, int | None]:
    """Return (leaves read, their recomputed hashes packed in tree order, first altered leaf).

    A large tree is read in parts, each on a connection of its own, so that PostgreSQL hashes
    them on every core at once. The parts see the same leaves: leaves and entries below the
    tree's size are never changed (the triggers refuse it; a change is what this looks for)."""
    parts = settings.LEDGER_AUDIT_WORKERS if leaf_count >= settings.LEDGER_AUDIT_PARALLEL_MIN else 1
    if parts <= 1:
        return _leaf_part(0, leaf_count, own_connection=False)
    step = -(-leaf_count // parts)
    bounds = [(start, min(start + step, leaf_count)) for start in range(0, leaf_count, step)]
    with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
        results = list(pool.map(lambda b: _leaf_part(*b, own_connection=True), bounds))
    altered = [a for _, _, a in results if a is not None]
    return (
        sum(c for c, _, _ in results),
        b"".join(p for _, p, _ in results),
        min(altered) if altered else None,
    )


def ledger_audit() -> AuditResult:
    """Return the audit: every leaf hash recomputed from its entry's bytes, the latest
    checkpoint's root from those leaves, its signature verified, and the first divergence named.

    The leaf hashes are recomputed by the database (SHA-256 over each stored entry, in C, next
    to the data); the tree above them is recomputed here.
    """
    problems = []
    checkpoint = latest_checkpoint()
    size = checkpoint.size if checkpoint else 0
    leaf_count = tree_size()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            count, packed, first_altered = _leaf_hashes(leaf_count)
            altered = None
            if first_altered is not None:
                cursor.execute("SELECT seq FROM rightsledger_ledgerleaf WHERE index = %s", [first_altered])
                altered = (first_altered, cursor.fetchone()[0])
            leaves = [packed[i : i + 32] for i in range(0, len(packed), 32)]
            if count != leaf_count:
                problems.append("leaves are missing from the tree")
        else:
            cursor.execute(
                'SELECT l."index", e.seq, e.body, e.leaf_hash FROM rightsledger_ledgerleaf l '
                'JOIN rightsledger_ledgerentry e ON e.seq = l.seq ORDER BY l."index"'
            )
            rows = cursor.fetchall()
            leaves = [merkle.hash_leaf(bytes(body)) for _, _, body, _ in rows]
            altered = next(
                ((i, seq) for (i, seq, _, stored), h in zip(rows, leaves) if h != bytes(stored)), None
            )
    if altered:
        problems.append(
            f"entry seq {altered[1]} (leaf {altered[0]}) was altered: "
            "its bytes no longer hash to its recorded leaf hash"
        )
    if checkpoint:
        try:
            note.open_note(checkpoint.note, verifier())
        except note.NoteError as exc:
            problems.append(f"checkpoint {checkpoint.size}: {exc}")
        if len(leaves) < size:
            problems.append(f"the tree has {len(leaves)} leaves, fewer than the latest checkpoint's {size}")
        elif merkle.root(leaves[:size]) != bytes(checkpoint.root):
            problems.append(f"the root recomputed from the entries does not match checkpoint {size}")
    return AuditResult(
        entries=len(leaves), tree_size=tree_size(), checkpoint_size=size, ok=not problems, problems=problems
    )
