"""C2SP tlog-tiles: paths, hash tiles, entry bundles, and proofs read back from tiles.

Published vectors: the path and tile-count examples of the spec itself (github.com/C2SP/C2SP,
tlog-tiles.md), and the tile paths of Go's checksum database tests (golang.org/x/mod,
sumdb/tlog/tlog_test.go, `tilePaths`) as torchwood (github.com/FiloSottile/torchwood, tile.go)
maps them onto C2SP paths: "tile/8/<L>/..." becomes "tile/<L>/...", "tile/8/data/..." becomes
"tile/entries/...". The tree itself is checked against merkle.py, which test_merkle.py checks
against the RFC 6962/9162 vectors.
"""

import random

import pytest

from rightsledger.tlog import merkle as m
from rightsledger.tlog import tiles as t
from rightsledger.tlog.tiles import ENTRIES, Tile


def leaves_of(n, seed=0):
    rng = random.Random(seed)
    return [m.hash_leaf(rng.randbytes(rng.randint(0, 40))) for _ in range(n)]


def serve(tiles: dict) -> dict:
    return {tile.path: data for tile, data in tiles.items()}


# Paths.

SPEC_PATHS = [
    (
        Tile(0, 1234067),
        "tile/0/x001/x234/067",
    ),  # tlog-tiles.md: "index 1234067 will be encoded as x001/x234/067"
    (Tile(0, 0), "tile/0/000"),
    (Tile(63, 999), "tile/63/999"),
    (Tile(2, 1000, 17), "tile/2/x001/000.p/17"),
    (Tile(ENTRIES, 1234067, 1), "tile/entries/x001/x234/067.p/1"),
]
GO_PATHS = [  # golang.org/x/mod sumdb/tlog tilePaths, height 8, as C2SP paths
    ("tile/5/x123/x456/078", Tile(5, 123456078)),
    ("tile/5/x123/x456/078.p/2", Tile(5, 123456078, 2)),
    ("tile/0/x003/x057/500", Tile(0, 3057500)),
    ("tile/entries/x003/x057/500", Tile(ENTRIES, 3057500)),
    ("tile/5/123/456/078", None),
    ("tile/-1/123/456/078", None),
]
BAD_PATHS = [
    "tile/01/000",
    "tile/64/000",
    "tile/0/1",
    "tile/0/0001",
    "tile/0/x000/001",
    "tile/0/001/002",
    "tile/0/000.p/0",
    "tile/0/000.p/256",
    "tile/0/000.p/07",
    "tile/0/000.p/",
    "tile/0/000/",
    "/tile/0/000",
    "tile/entries/x1/000",
    "tile/data/000",
    "tile/0/00a",
    "tile/0/000.p/1/",
    "tile/０/000",
    "tile/0/٠٠٠",
]


@pytest.mark.parametrize("tile,path", SPEC_PATHS)
def test_paths_as_the_spec_writes_them(tile, path):
    assert tile.path == path
    assert t.parse_tile_path(path) == tile


@pytest.mark.parametrize("path,tile", GO_PATHS)
def test_paths_of_go_checksum_database(path, tile):
    if tile is None:
        with pytest.raises(t.TileError):
            t.parse_tile_path(path)
    else:
        assert t.parse_tile_path(path) == tile
        assert tile.path == path


@pytest.mark.parametrize("path", BAD_PATHS)
def test_paths_the_spec_does_not_write_are_refused(path):
    with pytest.raises(t.TileError):
        t.parse_tile_path(path)


def test_every_path_round_trips():
    rng = random.Random(1)
    for _ in range(3000):
        tile = Tile(
            rng.randint(-1, 63),
            rng.choice([0, 1, 999, 1000, 10**6 - 1, 10**6, rng.randint(0, 10**15)]),
            rng.choice([1, 2, 255, 256]),
        )
        assert t.parse_tile_path(tile.path) == tile


def test_tile_counts_of_the_spec_examples():
    # tlog-tiles.md: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
    # level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    # partial level 2 tile of width 1."
    tiles = t.tiles_for_size(70_000)
    assert [x for x in tiles if x.level == 0 and x.full] == [Tile(0, i) for i in range(273)]
    assert [x for x in tiles if not (x.level == 0 and x.full)] == [
        Tile(0, 273, 112),
        Tile(1, 0),
        Tile(1, 1, 17),
        Tile(2, 0, 1),
    ]
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1"
    assert t.tiles_for_size(256) == [Tile(0, 0), Tile(1, 0, 1)]
    assert t.tiles_for_size(0) == []


