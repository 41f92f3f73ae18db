"""Ledger entries: their canonical bytes (RFC 8785) and leaf hash (RFC 9162 §2.1.1)."""

import hashlib
from dataclasses import dataclass
from typing import Any

import rfc8785

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def canonical(value: Any) -> bytes:
    """Return the RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value."""
    return rfc8785.dumps(value)


def leaf_hash(entry_bytes: bytes) -> bytes:
    """Return SHA-256(0x00 || entry), the RFC 9162 hash of a leaf."""
    return hashlib.sha256(LEAF_PREFIX + entry_bytes).digest()


@dataclass(frozen=True)
class Entry:
    """One ledger entry as it is hashed: everything in it is covered by the leaf hash."""

    seq: int
    type: str
    actor: str
    time: str  # RFC 3339, UTC, microseconds
    payload: dict

    def to_json(self) -> dict:
        return {
            "seq": self.seq,
            "type": self.type,
            "actor": self.actor,
            "time": self.time,
            "payload": self.payload,
        }

    def encode(self) -> bytes:
        return canonical(self.to_json())

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.encode())
