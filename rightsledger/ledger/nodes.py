"""Reading the tree's stored subtree hashes (LedgerNode), for the sequencer, proofs and tiles."""

from django.db import connection

from ..models import LedgerNode


def read_nodes(keys) -> dict[int, bytes]:
    """Return the stored subtree hashes for the given packed keys, in one query."""
    keys = list(keys)
    if connection.vendor != "postgresql":
        return {k: bytes(h) for k, h in LedgerNode.objects.filter(key__in=keys).values_list("key", "hash")}
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, hash FROM rightsledger_ledgernode WHERE key = ANY(%s)", [keys])
        return {k: bytes(h) for k, h in cursor.fetchall()}


def node_reader(keys):
    """Fetch the given (level, index) nodes in one query; return node(level, index) -> hash."""
    found = read_nodes(LedgerNode.key_of(level, index) for level, index in keys)

    def node(level, index):
        try:
            return found[LedgerNode.key_of(level, index)]
        except KeyError:
            raise LookupError(f"node ({level}, {index}) is not stored: the tree is incomplete") from None

    return node
