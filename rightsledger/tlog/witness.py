"""The body of a C2SP tlog-witness `add-checkpoint` request and of its response, as pure code.

    POST <witness submission prefix>/add-checkpoint

    old <size the witness last cosigned, 0 at first>
    <base64 consistency proof hash from that size>...        (at most 63)

    <the checkpoint, a signed note>

A 200 response is one or more cosignature lines; a 409 says, in `text/x.tlog.size`, the size the
witness last cosigned, so that the log resends with a proof from there. The HTTP client itself is
not here: this module only makes and reads the bodies, so that the log and a witness written to
the spec in the tests share them.
"""

import base64
from dataclasses import dataclass

from .cosignature import Cosigner, add_signatures, cosignatures
from .note import NoteError, b64decode_strict, split_note

MAX_PROOF_LINES = 63


class WitnessProtocolError(NoteError):
    """A request or response body that does not follow C2SP tlog-witness."""


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: str


def _decimal(text: str, what: str) -> int:
    """Return a decimal without leading zeroes (0 itself allowed); raise WitnessProtocolError."""
    if not (text.isascii() and text.isdigit()) or str(int(text)) != text:
        raise WitnessProtocolError(f"{what} {text[:40]!r} is not a decimal number without leading zeroes")
    return int(text)


def add_checkpoint_body(old_size: int, proof: list[bytes], checkpoint_note: str) -> bytes:
    """Return the body of an add-checkpoint request: the old size, the consistency proof from it
    (empty when old_size is 0), a blank line, and the checkpoint."""
    if old_size < 0 or len(proof) > MAX_PROOF_LINES or any(len(h) != 32 for h in proof):
        raise WitnessProtocolError("an old size of 0 or more and at most 63 proof hashes of 32 bytes")
    if old_size == 0 and proof:
        raise WitnessProtocolError("from size 0 the consistency proof is empty")
    split_note(checkpoint_note)
    lines = [f"old {old_size}"] + [base64.b64encode(h).decode() for h in proof]
    return ("\n".join(lines) + "\n\n" + checkpoint_note).encode()


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Return what an add-checkpoint request carries; raise WitnessProtocolError for a body the
    spec does not write (a witness answers those with 400)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessProtocolError("the request is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise WitnessProtocolError("no blank line between the proof and the checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise WitnessProtocolError("the request does not start with an old size line")
    old = _decimal(lines[0][4:], "the old size")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessProtocolError(f"at most {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for n, line in enumerate(lines[1:], 1):
        try:
            h = b64decode_strict(line, f"proof line {n}")
        except NoteError as exc:
            raise WitnessProtocolError(str(exc)) from None
        if len(h) != 32:
            raise WitnessProtocolError(f"proof line {n} is {len(h)} bytes, not 32")
        proof.append(h)
    return AddCheckpoint(old, tuple(proof), note)


def parse_conflict(body: bytes) -> int:
    """Return the size a 409 response says the witness last cosigned."""
    text = body.decode("ascii", "replace")
    if not text.endswith("\n"):
        raise WitnessProtocolError("a 409 body is the size in decimal and a newline")
    return _decimal(text[:-1], "the witness's size")


def accept_cosignatures(checkpoint_note: str, response: bytes, witness: Cosigner) -> tuple[str, int]:
    """Return the note with the witness's verified cosignature attached, and its timestamp, from
    a 200 response's signature lines. Lines of other keys are dropped; raise SignatureError when
    the witness's own line does not verify, WitnessProtocolError when it has none."""
    try:
        lines = response.decode("utf-8")
        added = add_signatures(checkpoint_note, lines)
    except (UnicodeDecodeError, NoteError) as exc:
        raise WitnessProtocolError(f"the witness's response is not signature lines: {exc}") from None
    got = cosignatures(added, [witness])
    if witness.vkey not in got:
        raise WitnessProtocolError(f"the response carries no cosignature by {witness.name}")
    _, sigs = split_note(added)
    mine = [s for s in sigs if (s.name, s.id) == (witness.name, witness.id)][-1]
    return add_signatures(checkpoint_note, mine.line), got[witness.vkey]
