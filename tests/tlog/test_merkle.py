"""The Merkle tree against published RFC 6962/9162 test vectors.

Source: github.com/transparency-dev/merkle, testonly/constants.go (leaf inputs, node hashes and
roots) and the inclusion and consistency proof vectors of its proof test-vector generator, which
carry over those of certificate-transparency-go.
"""

import pytest

from rightsledger.tlog import merkle as m

h = bytes.fromhex
LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
NODES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, 1-based as in the source; tree size; proof)
INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def node(level, index):
    return h(NODES[level][index])


def test_leaf_and_node_hashes():
    assert [m.hash_leaf(x).hex() for x in LEAVES] == NODES[0]
    assert m.hash_children(node(0, 0), node(0, 1)).hex() == NODES[1][0]


@pytest.mark.parametrize("size", range(0, 9))
def test_roots_for_every_size(size):
    leaves = [m.hash_leaf(x) for x in LEAVES[:size]]
    assert m.root(leaves).hex() == ROOTS[size]
    if size:
        assert m.root_from_nodes(size, node).hex() == ROOTS[size]


@pytest.mark.parametrize("index,size,proof", INCLUSION)
def test_inclusion_proofs_match_the_vectors_and_verify(index, size, proof):
    built = m.assemble(m.inclusion_nodes(index - 1, size), node)
    assert [p.hex() for p in built] == proof
    m.verify_inclusion(index - 1, size, m.hash_leaf(LEAVES[index - 1]), [h(p) for p in proof], h(ROOTS[size]))


@pytest.mark.parametrize("old,new,proof", CONSISTENCY)
def test_consistency_proofs_match_the_vectors_and_verify(old, new, proof):
    built = m.assemble(m.consistency_nodes(old, new), node)
    assert [p.hex() for p in built] == proof
    m.verify_consistency(old, new, h(ROOTS[old]), h(ROOTS[new]), [h(p) for p in proof])


def test_every_inclusion_and_consistency_proof_of_the_8_leaf_tree_verifies():
    for size in range(1, 9):
        for i in range(size):
            m.verify_inclusion(
                i, size, m.hash_leaf(LEAVES[i]), m.assemble(m.inclusion_nodes(i, size), node), h(ROOTS[size])
            )
        for old in range(1, size + 1):
            m.verify_consistency(
                old, size, h(ROOTS[old]), h(ROOTS[size]), m.assemble(m.consistency_nodes(old, size), node)
            )


def corruptions(proof):
    """The corrupted proofs the source's generator probes with."""
    yield proof + [b""]
    yield [b""] + proof
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        yield bad
    if proof:
        yield proof[:-1]
    if len(proof) > 1:
        yield [
            proof[0],
            bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456"),
        ] + proof[1:]


@pytest.mark.parametrize("index,size,proof", INCLUSION[1:])
def test_corrupted_inclusion_proofs_fail(index, size, proof):
    proof, leaf, r = [h(p) for p in proof], m.hash_leaf(LEAVES[index - 1]), h(ROOTS[size])
    for bad in corruptions(proof):
        with pytest.raises(m.ProofError):
            m.verify_inclusion(index - 1, size, leaf, bad, r)
    for i, s in (
        (index - 2, size),
        (index, size),
        ((index - 1) ^ 2, size),
        (index - 1, size * 2),
        (index - 1, size // 2),
    ):
        with pytest.raises(m.ProofError):
            m.verify_inclusion(i, s, leaf, proof, r)
    with pytest.raises(m.ProofError):
        m.verify_inclusion(index - 1, size, m.hash_leaf(b"WrongLeaf"), proof, r)
    with pytest.raises(m.ProofError):
        m.verify_inclusion(index - 1, size, leaf, proof, m.EMPTY_ROOT)


@pytest.mark.parametrize("old,new,proof", CONSISTENCY[1:])
def test_corrupted_consistency_proofs_fail(old, new, proof):
    proof = [h(p) for p in proof]
    for bad in corruptions(proof):
        with pytest.raises(m.ProofError):
            m.verify_consistency(old, new, h(ROOTS[old]), h(ROOTS[new]), bad)
    with pytest.raises(m.ProofError):
        m.verify_consistency(old, new, h(ROOTS[old - 1]) if old > 1 else m.EMPTY_ROOT, h(ROOTS[new]), proof)
    with pytest.raises(m.ProofError):
        m.verify_consistency(old, new, h(ROOTS[old]), h(ROOTS[new - 1]), proof)


def test_large_trees_agree_with_a_direct_computation():
    leaves = [m.hash_leaf(str(i).encode()) for i in range(1000)]
    levels = [leaves]
    while len(levels[-1]) > 1:
        prev = levels[-1]
        levels.append([m.hash_children(prev[i], prev[i + 1]) for i in range(0, len(prev) - 1, 2)])
    store = lambda level, index: levels[level][index]  # noqa: E731
    for size in (1, 2, 3, 255, 256, 257, 999, 1000):
        r = m.root(leaves[:size])
        assert m.root_from_nodes(size, store) == r
        for i in {0, size // 2, size - 1}:
            m.verify_inclusion(i, size, leaves[i], m.assemble(m.inclusion_nodes(i, size), store), r)
        for old in {1, size // 3 or 1, size}:
            m.verify_consistency(
                old, size, m.root(leaves[:old]), r, m.assemble(m.consistency_nodes(old, size), store)
            )
