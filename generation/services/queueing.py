"""Sign-off and queueing: a clearance user's sign-off, queueing and retrying a run, and the
sweeps that send again a run whose message was lost and fail a run whose worker was lost."""

import datetime
import logging

from celery import signature
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown
from redis.exceptions import ConnectionError as RedisDown
from redis.exceptions import TimeoutError as RedisTimeout

from rightsledger import access
from rightsledger import validation as v
from rightsledger.errors import Conflict, Errors
from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.personal import record_commitments

from .. import selectors
from ..models import GenerationRequest, SignOff
from .gate import WORKER, state_event, tell
from .notices import sign_off_notify

log = logging.getLogger(__name__)

# The run's Celery task, by its name (generation.tasks, registered as the app is ready): the
# task calls the services, so the services do not import it.
RUN_TASK = "generation.request_run"

NOT_QUEUEABLE = {
    "refused": "it was refused; see the decision's reasons",
    "needs_clearance": "it is waiting for a clearance sign-off",
    "queued": "it is already queued",
    "running": "it is running",
    "succeeded": "its output is already recorded",
    "stopped": "the check at run time refused it; submit a new request",
    "failed": "it failed; retry it instead",
    "held": "its output is held for clearance",
}


def request_sign_off(
    *, actor, request: GenerationRequest, approve: bool, comment: str, acknowledge_flags=()
) -> SignOff:
    """Record a clearance user's approval or refusal of a request awaiting sign-off (or of an
    output held for clearance), and return it. The requester cannot sign off their own request.
    Approving over a guild's unresolved flag on a consent the decision relied on needs that flag's
    id in acknowledge_flags; the sign-off's entry records which flags were acknowledged. The requester is
    notified. An approved request submitted to run when approved is queued once the sign-off has
    committed (a refusal queues nothing)."""
    errors = Errors()
    comment = v.text(errors, "comment", comment)
    if not comment:
        errors.add("comment", "required", "Say why you approve or refuse: the comment is part of the record.")
    errors.raise_if_any()
    with recording(actor=actor) as rec:
        locked = GenerationRequest.objects.select_for_update().get(pk=request.pk)
        _require_awaiting_sign_off(actor, locked)
        decision = locked.decisions.filter(
            kind="likeness_check" if locked.status == "held" else "gate"
        ).latest("id")
        acknowledged = _require_flags_acknowledged(decision, approve, acknowledge_flags) if approve else []
        try:
            with transaction.atomic():
                sign_off = SignOff.objects.create(
                    decision=decision,
                    request=locked,
                    approver=actor,
                    approved=approve,
                    comment=comment.strip(),
                )
        except IntegrityError as exc:
            raise Conflict(
                "Someone else signed off this request a moment ago.", code="already_signed_off"
            ) from exc
        entry = rec.append(
            EntryType.GENERATION_SIGNED_OFF,
            {
                "request": locked.pk,
                "decision": decision.pk,
                "sign_off": sign_off.pk,
                "approved": approve,
                **({"acknowledged_flags": acknowledged} if acknowledged else {}),
                **record_commitments(sign_off),
            },
            record=sign_off,
            production=locked.production,
        )
        SignOff.objects.filter(pk=sign_off.pk).update(ledger_seq=entry.seq)
        tell(locked, event="sign_off", sign_off_id=sign_off.pk)
        if locked.status == "held":
            locked.status = "succeeded" if approve else "refused"  # the output is released, or stays withheld
        else:
            locked.status = "approved" if approve else "refused"
        locked.save(update_fields=["status", "updated_at"])
        sign_off_notify(locked, sign_off)
        if locked.status == "approved" and locked.run_when_approved:
            transaction.on_commit(lambda: _queue_approved(locked.pk))
    request.refresh_from_db()
    return sign_off


def _require_flags_acknowledged(decision, approve: bool, acknowledge_flags) -> list[int]:
    """Return the ids of the unresolved flags an approval goes over, once each is acknowledged;
    refuse an approval that leaves one unacknowledged."""
    flags = selectors.open_flags_relied_on(decision.reasons)
    ticked = {int(i) for i in acknowledge_flags or ()}
    missing = [f for f in flags if f.pk not in ticked]
    if missing:
        named = "; ".join(
            f"{f.guild} flagged consent {f.consent_id} (flag {f.pk}, {f.get_state_display().lower()})"
            for f in missing
        )
        raise ValidationError(
            {
                "acknowledge_flags": ValidationError(
                    f"This request relies on a consent with an unresolved flag: {named}. Read the flag "
                    "and tick that you approve over it (flag ids in acknowledge_flags), or refuse.",
                    code="flag_not_acknowledged",
                )
            }
        )
    return [f.pk for f in flags]


def _queue_approved(request_id: int) -> None:
    """Queue an approved request, once its approval has committed; a failure here is logged, as
    the approval stands (the producer can still queue it from the request's page)."""
    try:
        queue_when_approved(request_id)
    except Exception:
        log.exception("request %s was approved but could not be queued to run", request_id)


