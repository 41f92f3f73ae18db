"""The audit: every leaf hash recomputed from its entry's stored bytes, the latest checkpoint's
root recomputed from those leaves, and the checkpoint's signature verified. It names the first
divergence."""

from dataclasses import dataclass

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


def ledger_audit() -> AuditResult:
    """Return the audit: every leaf hash recomputed from its entry's bytes, the latest
    checkpoint's root from those leaves, its signature verified, and the first divergence named.

    The leaf hashes are recomputed by the database (SHA-256 over each stored entry, in C, next
    to the data); the tree above them is recomputed here.
    """
    problems = []
    checkpoint = latest_checkpoint()
    size = checkpoint.size if checkpoint else 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One pass next to the data: every leaf hash recomputed, in tree order, packed into one
            # value (32 bytes each), and the first leaf whose entry no longer matches its hash.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(
                "SELECT count(*), max(i), string_agg(h, ''::bytea ORDER BY i), min(i) FILTER (WHERE h <> stored) FROM ("
                "  SELECT l.index AS i, e.leaf_hash AS stored, sha256('\\x00'::bytea || e.body) AS h"
                "  FROM rightsledger_ledgerleaf l JOIN rightsledger_ledgerentry e ON e.seq = l.seq) AS leaves"
            )
            count, top, packed, first_altered = cursor.fetchone()
            altered = None
            if first_altered is not None:
                cursor.execute("SELECT seq FROM rightsledger_ledgerleaf WHERE index = %s", [first_altered])
                altered = (first_altered, cursor.fetchone()[0])
            packed = bytes(packed or b"")
            leaves = [packed[i : i + 32] for i in range(0, len(packed), 32)]
            if count and top != count - 1:
                problems.append("leaves are missing from the tree")
        else:
            cursor.execute(
                'SELECT l."index", e.seq, e.body, e.leaf_hash FROM rightsledger_ledgerleaf l '
                'JOIN rightsledger_ledgerentry e ON e.seq = l.seq ORDER BY l."index"'
            )
            rows = cursor.fetchall()
            leaves = [merkle.hash_leaf(bytes(body)) for _, _, body, _ in rows]
            altered = next(((i, seq) for (i, seq, _, stored), h in zip(rows, leaves) if h != bytes(stored)), None)
    if altered:
        problems.append(f"entry seq {altered[1]} (leaf {altered[0]}) was altered: its bytes no longer hash to its recorded leaf hash")
    if checkpoint:
        try:
            note.open_note(checkpoint.note, verifier())
        except note.NoteError as exc:
            problems.append(f"checkpoint {checkpoint.size}: {exc}")
        if len(leaves) < size:
            problems.append(f"the tree has {len(leaves)} leaves, fewer than the latest checkpoint's {size}")
        elif merkle.root(leaves[:size]) != bytes(checkpoint.root):
            problems.append(f"the root recomputed from the entries does not match checkpoint {size}")
    return AuditResult(entries=len(leaves), tree_size=tree_size(), checkpoint_size=size, ok=not problems, problems=problems)
