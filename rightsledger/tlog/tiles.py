"""The tree as C2SP tlog-tiles serves it (c2sp.org/tlog-tiles), as pure code.

A hash tile at level L, index N holds up to 256 consecutive hashes of the tree's perfect subtrees
of height 8L: in merkle.py's addressing, the nodes (8L, 256N + i). Full tiles hold 256 hashes
(8,192 bytes) and never change; the rightmost tile of each level is partial while the tree grows.
An entry bundle holds the entries of the level-0 tile of the same index, each prefixed with its
length as a big-endian uint16.

Writing side: `tile_path`, `tiles_for_size`, `new_tiles`, `tile_data` (a tile from stored
subtree hashes), `build_tiles` (every tile of a list of leaf hashes), `encode_bundle`.
Reading side: a `TileReader` over a `fetch(path) -> bytes` callable recomputes roots and proofs
from tiles; the proofs are then checked with merkle.py against a checkpoint's root, so a tile
that lies makes a proof fail rather than pass.
"""

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import merkle

HEIGHT = 8
WIDTH = 1 << HEIGHT  # hashes in a full tile
HASH_SIZE = 32
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF  # an entry's length must fit the bundle's uint16 prefix
ENTRIES = -1  # the level of an entry bundle, as Go's tlog writes it


class TileError(ValueError):
    """A malformed tile path, tile, or entry bundle, or a tile that is not there."""


class EntryTooLarge(TileError):
    """An entry longer than an entry bundle can hold (65,535 bytes)."""


def check_entry_size(entry: bytes) -> None:
    """Raise EntryTooLarge unless entry fits an entry bundle; returns None."""
    if len(entry) > MAX_ENTRY_SIZE:
        raise EntryTooLarge(
            f"the entry is {len(entry):,} bytes; a ledger entry may be at most {MAX_ENTRY_SIZE:,} bytes "
            "(C2SP tlog-tiles entry bundles prefix each entry with a 16-bit length)"
        )


def _index_path(index: int) -> str:
    """Return index as zero-padded 3-digit path elements, all but the last prefixed with x."""
    if index < 0:
        raise TileError(f"a tile index cannot be negative ({index})")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if not index:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


@dataclass(frozen=True, order=True)
class Tile:
    """One tile: level (ENTRIES for an entry bundle), index within the level, width (1..256)."""

    level: int
    index: int
    width: int = WIDTH

    def __post_init__(self):
        if not (ENTRIES <= self.level <= MAX_LEVEL and self.index >= 0 and 1 <= self.width <= WIDTH):
            raise TileError(f"no such tile: level {self.level}, index {self.index}, width {self.width}")

    @property
    def full(self) -> bool:
        return self.width == WIDTH

    @property
    def path(self) -> str:
        """Return the tile's path under the log's prefix, as C2SP tlog-tiles spells it."""
        level = "entries" if self.level == ENTRIES else str(self.level)
        suffix = "" if self.full else f".p/{self.width}"
        return f"tile/{level}/{_index_path(self.index)}{suffix}"

    @property
    def hash_level(self) -> int:
        """Return the merkle.py level of the hashes in this tile (0 for leaves and bundles)."""
        return max(self.level, 0) * HEIGHT

    def nodes(self) -> list[tuple[int, int]]:
        """Return the (level, index) of the subtree hash at each position of the tile."""
        first = self.index * WIDTH
        return [(self.hash_level, first + i) for i in range(self.width)]

    def as_hash_tile(self) -> "Tile":
        """Return the level-0 hash tile whose leaf hashes an entry bundle's entries have."""
        return Tile(0, self.index, self.width) if self.level == ENTRIES else self


def tile_path(level: int, index: int, width: int = WIDTH) -> str:
    """Return the path of a hash tile (level >= 0) or entry bundle (level ENTRIES)."""
    return Tile(level, index, width).path


