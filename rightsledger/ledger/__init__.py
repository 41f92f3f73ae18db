"""The verifiable ledger, one idea a module.

- append: the one way to write a fact, `recording()`, which opens the transaction and appends
  the entries; PostgreSQL refuses at commit any ledger-backed row without its entry.
- sequencer: takes committed entries into the RFC 9162 Merkle tree, one sequencer at a time.
- checkpoints: the ledger's Ed25519 key and the signed C2SP checkpoints of the tree.
- proofs: inclusion and consistency proofs, and the bundles rightsledger-verify checks offline.
- witnesses: checkpoints a guild has seen, and the proof that the ledger still extends them.
- audit: every leaf and the latest checkpoint's root recomputed from the stored entries.

The pure Merkle and signed-note code is in rightsledger.tlog, which imports no Django.
"""
