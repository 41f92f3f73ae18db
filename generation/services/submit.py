"""Submit a request: the gate decides at once, and the request, its inputs and the decision are
recorded together; or check one, recording nothing."""

import hashlib

from django.db import IntegrityError, transaction

from rightsledger import services as rs
from rightsledger.errors import Conflict
from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.personal import record_commitments
from rightsledger.tlog.entry import canonical

from .. import policy as p
from ..models import GenerationRequest, RequestInput, SubmissionKey
from ..values import CheckedRequest, ResolvedInput, gate_facts
from .checks import checked_request
from .gate import decision_record, gate_outcome
from .queueing import queue_when_approved


def request_check(*, run_when_approved: bool = False, **fields) -> p.Outcome:
    """Return what the gate would decide for a request (its fields as checked_request takes them,
    and whether it runs when approved, which does not change the decision), recording nothing."""
    checked = checked_request(**fields, keep_unregistered=False)
    return gate_outcome(gate_facts(checked.values, checked.inputs), checked.values.prompt)[0]


def request_submit(
    *,
    actor,
    seed: int,
    idempotency_key: str | None = None,
    run_when_approved: bool = False,
    **fields,
) -> GenerationRequest:
    """Record a generation request (its fields as checked_request takes them; the seed is required)
    and the gate's decision on it, and return the request. With an idempotency key, the same key
    and body again return the request it made (a retry after a lost answer), and the same key with
    another body is refused. With run_when_approved, the request is queued to run as soon as it
    is approved: at once when the gate approves it, or by the sign-off that approves it."""
    checked = checked_request(seed=seed, **fields)
    digest = _submission_digest(checked, run_when_approved) if idempotency_key else ""
    if idempotency_key and (earlier := _earlier_submission(actor, idempotency_key, digest)):
        return earlier
    written = _uploads_store(checked.inputs)
    try:
        request = _submission_record(actor, checked, idempotency_key, digest, run_when_approved)
    except IntegrityError:
        earlier = _earlier_submission(actor, idempotency_key, digest) if idempotency_key else None
        if earlier is None:
            _uploads_unstore_on_rollback(written)
            raise
        return earlier  # the same key, sent twice at once: the other one made it
    except BaseException:
        _uploads_unstore_on_rollback(written)
        raise
    if request.status == "approved" and run_when_approved:
        transaction.on_commit(lambda: queue_when_approved(request.pk))
        request.refresh_from_db()
    return request


def _uploads_store(resolved: tuple[ResolvedInput, ...]) -> list[str]:
    """Store the bytes of the unregistered uploads of a request that passed every check, kept for
    the audit trail of what the gate decided; return the SHA-256 of those this call wrote. Only
    now: a request refused before it is recorded leaves the content store as it was."""
    written = []
    try:
        for r in resolved:
            if r.content is not None and rs.store_content(r.sha256, r.content)[1]:
                written.append(r.sha256)
    except BaseException:  # a full or read-only disk: none of this request's files stay
        _uploads_unstore_on_rollback(written)
        raise
    return written


def _uploads_unstore_on_rollback(written: list[str]) -> None:
    """Remove again the uploads this submission stored, once its transaction is over (at once
    outside one), unless a recorded request input or an asset uses them."""

    def unstore():
        for sha256 in written:
            try:
                used = RequestInput.objects.filter(sha256=sha256, asset__isnull=True).exists()
            except Exception:  # noqa: BLE001  (the database is down: the file stays, reused on retry)
                continue
            if not used:
                rs.content_unstore_unless_used(sha256)

    if written:
        transaction.on_commit(unstore)


def _submission_digest(checked: CheckedRequest, run_when_approved: bool) -> str:
    body = checked.values.digest()
    body["inputs"] = [r.digest() for r in checked.inputs]
    if run_when_approved:  # left out when off, so that the digests of earlier submissions hold
        body["run_when_approved"] = True
    return hashlib.sha256(canonical(body)).hexdigest()


def _earlier_submission(actor, key: str, digest: str) -> GenerationRequest | None:
    earlier = SubmissionKey.objects.filter(requester=actor, key=key).select_related("request").first()
    if earlier is None:
        return None
    if earlier.body_sha256 != digest:
        raise Conflict(
            f"The Idempotency-Key {key!r} was used for another request "
            f"({earlier.request_id}) with a different body; use a new key for a new request.",
            code="idempotency_key_reused",
        )
    return earlier.request


def _submission_record(
    actor, checked: CheckedRequest, idempotency_key: str | None, digest: str, run_when_approved: bool
) -> GenerationRequest:
    """Record the request, its inputs and talents, and the gate's decision, with their entries."""
    with recording(actor=actor) as rec:
        outcome, talents = gate_outcome(gate_facts(checked.values, checked.inputs), checked.values.prompt)
        request = GenerationRequest.objects.create(
            requester=actor,
            status=outcome.outcome,
            run_when_approved=run_when_approved,
            **checked.values.columns(),
        )
        RequestInput.objects.bulk_create(
            [RequestInput(request=request, **r.columns()) for r in checked.inputs]
        )
        GenerationRequest.talents.through.objects.bulk_create(
            [
                GenerationRequest.talents.through(generationrequest=request, talent_id=t)
                for t in sorted(talents)
            ]
        )
        requested = (
            EntryType.GENERATION_REQUESTED,
            _requested_entry(request, checked, talents),
            {"record": request, "production": request.production},
        )
        decision_record(rec, request, outcome, "gate", before=(requested,))
        if idempotency_key:
            SubmissionKey.objects.create(
                requester=actor, key=idempotency_key, body_sha256=digest, request=request
            )
    return request


def _requested_entry(request: GenerationRequest, checked: CheckedRequest, talents: set[int]) -> dict:
    """Return the payload of a request's ledger entry: ids and values, and a commitment to its prompt."""
    values = checked.values
    return dict(
        request=request.pk,
        shot=values.shot.pk,
        engine=values.engine,
        engine_version=request.engine_version,
        seed=values.seed,
        intended_use=values.intended_use,
        media=request.media,
        territories=request.territories,
        territory_exclusions=request.territory_exclusions,
        languages=request.languages,
        release_window=[values.release_start.isoformat(), values.release_end.isoformat()],
        talents=sorted(talents),
        inputs=[r.ledger() for r in checked.inputs],
        # Said only when given, so that other requests' entries read as before.
        **(
            {"advertising_disclosure_acknowledged": True}
            if values.advertising_disclosure_acknowledged
            else {}
        ),
        **record_commitments(request),  # the prompt, and a synthetic performer's justification
    )
