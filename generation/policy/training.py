"""R3 (training): an engine that trains on its inputs needs permission for every input and talent,
and no reservation of them."""

from __future__ import annotations

from .consent import _talent_modalities
from .facts import TRAINING_USES, RequestFact, Snapshot, TalentFact
from .outcome import REFUSED, Reason, RecordRef
from .rights import _rights_for_input


def _training(request: RequestFact, snapshot: Snapshot) -> list[Reason]:
    reasons = []
    active = [
        r for r in snapshot.reservations if r.uses & TRAINING_USES and r.effective_date <= snapshot.today
    ]
    by_subject = {}
    for r in active:
        by_subject.setdefault((r.subject_type, r.subject_id), []).append(r)
    for inp in request.inputs:
        if inp.asset_id is None:
            continue
        reserved = (
            by_subject.get(("asset", inp.asset_id), [])
            + by_subject.get(("party", inp.owner_party_id), [])
            + by_subject.get(("production", request.production_id), [])
            + by_subject.get(("talent", inp.talent_id), [])
        )
        subject = f"input {inp.position}"
        if reserved:
            r = reserved[0]
            reasons.append(
                Reason(
                    "R3",
                    REFUSED,
                    subject,
                    f"{request.engine.name} trains on its inputs, and input {inp.position} (asset "
                    f"A-{inp.asset_id}) is "
                    f"reserved from AI training by reservation {r.id} on its {r.subject_type}.",
                    "Use an engine that does not train on its inputs.",
                    tuple(RecordRef("reservation", x.id, x.seq) for x in reserved),
                )
            )
            continue
        reasons.append(_rights_for_input(request, snapshot, inp, "genai_training", "R3"))
    for talent_id in sorted(_talent_modalities(request)):
        talent = snapshot.talents.get(talent_id) or TalentFact(talent_id, f"talent {talent_id}")
        reserved = by_subject.get(("talent", talent_id), [])
        allowing = [
            c
            for c in snapshot.consents
            if c.talent_id == talent_id
            and c.production_id == request.production_id
            and c.status == "active"
            and c.training_permission != "none"
        ]
        if reserved:
            reasons.append(
                Reason(
                    "R3",
                    REFUSED,
                    f"talent {talent_id}",
                    f"{talent.name} has reserved their likeness from AI training (reservation "
                    f"{reserved[0].id}).",
                    "Use an engine that does not train on its inputs.",
                    tuple(RecordRef("reservation", x.id, x.seq) for x in reserved),
                )
            )
        elif not allowing:
            reasons.append(
                Reason(
                    "R3",
                    REFUSED,
                    f"talent {talent_id}",
                    f"{talent.name}'s consent does not permit training.",
                    "Use an engine that does not train on its inputs, or obtain consent to training.",
                )
            )
    return reasons
