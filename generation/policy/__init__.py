"""The rights gate: does the production hold the rights and consents for this generation?

Pure code: no ORM, no Django. It takes a request and a snapshot of the records that concern it
(as of one ledger sequence number) and returns an outcome with one reason per rule per input or
talent. Every reason names the record it relied on, says in a sentence what it found, and what
would make it pass.

Rules
  R1 rights      every input is covered by active grants permitting genai_input, for the
                 production, every release medium, territory and language, over the whole window
  R2 likeness    every talent shown by a likeness input, or whose face a plate or an element
                 shows, has an active consent that covers it (a face that matches no registered
                 performer is noted, not refused)
  R3 training    an engine that trains on its inputs needs genai_training grants, consents that
                 allow training, and no training reservation on any input, talent, owner or the
                 production
  R4 review      a grant or consent flagged for review, and every likeness use, needs a sign-off
  R5 prompt      a registered talent named in the prompt needs a covering consent
  R6 likeness    after the run, an output in which the face of a performer appears whom no
                 consent of the request covers is held for clearance (likeness_hold)
  R7..R12        the 2026 performer rules, each switched on per production (performers.py)

At run time the request is evaluated again against the ledger as it is then, and R4 passes only
for the items its approving sign-off covered (at_run_time).
"""

from __future__ import annotations

from .consent import _consent_for_talent, _talent_modalities
from .facts import (
    TRAINING_USES,
    UNION_NOTICE_REQUIRED,
    ConsentFact,
    EngineFact,
    GrantFact,
    InputFaceFact,
    InputFact,
    LabourActionFact,
    RequestFact,
    ReservationFact,
    Snapshot,
    TalentFact,
    Term,
    Territories,
    Window,
)
from .outcome import APPROVED, NEEDS_CLEARANCE, PASS, REFUSED, Outcome, Reason, RecordRef
from .performers import performer_reasons
from .rights import _review_of_grants, _rights_for_input, _union
from .runtime import FaceSeenFact, SignOffFact, at_run_time, likeness_hold
from .training import _training

__all__ = [
    "APPROVED",
    "NEEDS_CLEARANCE",
    "PASS",
    "REFUSED",
    "TRAINING_USES",
    "UNION_NOTICE_REQUIRED",
    "ConsentFact",
    "EngineFact",
    "FaceSeenFact",
    "GrantFact",
    "InputFaceFact",
    "InputFact",
    "LabourActionFact",
    "Outcome",
    "Reason",
    "RecordRef",
    "RequestFact",
    "ReservationFact",
    "SignOffFact",
    "Snapshot",
    "TalentFact",
    "Term",
    "Territories",
    "Window",
    "_union",
    "at_run_time",
    "evaluate",
    "likeness_hold",
]


def evaluate(request: RequestFact, snapshot: Snapshot) -> Outcome:
    """Return the gate's outcome for the request against the snapshot."""
    reasons: list[Reason] = []
    for inp in request.inputs:
        rights = _rights_for_input(request, snapshot, inp, "genai_input", "R1")
        reasons.append(rights)
        if rights.outcome == PASS and (review := _review_of_grants(inp, rights, snapshot)):
            reasons.append(review)
        if inp.role == "likeness" and inp.asset_id is not None and inp.talent_id is None:
            reasons.append(
                Reason(
                    "R2",
                    REFUSED,
                    f"input {inp.position}",
                    f"Input {inp.position} is a likeness input but its asset names no performer.",
                    "Register likeness references with the performer they show.",
                )
            )
    likeness = _talent_modalities(request)
    for talent_id, modalities in sorted(likeness.items()):
        reasons.extend(_consent_for_talent(request, snapshot, talent_id, modalities, "R2", "likeness input"))
    shown = _faces_shown(request)
    for talent_id, via in sorted(shown.items()):
        if talent_id not in likeness:
            reasons.extend(_consent_for_talent(request, snapshot, talent_id, {"face"}, "R2", via))
    reasons.extend(_unknown_faces(request))
    for talent_id in sorted(request.prompt_talent_ids - set(likeness) - set(shown)):
        reasons.extend(
            _consent_for_talent(request, snapshot, talent_id, {"face"}, "R5", "named in the prompt")
        )
    if request.performer_rules:
        reasons.extend(performer_reasons(request, snapshot, reasons))
    if request.engine.trains_on_inputs:
        reasons.extend(_training(request, snapshot))
    if any(r.outcome == REFUSED for r in reasons):
        outcome = REFUSED
    elif any(r.outcome == NEEDS_CLEARANCE for r in reasons):
        outcome = NEEDS_CLEARANCE
    else:
        outcome = APPROVED
    return Outcome(outcome, tuple(reasons), snapshot.as_of_seq)


def _faces_shown(request: RequestFact) -> dict[int, str]:
    """Return the performers whose faces the inputs show, each with where first (as a reason
    says it: "face in input 2, 3 seconds in, at distance 0.31")."""
    out: dict[int, str] = {}
    for inp in request.inputs:
        for face in sorted(inp.faces, key=lambda x: (x.seconds or 0, x.frame_index)):
            if face.talent_id is not None and face.talent_id not in out:
                out[face.talent_id] = (
                    f"face in input {inp.position}{face.where and ',' + face.where}, at distance "
                    f"{face.distance:.2f} from their reference photo"
                )
    return out


def _unknown_faces(request: RequestFact) -> list[Reason]:
    """A note for each input that shows faces matching no registered performer: not refused."""
    out = []
    for inp in request.inputs:
        unknown = [x for x in inp.faces if x.talent_id is None]
        if not unknown:
            continue
        times = sorted({x.seconds for x in unknown if x.seconds is not None})
        at = f" (at {', '.join(f'{t:g}' for t in times)} seconds)" if times else ""
        many = len(unknown) != 1
        out.append(
            Reason(
                "R2",
                PASS,
                f"input {inp.position}",
                f"Input {inp.position} shows {len(unknown)} face{'s' if many else ''}{at} that "
                f"match{'' if many else 'es'} no registered performer: noted, not refused.",
            )
        )
    return out
