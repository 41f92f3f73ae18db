"""Ledger entries: their canonical bytes (RFC 8785) and leaf hash (RFC 9162 §2.1.1)."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import rfc8785

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


_SAFE_INT = 2**53 - 1
_plain_dumps = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), check_circular=False
).encode


def _plain(value: Any) -> bool:
    """Whether the standard library's JSON gives the RFC 8785 bytes of value: only objects with
    ASCII keys (sorted by code point, as RFC 8785's UTF-16 order then is), lists, text, integers
    within +/-(2^53 - 1), booleans and null. Its escaping of text is the one RFC 8785 asks for
    (two-character escapes, \\u00xx for other control characters, all else as is); numbers
    that are not integers are formatted differently, so they take the general path."""
    stack, left = [value], 1_000_000  # a bound, so that a value that contains itself ends here too
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        left -= 1
        if not left:
            return False
        v = pop()
        t = type(v)
        if t is str or v is None or t is bool:
            continue
        if t is dict:
            for k, x in v.items():
                if type(k) is not str or not k.isascii():
                    return False
                push(x)
        elif t is list:
            extend(v)
        elif t is int:
            if not -_SAFE_INT <= v <= _SAFE_INT:
                return False
        else:
            return False
    return True


def canonical(value: Any) -> bytes:
    """Return the RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value."""
    if _plain(value):
        try:
            return _plain_dumps(value).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the general path refuses it
            pass
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
