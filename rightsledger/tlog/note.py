"""Checkpoints (C2SP tlog-checkpoint) signed as notes (C2SP signed-note) with Ed25519. Pure.

A checkpoint's text is three lines: the log's origin, the tree size in decimal, and the root hash
in base64. The signed note is that text, a blank line, and one line per signature:
"— <key name> <base64(key id || signature)>". The key id is the first four bytes of
SHA-256(key name || 0x0A || 0x01 || public key). A verifier key is written
"<name>+<hex key id>+<base64(0x01 || public key)>".
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
DASH = "\u2014"


class NoteError(Exception):
    """A malformed note or key."""


class SignatureError(NoteError):
    """A note that is not signed by the expected key: forged, altered, or from another log."""


def key_id(name: str, public_key: bytes, kind: bytes = ED25519) -> bytes:
    """Return a key's 4-byte id: SHA-256(name || 0x0A || type || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + kind + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"invalid key name {name!r}: no spaces or '+'")


def public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def format_vkey(name: str, public_key: bytes, kind: bytes = ED25519) -> str:
    """Return a key as "<name>+<hex key id>+base64(type || public key)"."""
    return f"{name}+{key_id(name, public_key, kind).hex()}+{base64.b64encode(kind + public_key).decode()}"


def parse_vkey(text: str, kind: bytes, what: str, wanted: str) -> tuple[str, bytes, bytes]:
    """Return the name, key id and Ed25519 public key of a vkey of one type; raise NoteError, naming
    the key as `what` and the accepted type as `wanted`, for anything else."""
    try:
        name, hex_id, b64 = text.strip().split("+", 2)
        raw = base64.b64decode(b64, validate=True)
        kid = bytes.fromhex(hex_id)
    except (ValueError, binascii.Error) as exc:
        raise NoteError(f"not a {what} (name+keyid+base64): {exc}") from None
    _check_name(name)
    if len(raw) != 33 or raw[:1] != kind:
        found = f"type 0x{raw[0]:02x}" if raw else "empty"
        raise NoteError(f"{what} {name} is {found}: only {wanted} are supported")
    if len(kid) != 4 or key_id(name, raw[1:], kind) != kid:
        raise NoteError(f"{what} {name}: its id does not match its name and key")
    return name, kid, raw[1:]


def verifier_key(name: str, private_key: Ed25519PrivateKey) -> str:
    """The verifier key string a guild or auditor is given."""
    _check_name(name)
    return format_vkey(name, public_bytes(private_key))


@dataclass(frozen=True)
class Verifier:
    name: str
    id: bytes
    key: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> "Verifier":
        name, kid, public = parse_vkey(text, ED25519, "verifier key", "Ed25519 note keys (type 0x01)")
        return cls(name, kid, Ed25519PublicKey.from_public_bytes(public))


def sign(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Return the signed note for text (which must end with a newline)."""
    _check_name(name)
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("a note's text ends with a newline and has no blank line")
    signature = private_key.sign(text.encode())
    kid = key_id(name, public_bytes(private_key))
    return f"{text}\n{DASH} {name} {base64.b64encode(kid + signature).decode()}\n"


MAX_SIGNATURES = 64  # the spec asks verifiers to accept at least 16
_CONTROL = {chr(c) for c in range(32) if c != 10}


def b64decode_strict(text: str, what: str) -> bytes:
    """Return the bytes of standard, padded base64 written the one way it encodes them: a base64
    text whose unused bits are set decodes to the same bytes, so one changed character would go
    unnoticed. Raise NoteError otherwise."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise NoteError(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode() != text:
        raise NoteError(f"{what} is not in canonical base64")
    return raw


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note: the key name, the 4-byte key id, and the signature bytes."""

    name: str
    id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        """Return the signature line, newline included."""
        return f"{DASH} {self.name} {base64.b64encode(self.id + self.signature).decode()}\n"


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Return a signed note's text (final newline included) and its signature lines, as C2SP
    signed-note writes them; raise NoteError for anything else (no final newline, a control
    character, a malformed line, a signature that is not canonical base64)."""
    if not note.endswith("\n"):
        raise NoteError("malformed note: it does not end with a newline")
    if any(c in _CONTROL for c in note):
        raise NoteError("malformed note: it holds a control character")
    text, sep, sigs = note[:-1].rpartition("\n\n")
    if not sep or not text:
        raise NoteError("malformed note: no blank line before the signatures")
    lines = sigs.split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"the note carries more than {MAX_SIGNATURES} signatures")
    out = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or not parts[1] or "+" in parts[1]:
            raise NoteError(f"malformed signature line: {line[:120]!r}")
        raw = b64decode_strict(parts[2], f"the signature by {parts[1]}")
        if len(raw) < 5:
            raise NoteError(f"malformed signature line: {line[:120]!r}")
        out.append(NoteSignature(parts[1], raw[:4], raw[4:]))
    return text + "\n", out


def open_note(note: str, verifier: Verifier) -> str:
    """Return the text of a note if the verifier's key signed it; raise NoteError otherwise. A
    note whose final newline was trimmed (as text fields trim it) is read as if it had it."""
    text, signatures = split_note(note if note.endswith("\n") else note + "\n")
    for sig in signatures:
        if sig.name == verifier.name and sig.id == verifier.id:
            try:
                verifier.key.verify(sig.signature, text.encode())
            except InvalidSignature:
                raise SignatureError(
                    f"the signature by {sig.name} does not verify: the checkpoint was altered or forged"
                ) from None
            return text
    raise SignatureError(f"the note carries no signature by {verifier.name}")


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has an origin, a size and a root hash, one per line")
        try:
            size = int(lines[1])
            root = base64.b64decode(lines[2], validate=True)
        except (ValueError, binascii.Error):
            raise NoteError("the checkpoint's size or root hash is malformed") from None
        if size < 0 or len(root) != 32 or str(size) != lines[1]:
            raise NoteError("the checkpoint's size or root hash is malformed")
        return cls(lines[0], size, root)
