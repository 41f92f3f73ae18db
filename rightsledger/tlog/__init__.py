"""The transparency log, as pure code: entry encoding, the RFC 9162 Merkle tree, checkpoints.

Nothing in this package imports Django, so the standalone verifier can use it alone.
"""
