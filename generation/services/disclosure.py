"""Disclosure under Art. 50 of the EU AI Act: each output's position, recorded by default when the
output is kept and changed only by a clearance user's decision, each a ledger entry."""

from rightsledger import access, vocab, words
from rightsledger import validation as v
from rightsledger.errors import Errors
from rightsledger.ledger.append import Recorder, recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.personal import record_commitments

from ..models import GenerationOutput, GenerationRequest, OutputDisclosure

DEEPFAKE, ARTISTIC, NOT_APPLICABLE = vocab.DISCLOSURE_POSITIONS
MAX_REASON_CHARS = 2000


def disclosure_default_of(request: GenerationRequest, *, held: bool) -> tuple[str, str]:
    """Return the (position, basis) an output takes when it is kept: a realistic depiction of a
    real person where the request used a likeness (an input in the likeness role, or a performer
    named) or the likeness check held the output; else part of the production's creative work."""
    if request.inputs.filter(role="likeness").exists() or request.talents.exists():
        return DEEPFAKE, "likeness_input"
    if held:
        return DEEPFAKE, "likeness_held"
    return ARTISTIC, "creative_work"


def _record(rec: Recorder, output: GenerationOutput, **fields) -> OutputDisclosure:
    previous = output.disclosures.order_by("-id").first()
    seq = rec.reserve(1)[0]
    disclosure = OutputDisclosure.objects.create(output=output, ledger_seq=seq, **fields)
    rec.append(
        EntryType.GENERATION_DISCLOSURE_DECIDED,
        {
            "disclosure": disclosure.pk,
            "output_asset": output.asset_id,
            "request": output.request_id,
            "position": disclosure.position,
            "basis": disclosure.basis,
            **({"supersedes": previous.pk} if previous is not None else {}),
            **record_commitments(disclosure),
        },
        record=disclosure,
        production=output.request.production,
    )
    return disclosure


def disclosure_default(rec: Recorder, *, output: GenerationOutput, held: bool) -> OutputDisclosure:
    """Record, in the caller's recording block, the position an output takes when it is kept."""
    position, basis = disclosure_default_of(output.request, held=held)
    return _record(rec, output, position=position, basis=basis)


def disclosure_decide(*, actor, output: GenerationOutput, position: str, reason: str) -> OutputDisclosure:
    """Record a clearance user's decision of an output's position, with why; return it. The
    output's earlier positions stay on the record: the latest is the output's."""
    access.require(actor, output.request.production, access.CLEARANCE_ROLES, "decide an output's disclosure")
    errors = Errors()
    if position not in vocab.DISCLOSURE_POSITIONS:
        choices = "; ".join(f"“{words.label(p, 'disclosure_positions')}”" for p in vocab.DISCLOSURE_POSITIONS)
        errors.add("position", "invalid_choice", f"Choose one of the positions: {choices}.")
    reason = v.text(errors, "reason", reason, limit=MAX_REASON_CHARS)
    if not reason:
        errors.add("reason", "required", "Say why this position applies: the reason is part of the record.")
    errors.raise_if_any()
    with recording(actor=actor) as rec:
        # One decision at a time per output, so each names the one it supersedes.
        output = (
            GenerationOutput.objects.select_for_update()
            .select_related("request__production")
            .get(pk=output.pk)
        )
        return _record(rec, output, position=position, basis="decided", decided_by=actor, reason=reason)
