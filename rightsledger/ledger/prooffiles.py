"""Proof files (C2SP tlog-proof) of single ledger entries: the entry's bytes, its inclusion proof
and a signed checkpoint that covers it, with the witnesses' cosignatures attached, in one text
file that `rightsledger-verify proof` (or any tlog-proof reader) checks offline, with only the
ledger's verifier key and a witness policy."""

import logging

from ..errors import Conflict
from ..models import Checkpoint, LedgerEntry
from ..tlog.note import NoteError
from ..tlog.policy import NONE
from ..tlog.proof import make_proof_file
from .checkpoints import latest_checkpoint
from .cosigning import cosigned_note, witness_policy
from .proofs import Leaf, inclusion_proof, leaf_for

log = logging.getLogger(__name__)
NOT_YET = "This record's ledger entry is not yet in a checkpoint; try again in a minute."
# How many of the newest checkpoints that cover an entry are looked at for one whose cosignatures
# meet the witness policy's quorum (witnesses cosign a new checkpoint seconds after it is signed).
QUORUM_LOOKBACK = 16


def proof_file(entry: LedgerEntry, checkpoint: Checkpoint | None = None) -> bytes:
    """Return a C2SP tlog-proof file of one entry: its bytes (the `extra` line), its inclusion
    proof and the checkpoint note with the cosignatures collected so far. Against `checkpoint`
    when given, else the newest checkpoint that covers the entry and meets the witness policy's
    quorum (the newest that covers it when none does yet). Raise Conflict (409) when no
    checkpoint covers the entry yet. Four queries, two more with a witness policy."""
    try:
        leaf = leaf_for(seq=entry.seq)
    except Conflict:  # recorded, not yet in the tree
        raise Conflict(NOT_YET, code="not_in_checkpoint") from None
    checkpoint = checkpoint if checkpoint is not None else _covering(leaf)
    if checkpoint is None or leaf.index >= checkpoint.size:
        raise Conflict(NOT_YET, code="not_in_checkpoint")
    proof = inclusion_proof(leaf, checkpoint.size)
    return make_proof_file(leaf.index, proof, cosigned_note(checkpoint), bytes(entry.body))


def record_proof_file(record, checkpoint: Checkpoint | None = None) -> bytes:
    """Return the proof file (as proof_file) of the entry that recorded a ledger-backed row: the
    first entry that names it (a consent version's consent.created, amended or revoked; an
    output's generation.output_recorded). Raise LookupError when no entry names it, Conflict when
    no checkpoint covers it yet."""
    entries = LedgerEntry.objects.filter(record_type=record.ledger_type, record_id=record.pk)
    entry = entries.order_by("seq").first()
    if entry is None:
        raise LookupError(f"No ledger entry records {record.ledger_type} {record.pk}.")
    return proof_file(entry, checkpoint)


def record_file_name(record) -> str:
    """Return the download name of a version's proof file: consent-12-v2.tlog-proof."""
    return f"{record.ledger_type}-{record.pk}-v{record.version}.tlog-proof"


def output_file_name(request_id: int) -> str:
    """Return the download name of a generation output's proof file: request-5-output.tlog-proof."""
    return f"request-{request_id}-output.tlog-proof"


def _covering(leaf: Leaf) -> Checkpoint | None:
    """Return the newest checkpoint that covers the leaf and whose cosignatures meet the witness
    policy's quorum; without a policy (or a quorum), or when none meets it yet, the latest."""
    latest = latest_checkpoint()
    try:
        policy = witness_policy()
    except (OSError, NoteError):
        log.exception("the witness policy cannot be read; proof files use the latest checkpoint")
        return latest
    if latest is None or policy is None or policy.quorum == NONE:
        return latest
    recent = (
        Checkpoint.objects.filter(size__gt=leaf.index)
        .order_by("-size")
        .prefetch_related("cosignatures")[:QUORUM_LOOKBACK]
    )
    for checkpoint in recent:
        keys = {c.vkey for c in checkpoint.cosignatures.all()}
        if policy.satisfied({n for n, c in policy.witnesses.items() if c.vkey in keys}):
            return checkpoint
    return latest
