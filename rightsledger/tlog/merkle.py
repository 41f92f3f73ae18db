"""The Merkle tree of RFC 9162 §2.1, as pure code.

Proofs are built from the hashes of perfect subtrees, addressed as (level, index): the node at
level l and index i covers leaves [i * 2^l, (i + 1) * 2^l). A store that keeps those hashes
answers any inclusion or consistency proof with O(log n) reads: `inclusion_nodes` and
`consistency_nodes` say which, and `inclusion_proof` / `consistency_proof` assemble the proof
from them.
"""

import hashlib

LEAF, NODE = b"\x00", b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def hash_leaf(data: bytes) -> bytes:
    return hashlib.sha256(LEAF + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect subtrees that make up leaves [start, end) as RFC 9162 splits them, left to right.

    For a range that is itself a perfect aligned subtree this is one node; for the right edge of
    a tree it is its decomposition into decreasing powers of two.
    """
    nodes = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        # Largest aligned perfect subtree starting at `start` that fits in the range.
        while start % (1 << level):
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: list[bytes]) -> bytes:
    """Combine the perfect subtrees of a range (left to right) into its RFC 9162 hash."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = hash_children(h, acc)
    return acc


def _inclusion_ranges(index: int, start: int, end: int) -> list[tuple[int, int]]:
    """PATH(m, D[start:end]) of RFC 9162 §2.1.3.1, as the ranges whose hashes form the proof."""
    if end - start <= 1:
        return []
    k = _split(end - start)
    if index - start < k:
        return _inclusion_ranges(index, start, start + k) + [(start + k, end)]
    return _inclusion_ranges(index, start + k, end) + [(start, start + k)]


def _consistency_ranges(m: int, start: int, end: int, complete: bool) -> list[tuple[int, int]]:
    """SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1, as ranges."""
    n = end - start
    if m == n:
        return [] if complete else [(start, end)]
    k = _split(n)
    if m <= k:
        return _consistency_ranges(m, start, start + k, complete) + [(start + k, end)]
    return _consistency_ranges(m - k, start + k, end, False) + [(start, start + k)]


def inclusion_nodes(index: int, size: int) -> list[list[tuple[int, int]]]:
    """For each proof element, the perfect subtrees whose hashes make it."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return [range_nodes(a, b) for a, b in _inclusion_ranges(index, 0, size)]


def consistency_nodes(old: int, new: int) -> list[list[tuple[int, int]]]:
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to {new}")
    if old == new:
        return []
    return [range_nodes(a, b) for a, b in _consistency_ranges(old, 0, new, True)]


def assemble(parts: list[list[tuple[int, int]]], node) -> list[bytes]:
    """Turn node addresses into proof hashes, with node(level, index) -> bytes."""
    return [fold([node(level, index) for level, index in part]) for part in parts]


def root_from_nodes(size: int, node) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return fold([node(level, index) for level, index in range_nodes(0, size)])


def root(leaf_hashes: list[bytes]) -> bytes:
    """MTH over leaf hashes, computed level by level (for audits and tests)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    return fold(perfect_roots(leaf_hashes))


def perfect_roots(leaf_hashes: list[bytes]) -> list[bytes]:
    """The hashes of the perfect subtrees of range_nodes(0, n), left to right."""
    out, start = [], 0
    for level, _ in range_nodes(0, len(leaf_hashes)):
        layer = leaf_hashes[start : start + (1 << level)]
        while len(layer) > 1:
            layer = [hash_children(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
        out.append(layer[0])
        start += 1 << level
    return out


class ProofError(Exception):
    pass


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: list[bytes], root_hash: bytes) -> None:
    """RFC 9162 §2.1.3.2. Raise ProofError unless the proof holds. (Written as a tight loop:
    guilds verify many proofs at once.)"""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    if len(leaf_hash) != 32 or len(root_hash) != 32:
        raise ProofError("hashes must be 32 bytes")
    sha = hashlib.sha256
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if len(p) != 32:
            raise ProofError("hashes must be 32 bytes")
        if fn & 1 or fn == sn:
            r = sha(NODE + p + r).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = sha(NODE + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is deep")
    if r != root_hash:
        raise ProofError("the proof does not lead to the root")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2. Raise ProofError unless the tree of size `new` extends that of size `old`."""
    if old < 1 or old > new:
        raise ProofError(f"no consistency between sizes {old} and {new}")
    if any(len(p) != 32 for p in proof) or len(old_root) != 32 or len(new_root) != 32:
        raise ProofError("hashes must be 32 bytes")
    if old == new:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("the two roots of the same size differ")
        return
    if old & (old - 1) == 0:  # a power of two: the old root is the first node of the proof
        proof = [old_root] + list(proof)
    if not proof:
        raise ProofError("empty proof")
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ProofError("the proof is too long")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short")
    if fr != old_root:
        raise ProofError("the proof does not lead to the old root: history was rewritten")
    if sr != new_root:
        raise ProofError("the proof does not lead to the new root")
