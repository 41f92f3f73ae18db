"""The gate's decisions, shared by the journeys: evaluate a request against the ledger as it is
now, record what was decided, and tell other apps once it has committed."""

import dataclasses

from django.conf import settings
from django.db import transaction

from provenance.services import input_faces
from rightsledger.ledger.append import Recorder, actor_of
from rightsledger.ledger.entry_types import EntryType
from rightsledger.metrics import DECISIONS, GATE_SECONDS
from rightsledger.models import Production
from rightsledger.personal import record_commitments

from .. import policy as p
from .. import selectors
from ..models import Decision, GenerationRequest, SignOff
from ..signals import request_event
from ..values import RequestValues, ResolvedInput, gate_facts

WORKER = "system:worker"
DECISION_ENTRY_TYPES = {
    "gate": EntryType.GENERATION_DECIDED,
    "run_check": EntryType.GENERATION_RECHECKED,
    "likeness_check": EntryType.GENERATION_HELD,
}


def gate_outcome(facts: p.RequestFact, prompt: str) -> tuple[p.Outcome, set[int]]:
    """Return the policy's outcome for a request's facts against the ledger as it is now (one
    snapshot read, which also finds the talent the prompt names), and every talent involved
    (likeness inputs and the prompt's names)."""
    with GATE_SECONDS.time():
        facts = _with_faces(facts)
        likeness = {i.talent_id for i in facts.inputs if i.talent_id}
        likeness |= {x.talent_id for i in facts.inputs for x in i.faces if x.talent_id}
        snap, named = selectors.snapshot(
            production_id=facts.production_id, inputs=list(facts.inputs), talent_ids=likeness, prompt=prompt
        )
        facts = dataclasses.replace(facts, prompt_talent_ids=frozenset(named - likeness))
        return p.evaluate(facts, snap), likeness | named


def _with_faces(facts: p.RequestFact) -> p.RequestFact:
    """Return the facts with the faces each plate or element showed when it was registered,
    matched with the studio's performers as they are now (R2; two queries, none without
    FACE_CHECK). A likeness input is its performer's already."""
    if not settings.FACE_CHECK:
        return facts
    ids = [i.asset_id for i in facts.inputs if i.asset_id is not None and i.role != "likeness"]
    if not ids:
        return facts
    studio_id = Production.objects.filter(pk=facts.production_id).values_list("studio_id", flat=True).first()
    found = input_faces(ids, studio_id)
    if not found:
        return facts
    inputs = tuple(
        dataclasses.replace(
            i,
            faces=tuple(
                p.InputFaceFact(s.frame_index, s.seconds, s.distance, s.talent_id)
                for s in found.get(i.asset_id, ())
            ),
        )
        if i.role != "likeness"
        else i
        for i in facts.inputs
    )
    return dataclasses.replace(facts, inputs=inputs)


def stored_request_outcome(request: GenerationRequest) -> p.Outcome:
    """Return the policy's outcome for a recorded request against the ledger as it is now (its
    inputs, then the snapshot: 2 queries with its shot loaded)."""
    inputs = [ResolvedInput.of_row(i) for i in request.inputs.select_related("asset")]
    return gate_outcome(gate_facts(RequestValues.of_request(request), inputs), request.prompt)[0]


def decision_record(
    rec: Recorder,
    request: GenerationRequest,
    outcome: p.Outcome,
    kind: str,
    sign_off: SignOff | None = None,
    before: tuple = (),
) -> Decision:
    """Record a decision of the policy on a request, with its ledger entry (which names the
    sign-off a run-time check relied on). The entries `before` (entry type, payload, record
    keywords) are appended with it, ahead of it, in the same insert."""
    reasons = outcome.to_json()
    seq = rec.reserve(len(before) + 1)[-1]  # the decision names its entry's number as it is written
    decision = Decision.objects.create(
        request=request,
        kind=kind,
        outcome=outcome.outcome,
        reasons=reasons,
        as_of_seq=outcome.as_of_seq,
        ledger_seq=seq,
    )
    payload = {
        "request": request.pk,
        "decision": decision.pk,
        "kind": kind,
        "outcome": outcome.outcome,
        "as_of_seq": outcome.as_of_seq,
        # The sentences name people; the ledger keeps a commitment to them and the records relied on.
        **record_commitments(decision),
        "reasons": [{k: r[k] for k in ("rule", "outcome", "subject", "records")} for r in reasons],
        **({"sign_off": {"id": sign_off.pk, "approver": actor_of(sign_off.approver)}} if sign_off else {}),
    }
    rec.append_many(
        [
            *before,
            (DECISION_ENTRY_TYPES[kind], payload, {"record": decision, "production": request.production}),
        ]
    )
    tell(request, event="decision", decision_id=decision.pk)
    # Counted once the decision is recorded for good: a rolled-back transaction decided nothing.
    transaction.on_commit(DECISIONS.labels(kind=kind, outcome=outcome.outcome).inc)
    return decision


def tell(request: GenerationRequest, **kwargs) -> None:
    """Let other apps (a tracker) know, once the transaction has committed."""
    transaction.on_commit(
        lambda: request_event.send(
            sender=GenerationRequest, request_id=request.pk, shot_id=request.shot_id, **kwargs
        )
    )


def state_event(rec: Recorder, request: GenerationRequest, entry_type: str, **payload):
    """Record a change of a request's state that matters (queued, started, failed...)."""
    return rec.append(
        entry_type, {"request": request.pk, **payload}, record=request, production=request.production
    )