def test_new_tiles_are_what_growth_writes():
    assert t.new_tiles(0, 1) == [Tile(0, 0, 1)]
    assert t.new_tiles(255, 256) == [Tile(0, 0), Tile(1, 0, 1)]
    assert t.new_tiles(256, 257) == [Tile(0, 1, 1)]
    assert t.new_tiles(70_000, 70_000) == []
    for old, new in [(0, 70_000), (1000, 1300), (65535, 65537)]:
        got = t.new_tiles(old, new)
        assert set(got) | (set(t.tiles_for_size(old)) & set(t.tiles_for_size(new))) == set(
            t.tiles_for_size(new)
        )
        assert not set(got) & set(t.tiles_for_size(old))
    with pytest.raises(t.TileError):
        t.new_tiles(5, 4)


# Hash tiles against merkle.py.


def levels_of(leaves):
    levels = [leaves]
    while len(levels[-1]) > 1:
        prev = levels[-1]
        levels.append([m.hash_children(prev[i], prev[i + 1]) for i in range(0, len(prev) - 1, 2)])
    return levels


@pytest.mark.parametrize("size", [0, 1, 2, 3, 255, 256, 257, 511, 512, 513, 1000, 65536 + 3])
def test_tiles_recompute_merkle_root_and_proofs(size):
    leaves = leaves_of(size, seed=size)
    tiles = t.build_tiles(leaves)
    assert sorted(tiles) == sorted(t.tiles_for_size(size))
    for tile, data in tiles.items():
        assert len(data) == tile.width * 32
    root = m.root(leaves)
    fetch = serve(tiles).__getitem__
    t.verify_root(fetch, size, root)
    if not size:
        return
    reader = t.TileReader(fetch, size)
    assert reader.root() == root
    levels = levels_of(leaves)
    store = lambda level, index: levels[level][index]  # noqa: E731
    # Each tile is the stored perfect-subtree hashes at its level (what the sequencer keeps).
    for tile, data in list(tiles.items())[:40] + list(tiles.items())[-5:]:
        assert t.tile_data(tile, store) == data
    rng = random.Random(size)
    for i in {0, 1 % size, size // 2, size - 1, rng.randrange(size), rng.randrange(size)}:
        assert reader.leaf_hash(i) == leaves[i]
        proof = reader.inclusion_proof(i)
        assert proof == m.assemble(m.inclusion_nodes(i, size), store)
        t.verify_inclusion(fetch, i, size, leaves[i], root)
        with pytest.raises(m.ProofError):
            t.verify_inclusion(fetch, i, size, m.hash_leaf(b"not this"), root)
    # The tiles a proof needs are known before any is read, and are the ones reading it fetches.
    nodes = [n for part in m.inclusion_nodes(size - 1, size) for n in part] + m.range_nodes(0, size)
    needed = t.tiles_for_nodes(size, nodes)
    fetched = []
    hashes = t.read_hashes(lambda p: fetched.append(p) or fetch(p), size, nodes)
    assert hashes == [store(level, index) for level, index in nodes]
    assert sorted(fetched) == sorted(x.path for x in needed) and len(set(fetched)) == len(fetched)
    with pytest.raises(t.TileError):
        t.tiles_for_nodes(size, [(0, size)])
    for old in {1, size // 3 or 1, size - 1 or 1, size, rng.randint(1, size)}:
        assert reader.consistency_proof(old) == m.assemble(m.consistency_nodes(old, size), store)
        t.verify_consistency(fetch, old, size, m.root(leaves[:old]), root)
    t.verify_consistency(fetch, 0, size, m.EMPTY_ROOT, root)
    with pytest.raises(m.ProofError):
        t.verify_consistency(fetch, size, size, m.EMPTY_ROOT, root)


def test_every_size_up_to_600_and_every_leaf():
    leaves = leaves_of(600, seed=7)
    for size in range(1, 601, 7):
        tiles = serve(t.build_tiles(leaves[:size]))
        root = m.root(leaves[:size])
        reader = t.TileReader(tiles.__getitem__, size)
        assert reader.root() == root
        for i in range(0, size, 5):
            m.verify_inclusion(i, size, leaves[i], reader.inclusion_proof(i), root)


def test_an_older_tree_reads_the_full_tile_once_its_partial_tile_is_gone():
    leaves = leaves_of(1000)
    served = serve(t.build_tiles(leaves))  # the log now serves size 1000: tile/0/002 is full
    old = 700  # needs tile/0/002.p/188, deleted since; tile/1/000.p/2 is still served for size 700
    served.update(serve({k: v for k, v in t.build_tiles(leaves[:old]).items() if k.level == 1}))
    assert "tile/0/002.p/188" not in served
    t.verify_root(served.__getitem__, old, m.root(leaves[:old]))
    t.verify_inclusion(served.__getitem__, 699, old, leaves[699], m.root(leaves[:old]))
    del served["tile/1/000.p/2"]
    with pytest.raises(t.TileError, match="neither tile/1/000.p/2"):
        t.verify_root(served.__getitem__, old, m.root(leaves[:old]))


def test_a_tile_of_the_wrong_length_is_refused():
    leaves = leaves_of(300)
    served = serve(t.build_tiles(leaves))
    for path in list(served):
        for bad in (served[path][:-1], served[path] + b"\0" * 32, b""):
            copy = dict(served, **{path: bad})
            with pytest.raises(t.TileError, match="hashes"):
                t.TileReader(copy.__getitem__, 300).node(
                    t.parse_tile_path(path).hash_level, t.parse_tile_path(path).index * 256
                )


# Entry bundles.


def test_bundles_round_trip_and_hash_to_the_level_0_tiles():
    rng = random.Random(3)
    entries = [rng.randbytes(rng.choice([0, 1, 100, 65535])) for _ in range(600)]
    bundles = t.build_bundles(entries)
    assert sorted(b.path for b in bundles) == [
        "tile/entries/000",
        "tile/entries/001",
        "tile/entries/002.p/88",
    ]
    got = []
    for tile in sorted(bundles):
        got += t.parse_bundle(bundles[tile], tile.width)
    assert got == entries
    assert bundles[Tile(ENTRIES, 0)][:2] == len(entries[0]).to_bytes(2, "big")
    served = serve(bundles) | serve(t.build_tiles([m.hash_leaf(e) for e in entries]))
    root = m.root([m.hash_leaf(e) for e in entries])
    assert t.verify_tree(served.__getitem__, 600, root) == 600
    for i in (0, 255, 256, 599):
        assert t.verify_entry(served.__getitem__, i, 600, root) == entries[i]


def test_an_entry_over_65535_bytes_is_refused_with_a_clear_error():
    t.check_entry_size(b"x" * 65535)
    with pytest.raises(t.EntryTooLarge, match="65,536 bytes; a ledger entry may be at most 65,535"):
        t.check_entry_size(b"x" * 65536)
    with pytest.raises(t.EntryTooLarge, match="entry 1 of the bundle"):
        t.encode_bundle([b"ok", b"x" * 70_000])


@pytest.mark.parametrize(
    "data,width,message",
    [
        (b"\x00", None, "ends inside the length"),
        (b"\x00\x05abc", None, "cut short"),
        (b"\x00\x01a\x00", None, "ends inside the length"),
        (b"\x00\x01a", 2, "holds 1 entries, expected 2"),
        (b"\x00\x00" * 257, None, "at most 256"),
    ],
)
def test_malformed_bundles_are_refused(data, width, message):
    with pytest.raises(t.TileError, match=message):
        t.parse_bundle(data, width)


def test_one_changed_byte_in_any_tile_or_bundle_fails_the_audit():
    rng = random.Random(5)
    entries = [rng.randbytes(rng.randint(1, 30)) for _ in range(520)]
    leaves = [m.hash_leaf(e) for e in entries]
    root = m.root(leaves)
    served = serve(t.build_bundles(entries)) | serve(t.build_tiles(leaves))
    assert t.verify_tree(served.__getitem__, 520, root) == 520
    for path, data in served.items():
        for pos in {0, len(data) // 2, len(data) - 1, rng.randrange(len(data))}:
            bad = bytearray(data)
            bad[pos] ^= 1 << rng.randrange(8)
            copy = dict(served, **{path: bytes(bad)})
            with pytest.raises((m.ProofError, t.TileError)):
                t.verify_tree(copy.__getitem__, 520, root)
    # A changed leaf hash in a level-0 tile also fails the inclusion check of its neighbour, whose
    # proof starts with it (the entry's own leaf hash is computed from its bytes, never read).
    bad = bytearray(served["tile/0/001"])
    bad[32 * 2] ^= 1
    copy = dict(served, **{"tile/0/001": bytes(bad)})
    with pytest.raises(m.ProofError):
        t.verify_entry(copy.__getitem__, 256 + 3, 520, root)
