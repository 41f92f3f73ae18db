"""Witness cosignatures (C2SP tlog-cosignature, Ed25519 `cosignature/v1`), as pure code.

A witness that has checked a checkpoint is consistent with all it saw before signs
"cosignature/v1\\ntime <T>\\n" followed by the checkpoint's note text, and the log attaches the
signature line "— <witness name> base64(key id || uint64 T || Ed25519 signature)" to the note.
The key id is SHA-256(name || 0x0A || 0x04 || public key)[:4]: the 0x04 keeps a cosignature from
ever passing for a plain note signature (0x01) made with the same key, and the other way round.
A witness key is written as a vkey, "<name>+<hex key id>+base64(0x04 || public key)".
"""

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .note import (
    Checkpoint,
    NoteError,
    NoteSignature,
    SignatureError,
    _check_name,
    format_vkey,
    key_id,
    parse_vkey,
    public_bytes,
    split_note,
)

COSIGNATURE_V1 = b"\x04"
MAX_TIMESTAMP = 2**63 - 1


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """Return the 4-byte key id of an Ed25519 cosigner: SHA-256(name || 0x0A || 0x04 || key)[:4]."""
    return key_id(name, public_key, COSIGNATURE_V1)


def cosigner_vkey(name: str, private_key: Ed25519PrivateKey) -> str:
    """Return the vkey a verifier is configured with for this witness key."""
    _check_name(name)
    return format_vkey(name, public_bytes(private_key), COSIGNATURE_V1)


@dataclass(frozen=True)
class Cosigner:
    """A witness as a verifier knows it: its name, key id and Ed25519 public key."""

    name: str
    id: bytes
    key: Ed25519PublicKey
    public: bytes

    @classmethod
    def parse(cls, vkey: str) -> "Cosigner":
        """Return the cosigner of a vkey of type 0x04; raise NoteError for anything else."""
        name, kid, public = parse_vkey(
            vkey, COSIGNATURE_V1, "witness key", "Ed25519 cosignature/v1 keys (type 0x04)"
        )
        return cls(name, kid, Ed25519PublicKey.from_public_bytes(public), public)

    @property
    def vkey(self) -> str:
        """Return this cosigner's vkey."""
        return format_vkey(self.name, self.public, COSIGNATURE_V1)


def cosignature_message(text: str, timestamp: int) -> bytes:
    """Return the bytes a witness signs for a checkpoint's note text at a POSIX timestamp."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"a cosignature's timestamp must be within 0..2^63-1, not {timestamp}")
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def _text_of(note_or_text: str) -> str:
    """Return the note text of a signed note, or the text itself when it carries no signatures."""
    if "\n\n" in note_or_text:
        return split_note(note_or_text)[0]
    if not note_or_text.endswith("\n"):
        raise NoteError("a checkpoint's text ends with a newline")
    return note_or_text


def cosign(note: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """Return the cosignature line (newline included) by a witness key over a checkpoint (its
    signed note or its text), made at the given POSIX timestamp."""
    _check_name(name)
    text = _text_of(note)
    Checkpoint.parse(text)  # the checkpoint must parse before a witness signs it
    signature = private_key.sign(cosignature_message(text, timestamp))
    kid = cosigner_key_id(name, public_bytes(private_key))
    return NoteSignature(name, kid, timestamp.to_bytes(8, "big") + signature).line


def add_signatures(note: str, lines: str) -> str:
    """Return the note with signature lines (such as a witness's add-checkpoint response)
    appended; raise NoteError if the lines are not well-formed signature lines."""
    split_note(note)
    added = note + lines
    split_note(added)
    return added


def cosignature_timestamp(signature: NoteSignature) -> int:
    """Return the POSIX timestamp a cosignature line carries (unverified); raise NoteError if the
    signature is not a timestamp and an Ed25519 signature."""
    if len(signature.signature) != 8 + 64:
        raise NoteError(f"the signature by {signature.name} is not a timestamp and an Ed25519 signature")
    return int.from_bytes(signature.signature[:8], "big")


def verify_cosignature(text: str, signature: NoteSignature, cosigner: Cosigner) -> int:
    """Return the POSIX timestamp of a cosignature by `cosigner` over the note text; raise
    SignatureError if it does not verify."""
    if signature.name != cosigner.name or signature.id != cosigner.id:
        raise SignatureError(f"the signature is not by witness {cosigner.name}")
    if len(signature.signature) != 8 + 64:
        raise SignatureError(
            f"the cosignature by {cosigner.name} is not a timestamp and an Ed25519 signature"
        )
    timestamp = int.from_bytes(signature.signature[:8], "big")
    if timestamp > MAX_TIMESTAMP:
        raise SignatureError(f"the cosignature by {cosigner.name} has a timestamp beyond 2^63-1")
    try:
        cosigner.key.verify(signature.signature[8:], cosignature_message(text, timestamp))
    except InvalidSignature:
        raise SignatureError(
            f"the cosignature by {cosigner.name} does not verify: "
            "the checkpoint or the cosignature was altered"
        ) from None
    return timestamp


def cosignatures(note: str, cosigners: list[Cosigner]) -> dict[str, int]:
    """Return {witness vkey: timestamp} for each of `cosigners` that cosigned the note. Lines of
    other keys are ignored, as the spec asks; a line of a known key that does not verify raises
    SignatureError, since a note with a forged signature is rejected whole."""
    text, signatures = split_note(note)
    known = {(c.name, c.id): c for c in cosigners}
    out: dict[str, int] = {}
    for sig in signatures:
        cosigner = known.get((sig.name, sig.id))
        if cosigner is not None:
            out[cosigner.vkey] = verify_cosignature(text, sig, cosigner)
    return out
