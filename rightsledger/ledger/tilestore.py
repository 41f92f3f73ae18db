"""The ledger's tiles, stored as the sequencer writes them and read as C2SP tlog-tiles serves them.

The sequencer writes, in the transaction that grows the tree, every hash tile and entry bundle
that the new size changed (`tiles_write`). They live in the database, beside the tree they are
made from: a restore of the database restores them with it, every web process reads them without
a shared folder, and a tile is never ahead of or behind the tree. A request reads one row and
slices it (`tile_read`); no request hashes anything.
"""

from django.db import connection

from ..models import LedgerTile
from ..tlog import tiles
from ..tlog.tiles import ENTRIES, WIDTH, Tile
from .nodes import node_reader


def _changed(old: int, new: int) -> list[Tile]:
    """Return the hash tiles and entry bundles that growing the tree from old to new leaves
    writes or widens: per level, the tiles from the one the old size ended in to the new end."""
    out, level = [], 0
    while (n := tiles.level_size(new, level)) > 0:
        first = tiles.level_size(old, level) // WIDTH
        for index in range(first, (n + WIDTH - 1) // WIDTH):
            tile = Tile(level, index, min(WIDTH, n - index * WIDTH))
            out.append(tile)
            if level == 0:
                out.append(Tile(ENTRIES, index, tile.width))
        level += 1
    return out


def _bundles(bundles: list[Tile]) -> dict[int, bytes]:
    """Return the entry bundles' bytes by index, from one read of the entries they span."""
    if not bundles:
        return {}
    first = bundles[0].index * WIDTH
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.body FROM rightsledger_ledgerleaf l JOIN rightsledger_ledgerentry e ON e.seq = l.seq "
            'WHERE l."index" >= %s AND l."index" < %s ORDER BY l."index"',
            [first, bundles[-1].index * WIDTH + bundles[-1].width],
        )
        bodies = [bytes(b) for (b,) in cursor.fetchall()]
    out = {}
    for t in bundles:
        start = t.index * WIDTH - first
        out[t.index] = tiles.encode_bundle(bodies[start : start + t.width])
    return out


def tiles_write(old: int, new: int) -> int:
    """Within the sequencer's transaction: write the tiles of a tree grown from old to new
    leaves; return how many were written."""
    if new <= old:
        return 0
    changed = _changed(old, new)
    hashed = [t for t in changed if t.level != ENTRIES]
    node = node_reader([n for t in hashed for n in t.nodes()])
    bundles = _bundles([t for t in changed if t.level == ENTRIES])
    rows = [
        LedgerTile(
            key=LedgerTile.key_of(t.level, t.index),
            width=t.width,
            data=bundles[t.index] if t.level == ENTRIES else tiles.tile_data(t, node),
        )
        for t in changed
    ]
    LedgerTile.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["key"], update_fields=["width", "data"]
    )
    return len(rows)


def _prefix(tile: Tile, data: bytes) -> bytes:
    """Return the first tile.width hashes (or entries) of a stored tile."""
    if tile.level != ENTRIES:
        return data[: tile.width * tiles.HASH_SIZE]
    pos = 0
    for _ in range(tile.width):
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
    return data[:pos]


def tile_read(tile: Tile) -> bytes | None:
    """Return a tile's bytes, or None when the tree does not hold it yet at that width. A partial
    tile narrower than the stored one is the stored one's prefix, as the tree had it then."""
    # One indexed read on the request's path, without the ORM's query building (a third of it).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT width, data FROM rightsledger_ledgertile WHERE key = %s",
            [LedgerTile.key_of(tile.level, tile.index)],
        )
        row = cursor.fetchone()
    if row is None or row[0] < tile.width:
        return None
    data = bytes(row[1])
    return data if row[0] == tile.width else _prefix(tile, data)


def tiles_rebuild() -> int:
    """Write every tile of the tree as it stands (for a ledger integrated before tiles were
    stored); return how many."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(size), 0) FROM rightsledger_treestate")
        size = cursor.fetchone()[0]
    return tiles_write(0, size)
