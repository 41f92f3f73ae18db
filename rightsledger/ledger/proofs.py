"""Inclusion and consistency proofs (RFC 9162) from the stored subtree hashes: O(log n) nodes in
one indexed read. And the proof bundles that rightsledger-verify checks offline."""

import base64
from dataclasses import dataclass

from django.db import connection

from ..errors import Conflict
from ..models import LedgerLeaf
from ..tlog import merkle
from ..tlog.verify import BUNDLE_FORMAT
from .checkpoints import latest_checkpoint, signing_key
from .nodes import node_reader


def b64_hashes(hashes) -> list[str]:
    """Return hashes as base64 text, as proofs are served."""
    return [base64.b64encode(h).decode() for h in hashes]


@dataclass(frozen=True)
class Leaf:
    index: int
    seq: int
    leaf_hash: bytes


def leaf_for(*, seq: int | None = None, leaf_hash: bytes | None = None) -> Leaf:
    """Return the tree position of an entry, by sequence number or leaf hash (one indexed read).
    Raises LookupError if there is no such entry, Conflict if the sequencer has not taken it yet."""
    with connection.cursor() as cursor:
        if seq is not None:
            cursor.execute(
                'SELECT l."index", e.seq, e.leaf_hash FROM rightsledger_ledgerentry e '
                "LEFT JOIN rightsledger_ledgerleaf l ON l.seq = e.seq WHERE e.seq = %s",
                [seq],
            )
        else:
            cursor.execute(
                'SELECT l."index", e.seq, e.leaf_hash FROM rightsledger_ledgerentry e '
                "LEFT JOIN rightsledger_ledgerleaf l ON l.seq = e.seq WHERE e.leaf_hash = %s LIMIT 1",
                [leaf_hash],
            )
        row = cursor.fetchone()
    if row is None:
        raise LookupError("No such ledger entry.")
    if row[0] is None:
        raise Conflict(
            "The entry is recorded but not yet in the tree; "
            "its proof is available after the next checkpoint.",
            code="not_yet_sequenced",
        )
    return Leaf(row[0], row[1], bytes(row[2]))


def inclusion_proof(leaf: Leaf, size: int) -> list[bytes]:
    """Return the inclusion proof of a leaf in the tree of a given size: O(log n) nodes, one query."""
    if leaf.index >= size:
        raise Conflict(
            f"Leaf {leaf.index} is not in the tree of size {size}; ask against a later checkpoint.",
            code="not_in_tree",
        )
    parts = merkle.inclusion_nodes(leaf.index, size)
    return merkle.assemble(parts, node_reader(k for part in parts for k in part))


def consistency_proof(old: int, new: int) -> list[bytes]:
    """Return the proof that the tree of size new extends the tree of size old."""
    parts = merkle.consistency_nodes(old, new)
    return merkle.assemble(parts, node_reader(k for part in parts for k in part))


def proof_bundle(entries) -> dict:
    """Return a bundle that rightsledger-verify checks offline: the latest checkpoint, and each
    entry's canonical bytes and inclusion proof. Entries not yet covered by a checkpoint are
    listed apart."""
    checkpoint = latest_checkpoint()
    bundle = {
        "format": BUNDLE_FORMAT,
        "checkpoint": checkpoint.note if checkpoint else None,
        "verifier_key": signing_key().verifier_key,
        "entries": [],
        "pending": [],
    }
    leaves = {
        seq: Leaf(index, seq, b"")
        for index, seq in LedgerLeaf.objects.filter(entry__in=[e.seq for e in entries]).values_list(
            "index", "entry_id"
        )
    }
    for entry in entries:
        leaf = leaves.get(entry.seq)
        if checkpoint is None or leaf is None or leaf.index >= checkpoint.size:
            bundle["pending"].append(entry.seq)
            continue
        bundle["entries"].append(
            {
                "seq": entry.seq,
                "type": entry.entry_type,
                "leaf_index": leaf.index,
                "leaf_hash": bytes(entry.leaf_hash).hex(),
                "entry": base64.b64encode(bytes(entry.body)).decode(),
                "proof": b64_hashes(inclusion_proof(leaf, checkpoint.size)),
            }
        )
    return bundle
