"""Offline proof files (C2SP tlog-proof), as pure code.

    c2sp.org/tlog-proof@v1
    extra <base64 of the entry's bytes>        (optional)
    index <leaf index>
    <base64 inclusion proof hash, leaf's sibling first>...

    <the checkpoint, a signed note, verbatim, with its cosignatures>

The ledger puts the entry itself (its RFC 8785 bytes) in the `extra` line, so that one file
carries the entry, its proof and the cosigned checkpoint. `extra` is not authenticated by
itself: the entry is trusted only because its leaf hash is proven to be in the checkpoint.
"""

import base64
from dataclasses import dataclass

from . import merkle
from .note import NoteError, Verifier, b64decode_strict
from .policy import Policy, Witnessed
from .tiles import MAX_ENTRY_SIZE

HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_HASHES = 63  # a tree of at most 2^63 leaves
MAX_FILE_SIZE = 256 * 1024  # an entry of 64 KiB in base64, its proof and a note of many signatures


class ProofFileError(NoteError):
    """A file that is not a C2SP tlog-proof, or does not carry what its check needs."""


@dataclass(frozen=True)
class ProofFile:
    """A parsed proof file: the leaf index, its inclusion proof, the checkpoint note, the extra data."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def encode(self) -> bytes:
        """Return the proof file's bytes, as C2SP tlog-proof lays them out."""
        if self.index < 0 or len(self.proof) > MAX_PROOF_HASHES or any(len(h) != 32 for h in self.proof):
            raise ProofFileError(
                "a proof file has a leaf index of 0 or more and at most 63 hashes of 32 bytes"
            )
        lines = [HEADER]
        if self.extra is not None:
            if not self.extra:
                raise ProofFileError("the extra data is empty: leave it out instead")
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.proof]
        return ("\n".join(lines) + "\n\n" + self.checkpoint).encode()


def make_proof_file(
    index: int, proof: list[bytes], checkpoint_note: str, entry: bytes | None = None
) -> bytes:
    """Return a proof file for leaf `index` with its inclusion proof in the checkpoint, carrying
    the entry's bytes as its extra data when given."""
    return ProofFile(index, tuple(proof), checkpoint_note, entry).encode()


def parse_proof_file(data: bytes) -> ProofFile:
    """Return the parsed proof file; raise ProofFileError for anything C2SP tlog-proof does not
    write (a missing header or index, a leading zero, a hash that is not canonical base64 of 32
    bytes, no blank line before the checkpoint). The checkpoint note is checked when verified."""
    if len(data) > MAX_FILE_SIZE:
        raise ProofFileError(f"a proof file is at most {MAX_FILE_SIZE:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ProofFileError("a proof file is UTF-8 text") from None
    head, sep, checkpoint = text.partition("\n\n")
    if not sep:
        raise ProofFileError("no blank line between the proof and the checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise ProofFileError(f"not a tlog proof: the first line is not {HEADER}")
    pos, extra = 1, None
    if len(lines) > pos and lines[pos].startswith("extra "):
        try:
            extra = b64decode_strict(lines[pos][6:], "the extra data")
        except NoteError as exc:
            raise ProofFileError(str(exc)) from None
        if not extra:
            raise ProofFileError("the extra line is empty")
        pos += 1
    if len(lines) <= pos or not lines[pos].startswith("index "):
        raise ProofFileError("the proof file has no index line")
    digits = lines[pos][6:]
    if not (digits.isascii() and digits.isdigit()) or str(int(digits)) != digits:
        raise ProofFileError(f"the index {digits[:40]!r} is not a decimal number without leading zeroes")
    hashes = lines[pos + 1 :]
    if len(hashes) > MAX_PROOF_HASHES:
        raise ProofFileError(f"an inclusion proof has at most {MAX_PROOF_HASHES} hashes")
    proof = []
    for n, line in enumerate(hashes, 1):
        try:
            h = b64decode_strict(line, f"proof hash {n}")
        except NoteError as exc:
            raise ProofFileError(str(exc)) from None
        if len(h) != 32:
            raise ProofFileError(f"proof hash {n} is {len(h)} bytes, not 32")
        proof.append(h)
    return ProofFile(int(digits), tuple(proof), checkpoint, extra)


@dataclass(frozen=True)
class VerifiedProof:
    """What a proof file proved: entry `index` of the log, with these bytes, is in a checkpoint
    the log signed and the policy's witnesses cosigned."""

    index: int
    entry: bytes
    leaf_hash: bytes
    witnessed: Witnessed


def verify_proof_file(
    data: bytes,
    log_vkey: str | Verifier | None,
    witness_policy: str | bytes | Policy,
    entry_bytes: bytes | None = None,
    now: int | None = None,
) -> VerifiedProof:
    """Check a proof file offline: the checkpoint is signed by the log's key (or a log of the
    policy), cosigned by the policy's quorum of witnesses, and the entry (`entry_bytes`, else
    the file's extra data) is the leaf at the file's index. Return what was proven; raise
    merkle.ProofError, SignatureError (QuorumError) or NoteError (ProofFileError, PolicyError)."""
    parsed = parse_proof_file(data)
    policy = witness_policy if isinstance(witness_policy, Policy) else Policy.parse(witness_policy)
    logs = (
        [] if log_vkey is None else [log_vkey if isinstance(log_vkey, Verifier) else Verifier.parse(log_vkey)]
    )
    witnessed = policy.check(parsed.checkpoint, logs, now=now)
    if entry_bytes is None:
        if parsed.extra is None:
            raise ProofFileError("the proof file carries no entry: give the entry's bytes")
        entry_bytes = parsed.extra
    elif parsed.extra is not None and parsed.extra != entry_bytes:
        raise merkle.ProofError("the entry given is not the entry the proof file carries")
    if len(entry_bytes) > MAX_ENTRY_SIZE:
        raise ProofFileError(f"an entry is at most {MAX_ENTRY_SIZE:,} bytes")
    checkpoint = witnessed.checkpoint
    leaf = merkle.hash_leaf(entry_bytes)
    try:
        merkle.verify_inclusion(parsed.index, checkpoint.size, leaf, list(parsed.proof), checkpoint.root)
    except merkle.ProofError as exc:
        raise merkle.ProofError(
            f"entry {parsed.index} is not proven in the checkpoint of size {checkpoint.size}: {exc}"
        ) from None
    return VerifiedProof(parsed.index, entry_bytes, leaf, witnessed)