_PATH = re.compile(r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?")


def parse_tile_path(path: str) -> Tile:
    """Return the Tile a path names; raise TileError for any path the spec does not write
    (leading zeroes, a missing x, a width of 0 or 256 and more, a level over 63)."""
    m = _PATH.fullmatch(path)
    if not m:
        raise TileError(f"not a tile path: {path!r}")
    level = ENTRIES if m[1] == "entries" else int(m[1])
    groups = m[2].replace("x", "").split("/")
    if len(groups) > 1 and groups[0] == "000":
        raise TileError(f"not a tile path (leading zero group): {path!r}")
    index = int("".join(groups))
    width = int(m[3]) if m[3] else WIDTH
    if level > MAX_LEVEL or width >= WIDTH and m[3]:
        raise TileError(f"not a tile path: {path!r}")
    return Tile(level, index, width)


def level_size(size: int, level: int) -> int:
    """Return how many hashes level `level` of tiles has in a tree of `size` leaves."""
    return size >> (level * HEIGHT)


def tiles_for_size(size: int) -> list[Tile]:
    """Return every hash tile of a tree of `size` leaves, level by level, full then partial."""
    tiles, level = [], 0
    while (n := level_size(size, level)) > 0:
        tiles += [Tile(level, i) for i in range(n // WIDTH)]
        if n % WIDTH:
            tiles.append(Tile(level, n // WIDTH, n % WIDTH))
        level += 1
    return tiles


def tile_for(level: int, index: int, size: int) -> Tile:
    """Return the hash tile of a tree of `size` leaves that holds hash `index` of tile level `level`."""
    n = level_size(size, level)
    if not 0 <= index < n:
        raise TileError(f"a tree of size {size} has no hash {index} at tile level {level}")
    t = index // WIDTH
    return Tile(level, t, min(WIDTH, n - t * WIDTH))


def new_tiles(old: int, new: int) -> list[Tile]:
    """Return the hash tiles that growing the tree from `old` to `new` leaves writes: those of
    the new size that the old size did not have with the same width."""
    if not 0 <= old <= new:
        raise TileError(f"the tree cannot go from size {old} to {new}")
    before = set(tiles_for_size(old))
    return [t for t in tiles_for_size(new) if t not in before]


def tile_data(tile: Tile, node: Callable[[int, int], bytes]) -> bytes:
    """Return a hash tile's bytes from node(level, index) -> the stored hash of that perfect subtree."""
    return b"".join(node(level, index) for level, index in tile.as_hash_tile().nodes())


def subtree_root(hashes: list[bytes]) -> bytes:
    """Return the root of a perfect subtree from its 2^k hashes at one level (a full tile's root)."""
    layer = hashes
    while len(layer) > 1:
        layer = [merkle.hash_children(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
    return layer[0]


def build_tiles(leaf_hashes: list[bytes]) -> dict[Tile, bytes]:
    """Return every hash tile (full and partial, all levels) of the tree of these leaf hashes."""
    out: dict[Tile, bytes] = {}
    level, hashes = 0, list(leaf_hashes)
    while hashes:
        full = len(hashes) // WIDTH
        for t in range(full):
            out[Tile(level, t)] = b"".join(hashes[t * WIDTH : (t + 1) * WIDTH])
        if len(hashes) % WIDTH:
            out[Tile(level, full, len(hashes) % WIDTH)] = b"".join(hashes[full * WIDTH :])
        hashes = [subtree_root(hashes[t * WIDTH : (t + 1) * WIDTH]) for t in range(full)]
        level += 1
    return out


def split_hashes(data: bytes, width: int | None = None) -> list[bytes]:
    """Return the hashes of a hash tile; raise TileError unless it is whole hashes (of `width`)."""
    if len(data) % HASH_SIZE or not data or len(data) > WIDTH * HASH_SIZE:
        raise TileError(f"a hash tile is 1 to 256 hashes of 32 bytes, not {len(data)} bytes")
    if width is not None and len(data) != width * HASH_SIZE:
        raise TileError(f"the tile holds {len(data) // HASH_SIZE} hashes, expected {width}")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


# Entry bundles.


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """Return an entry bundle: each entry prefixed with its length (big-endian uint16)."""
    out = bytearray()
    for i, entry in enumerate(entries):
        try:
            check_entry_size(entry)
        except EntryTooLarge as exc:
            raise EntryTooLarge(f"entry {i} of the bundle: {exc}") from None
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def parse_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """Return the entries of a bundle; raise TileError if it is cut short, has bytes left over,
    or (when given) does not hold exactly `width` entries."""
    entries, pos, n = [], 0, len(data)
    while pos < n:
        if pos + 2 > n:
            raise TileError(f"the entry bundle ends inside the length of entry {len(entries)}")
        length = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + length > n:
            raise TileError(f"entry {len(entries)} of the bundle is cut short ({n - pos} of {length} bytes)")
        entries.append(data[pos : pos + length])
        pos += length
        if len(entries) > WIDTH:
            raise TileError(f"an entry bundle holds at most {WIDTH} entries")
    if width is not None and len(entries) != width:
        raise TileError(f"the entry bundle holds {len(entries)} entries, expected {width}")
    return entries


def build_bundles(entries: list[bytes]) -> dict[Tile, bytes]:
    """Return every entry bundle (full and partial) of a log of these entries."""
    out = {}
    for t in range(0, len(entries), WIDTH):
        chunk = entries[t : t + WIDTH]
        out[Tile(ENTRIES, t // WIDTH, len(chunk))] = encode_bundle(chunk)
    return out


# Reading side.


class TileReader:
    """Reads a tree of a given size through fetch(path) -> bytes (which raises LookupError for a
    tile that is not there). Tiles are read once each and checked for their size; what they hold
    is proven only by checking the result against a checkpoint's root, as `root`, `verify_*` do."""

    def __init__(self, fetch: Callable[[str], bytes], size: int):
        if size < 0:
            raise TileError("a tree size cannot be negative")
        self.fetch, self.size = fetch, size
        self._tiles: dict[Tile, list[bytes]] = {}
        self.fetched = 0

    def _read(self, tile: Tile) -> list[bytes]:
        """Return the hashes of a hash tile, fetching the full tile when a partial one is gone."""
        if tile not in self._tiles:
            try:
                data = self.fetch(tile.path)
                hashes = split_hashes(data, tile.width)
            except LookupError:
                if tile.full:
                    raise TileError(f"{tile.path} is not served") from None
                try:  # The spec lets a log delete a partial tile once the full one exists.
                    data = self.fetch(Tile(tile.level, tile.index).path)
                except LookupError:
                    raise TileError(f"neither {tile.path} nor the full tile is served") from None
                hashes = split_hashes(data, WIDTH)[: tile.width]
            self.fetched += 1
            self._tiles[tile] = hashes
        return self._tiles[tile]

    def node(self, level: int, index: int) -> bytes:
        """Return the hash of the perfect subtree (level, index) (merkle.py's addressing)."""
        if level < 0 or index < 0 or (index + 1) << level > self.size:
            raise TileError(f"node ({level}, {index}) is not in a tree of size {self.size}")
        tile_level, sub = divmod(level, HEIGHT)
        first = index << sub  # the node covers hashes [first, first + 2^sub) of its tile level
        tile = tile_for(tile_level, first, self.size)
        hashes = self._read(tile)
        start = first - tile.index * WIDTH
        return subtree_root(hashes[start : start + (1 << sub)])

    def root(self) -> bytes:
        """Return the root hash of the tree of this reader's size, recomputed from tiles."""
        return merkle.root_from_nodes(self.size, self.node)

    def leaf_hash(self, index: int) -> bytes:
        """Return leaf `index`'s hash as the level-0 tile holds it."""
        return self.node(0, index)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """Return the RFC 9162 inclusion proof of leaf `index` in the tree of this size."""
        return merkle.assemble(merkle.inclusion_nodes(index, self.size), self.node)

    def consistency_proof(self, old: int) -> list[bytes]:
        """Return the RFC 9162 consistency proof from size `old` to this reader's size."""
        return merkle.assemble(merkle.consistency_nodes(old, self.size), self.node)

    def entry(self, index: int) -> bytes:
        """Return entry `index`'s bytes from its entry bundle (unproven: check its leaf hash)."""
        tile = tile_for(0, index, self.size)
        bundle = Tile(ENTRIES, tile.index, tile.width)
        try:
            data = self.fetch(bundle.path)
            entries = parse_bundle(data, bundle.width)
        except LookupError:
            if bundle.full:
                raise TileError(f"{bundle.path} is not served") from None
            try:
                entries = parse_bundle(self.fetch(Tile(ENTRIES, bundle.index).path), WIDTH)[: bundle.width]
            except LookupError:
                raise TileError(f"neither {bundle.path} nor the full bundle is served") from None
        return entries[index - tile.index * WIDTH]


def tiles_for_nodes(size: int, nodes: Iterable[tuple[int, int]]) -> list[Tile]:
    """Return the hash tiles of a tree of `size` leaves that hold the given (level, index) nodes,
    each once, so that a client can fetch them all at once (in parallel) before reading them."""
    out: dict[Tile, None] = {}
    for level, index in nodes:
        if level < 0 or index < 0 or (index + 1) << level > size:
            raise TileError(f"node ({level}, {index}) is not in a tree of size {size}")
        tile_level, sub = divmod(level, HEIGHT)
        out[tile_for(tile_level, index << sub, size)] = None
    return list(out)


def read_hashes(fetch: Callable[[str], bytes], size: int, nodes: Iterable[tuple[int, int]]) -> list[bytes]:
    """Return the hashes of the given (level, index) nodes of the tree of `size`, read from tiles
    (unproven until checked against a checkpoint's root)."""
    reader = TileReader(fetch, size)
    return [reader.node(level, index) for level, index in nodes]


def verify_root(fetch: Callable[[str], bytes], size: int, root: bytes) -> None:
    """Raise merkle.ProofError unless the tiles of the tree of `size` recompute `root`; returns None."""
    if size == 0:
        got = merkle.EMPTY_ROOT
    else:
        got = TileReader(fetch, size).root()
    if got != root:
        raise merkle.ProofError(
            f"the tiles of the tree of size {size} do not recompute the checkpoint's root"
        )


def verify_inclusion(
    fetch: Callable[[str], bytes], index: int, size: int, leaf_hash: bytes, root: bytes
) -> None:
    """Raise merkle.ProofError unless leaf `index` of the tree of `size` and `root` has `leaf_hash`,
    by a proof read from tiles; returns None."""
    proof = TileReader(fetch, size).inclusion_proof(index)
    merkle.verify_inclusion(index, size, leaf_hash, proof, root)


def verify_consistency(
    fetch: Callable[[str], bytes], old: int, new: int, old_root: bytes, new_root: bytes
) -> None:
    """Raise merkle.ProofError unless the tree of size `new` extends that of size `old`, by a
    proof read from the tiles of the tree of size `new`; returns None."""
    if old == 0:
        if old_root != merkle.EMPTY_ROOT:
            raise merkle.ProofError("the tree of size 0 has the hash of the empty string as its root")
        return
    merkle.verify_consistency(old, new, old_root, new_root, TileReader(fetch, new).consistency_proof(old))


def verify_entry(fetch: Callable[[str], bytes], index: int, size: int, root: bytes) -> bytes:
    """Return entry `index`'s bytes, read from its bundle, once its leaf hash is proven included in
    the tree of `size` and `root`; raise merkle.ProofError or TileError otherwise."""
    reader = TileReader(fetch, size)
    data = reader.entry(index)
    merkle.verify_inclusion(
        index, size, hashlib.sha256(merkle.LEAF + data).digest(), reader.inclusion_proof(index), root
    )
    return data


def verify_tree(fetch: Callable[[str], bytes], size: int, root: bytes) -> int:
    """Audit a whole tree from its tiles: every entry bundle's entries hash to the level-0 tiles,
    every tile is the one those leaves make, and they recompute `root`. Return the entries checked;
    raise merkle.ProofError (or TileError for a missing or malformed tile)."""
    reader = TileReader(fetch, size)
    leaves: list[bytes] = []
    for t in range(0, size, WIDTH):
        leaf_tile = tile_for(0, t, size)
        bundle = Tile(ENTRIES, leaf_tile.index, leaf_tile.width)
        try:
            entries = parse_bundle(fetch(bundle.path), bundle.width)
        except LookupError:
            raise TileError(f"{bundle.path} is not served") from None
        leaves += [merkle.hash_leaf(e) for e in entries]
    for tile, data in build_tiles(leaves).items():
        if reader._read(tile) != split_hashes(data):
            raise merkle.ProofError(f"{tile.path} is not the tile the entries make")
    if merkle.root(leaves) != root:
        raise merkle.ProofError(
            f"the entries of the tree of size {size} do not recompute the checkpoint's root"
        )
    return size
