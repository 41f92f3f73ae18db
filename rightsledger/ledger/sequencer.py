"""The sequencer: takes committed entries into the RFC 9162 Merkle tree, stored as the hashes of
its perfect subtrees. One sequencer at a time (a PostgreSQL advisory lock), in batches, from
Celery beat or on demand; never on a web request's path. An entry gets its sequence number when
it is written and its leaf index when the sequencer takes it."""

from django.db import connection, transaction

from ..models import LedgerLeaf, LedgerNode, TreeState
from ..tlog import merkle
from .nodes import node_reader
from .tilestore import tiles_write

SEQUENCER_LOCK = 0x52_4C_54_52_45_45  # "RLTREE"


# The most entries one transaction takes into the tree: a long backlog is taken in several.
INTEGRATE_BATCH = 50_000


def ledger_integrate(*, limit: int = INTEGRATE_BATCH) -> int:
    """Take the next committed entries into the tree; return how many. Holds the sequencer lock."""
    with transaction.atomic():
        return integrate(limit)[0]


def integrate(limit: int) -> tuple[int, int, bytes | None]:
    """Within the caller's transaction: take the next committed entries into the tree, holding the
    sequencer lock until it ends. Returns (how many, the tree's size, its root when it grew)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCER_LOCK])
        state, _ = TreeState.objects.select_for_update().get_or_create(pk=1)
        if connection.vendor == "postgresql":
            # Every transaction older than xmin has ended, so every entry it wrote is visible
            # now and none can appear later: the tree takes exactly those, in (txid, seq) order.
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            xmin = cursor.fetchone()[0]
            cursor.execute(
                "SELECT seq, txid, leaf_hash FROM rightsledger_ledgerentry "
                "WHERE txid < %s AND (txid, seq) > (%s, %s) ORDER BY txid, seq LIMIT %s",
                [xmin, state.horizon_txid, state.horizon_seq, limit],
            )
        else:
            cursor.execute(
                "SELECT seq, 0, leaf_hash FROM rightsledger_ledgerentry WHERE seq > %s ORDER BY seq LIMIT %s",
                [state.horizon_seq, limit],
            )
        rows = cursor.fetchall()
    if not rows:
        return 0, state.size, None
    size = state.size
    # The right edge of the tree as it is: its perfect subtrees, which new leaves complete.
    edge = merkle.range_nodes(0, size)
    node = node_reader(edge)
    stack = [(level, index, node(level, index)) for level, index in edge]
    leaves, nodes = [], []
    for offset, (seq, _, leaf_hash) in enumerate(rows):
        index = size + offset
        leaves.append(LedgerLeaf(index=index, entry_id=seq))
        entry = (0, index, bytes(leaf_hash))
        nodes.append(LedgerNode(key=LedgerNode.key_of(0, index), hash=entry[2]))
        stack.append(entry)
        while len(stack) >= 2 and stack[-1][0] == stack[-2][0]:
            level, right_index, right = stack.pop()
            _, left_index, left = stack.pop()
            parent = (level + 1, left_index >> 1, merkle.hash_children(left, right))
            nodes.append(LedgerNode(key=LedgerNode.key_of(parent[0], parent[1]), hash=parent[2]))
            stack.append(parent)
    LedgerLeaf.objects.bulk_create(leaves, batch_size=5000)
    LedgerNode.objects.bulk_create(nodes, batch_size=5000)
    state.size = size + len(rows)
    tiles_write(size, state.size)
    state.horizon_seq, state.horizon_txid = rows[-1][0], rows[-1][1]
    state.save()
    # The stack holds the new right edge, left to right: its fold is the root.
    return len(rows), state.size, merkle.fold([h for _, _, h in stack])


def tree_size() -> int:
    """Return the number of leaves the sequencer has taken into the tree."""
    state = TreeState.objects.filter(pk=1).first()
    return state.size if state else 0


def root_at(size: int) -> bytes:
    """Return the root of the tree of the given size, from its stored subtree hashes."""
    edge = merkle.range_nodes(0, size)
    return merkle.root_from_nodes(size, node_reader(edge))