def _require_awaiting_sign_off(actor, locked: GenerationRequest) -> None:
    """Refuse a sign-off by the requester, or of a request that awaits none."""
    if locked.requester_id == actor.pk:
        raise PermissionDenied(
            "The requester cannot sign off their own request: another clearance user must."
        )
    if locked.status not in ("needs_clearance", "held"):
        signed = SignOff.objects.filter(request=locked).select_related("approver").last()
        if signed:
            raise Conflict(
                f"This request was already {'approved' if signed.approved else 'refused'} "
                f"by user {signed.approver_id} at {signed.created_at:%Y-%m-%d %H:%M:%S} UTC.",
                code="already_signed_off",
            )
        raise Conflict(
            f"This request is {locked.status.replace('_', ' ')}, not awaiting a sign-off.",
            code="not_awaiting_sign_off",
        )


def _send_run(request_id: int) -> bool:
    """Send a request's run to a worker; False (logged) when the broker, or Redis behind it,
    cannot be reached: the request stays queued, and request_requeue_stranded sends it again."""
    try:
        signature(RUN_TASK, args=(request_id,)).delay()
    except (BrokerDown, RedisDown, RedisTimeout):
        log.warning(
            "the run of request %s was not sent (broker unreachable); it will be sent again",
            request_id,
            exc_info=True,
        )
        return False
    return True


def _enqueue(request_id: int) -> None:
    """Send the run to a worker once the transaction has committed (a run is safe twice)."""
    transaction.on_commit(lambda: _send_run(request_id))


def request_requeue_stranded(*, older_than: float | None = None, now=None) -> int:
    """Send again the run of every request queued for longer than older_than seconds (its message
    was not sent, or was lost with the broker); return how many were sent."""
    older_than = settings.GENERATION_REQUEUE_SECONDS if older_than is None else older_than
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=older_than)
    sent = 0
    for request_id in (
        GenerationRequest.objects.filter(status="queued", updated_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:500]
    ):
        if not _send_run(request_id):
            break  # still unreachable: the next sweep tries again
        # At most one more message per period for a request that is only waiting its turn.
        GenerationRequest.objects.filter(pk=request_id, status="queued").update(updated_at=timezone.now())
        sent += 1
    return sent


def request_queue(*, actor, request: GenerationRequest) -> GenerationRequest:
    """Queue an approved request (signed off where it had to be) to run; return it."""
    with recording(actor=actor) as rec:
        locked = GenerationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != "approved":
            raise Conflict(
                f"This request cannot be queued: {NOT_QUEUEABLE[locked.status]}.",
                code=f"not_queueable_{locked.status}",
            )
        locked.status = "queued"
        locked.save(update_fields=["status", "updated_at"])
        state_event(rec, locked, EntryType.GENERATION_QUEUED)
        _enqueue(locked.pk)
    request.refresh_from_db()
    return request


def queue_when_approved(request_id: int) -> bool:
    """Queue a request approved with run-when-approved, on its requester's behalf (their standing
    instruction); return whether it was queued. Nothing is queued for a requester who may no
    longer request generations, or a request that moved on meanwhile (logged)."""
    req = GenerationRequest.objects.select_related("requester", "production").get(pk=request_id)
    if req.status != "approved" or not req.run_when_approved:
        return False
    if not access.holds(req.requester, req.production, access.SHOT_ROLES):
        log.info("request %s not queued: its requester may no longer request generations", req.pk)
        return False
    try:
        request_queue(actor=req.requester, request=req)
    except Conflict:
        log.info("request %s was not queued when approved: it moved on", req.pk, exc_info=True)
        return False
    return True


def request_retry(*, actor, request: GenerationRequest) -> GenerationRequest:
    """Queue a failed request again; return it."""
    request_reap_stale()
    with recording(actor=actor) as rec:
        locked = GenerationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != "failed":
            raise Conflict(
                f"Only a failed request can be retried; this one is {locked.status.replace('_', ' ')}.",
                code="not_retryable",
            )
        locked.status = "queued"
        locked.failure = ""
        locked.save(update_fields=["status", "failure", "updated_at"])
        state_event(rec, locked, EntryType.GENERATION_RETRIED, attempts=locked.attempts)
        _enqueue(locked.pk)
    request.refresh_from_db()
    return request


def request_reap_stale(*, now=None) -> int:
    """Mark failed every running request whose lease has run out (its worker was lost); return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            GenerationRequest.objects.select_for_update(skip_locked=True).filter(
                status="running", lease_expires__lt=now
            )
        )
        if not stale:
            return 0
        with recording(actor=WORKER) as rec:
            for req in stale:
                req.status = "failed"
                req.failure = (
                    f"The worker running attempt {req.attempts} was lost (its lease ran out at "
                    f"{req.lease_expires:%Y-%m-%d %H:%M:%S} UTC). Nothing was recorded; retry it."
                )
                req.lease_expires = None
                req.save(update_fields=["status", "failure", "lease_expires", "updated_at"])
                state_event(rec, req, EntryType.GENERATION_FAILED, attempt=req.attempts, cause="worker_lost")
    return len(stale)
