"""Run a queued request: claim it, check it again against the ledger as it is now, run the engine,
sign the output and record it once. Safe to run twice; a crash at any step records nothing half."""

import datetime
import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from provenance.services import (
    Signing,
    SigningError,
    output_require_signable,
    output_sign,
    watermark_allocate,
)
from rightsledger.ledger import checkpoints, cosigning
from rightsledger.ledger.append import Recorder, recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.metrics import RUN_SECONDS
from rightsledger.personal import record_commitments

from .. import policy as p
from ..engines import EngineError, EngineResult
from ..engines import label as labels
from ..models import Decision, GenerationOutput, GenerationRequest, SignOff
from ..runner import engine_start
from .gate import WORKER, decision_record, state_event, stored_request_outcome, tell
from .notices import run_notify
from .outputs import output_keep, output_unstore

log = logging.getLogger(__name__)


class _RunEnds(Exception):
    """A step found the run over (or not to be had): what request_run returns."""

    def __init__(self, outcome: str):
        super().__init__(outcome)
        self.outcome = outcome


def request_run(*, request_id: int) -> str:
    """Run a queued request: re-check, run the engine, record the output once. Safe to run twice.

    Returns what happened: succeeded, held, already_done, already_running, not_queued, stopped or failed.
    """
    started = time.perf_counter()
    outcome = "failed"
    try:
        outcome = _request_run(request_id)
        return outcome
    finally:
        RUN_SECONDS.labels(outcome=outcome).observe(time.perf_counter() - started)


def _request_run(request_id: int) -> str:
    try:
        request = _run_claim(request_id)
        attempt = request.attempts
        decision, outcome = _run_recheck(request)
        watermark = watermark_allocate()
        result, engine_seconds = _engine_run(request, attempt, decision, watermark)
    except _RunEnds as end:
        return end.outcome
    signing = None
    try:
        result = output_labelled(request, result)
        signing = _output_signed(request, attempt, decision, result, watermark)
        if signing is None:
            return "failed"
        return _output_recorded(
            request,
            attempt,
            signing,
            decision=decision,
            outcome=outcome,
            result=result,
            engine_seconds=engine_seconds,
        )
    finally:
        # A clip's engine output and its signed copy are files; once stored (or not), both go.
        for path in (result.path, signing.signed if signing and isinstance(signing.signed, str) else None):
            if path:
                Path(path).unlink(missing_ok=True)


def _run_claim(request_id: int) -> GenerationRequest:
    """Mark the request running under a lease, as a new attempt (recorded); raise _RunEnds when
    it is done, running elsewhere, or not queued."""
    lease = datetime.timedelta(seconds=settings.GENERATION_RUN_LEASE_SECONDS)
    with transaction.atomic():
        request = (
            GenerationRequest.objects.select_for_update()
            .select_related("shot", "production")
            .get(pk=request_id)
        )
        now = timezone.now()
        ends = _not_runnable(request, now)
        if ends is None:
            with recording(actor=WORKER) as rec:
                request.status = "running"
                request.attempts += 1
                request.lease_expires = now + lease
                request.save(update_fields=["status", "attempts", "lease_expires", "updated_at"])
                state_event(rec, request, EntryType.GENERATION_STARTED, attempt=request.attempts)
    if ends is not None:
        raise _RunEnds(ends)
    return request


def _not_runnable(request: GenerationRequest, now) -> str | None:
    """Return why a request is not to be run now (already_done, already_running, not_queued), or None."""
    if GenerationOutput.objects.filter(request=request).exists():
        return "already_done"
    if request.status == "running" and request.lease_expires and request.lease_expires > now:
        return "already_running"
    if request.status not in ("queued", "running"):
        return "not_queued"
    return None


def _run_recheck(request: GenerationRequest) -> tuple[Decision, p.Outcome]:
    """Check the request against the ledger as it is now and record the decision; a refusal stops
    the request (recorded) and raises _RunEnds("stopped")."""
    with recording(actor=WORKER) as rec:
        decision, outcome = _run_check(rec, request)
        if decision.outcome != p.APPROVED:
            request.status = "stopped"
            request.failure = "The check at run time refused it: " + " ".join(
                r["message"] for r in decision.reasons if r["outcome"] != p.PASS
            )
            request.lease_expires = None
            request.save(update_fields=["status", "failure", "lease_expires", "updated_at"])
            state_event(rec, request, EntryType.GENERATION_STOPPED, decision=decision.pk)
            tell(request, event="run", outcome="stopped")
            run_notify(request, "stopped")
    if decision.outcome != p.APPROVED:
        raise _RunEnds("stopped")
    return decision, outcome


def _run_check(rec: Recorder, request: GenerationRequest) -> tuple[Decision, p.Outcome]:
    """Evaluate the policy against the ledger as it is now, with R4 at run time; record it."""
    sign_off = SignOff.objects.filter(request=request, approved=True).select_related("decision").last()
    fact = None
    if sign_off is not None:
        covered = frozenset(
            (r["rule"], r["subject"]) for r in sign_off.decision.reasons if r["outcome"] == p.NEEDS_CLEARANCE
        )
        fact = p.SignOffFact(sign_off.pk, sign_off.approver_id, covered)
    evaluated = stored_request_outcome(request)
    outcome = p.at_run_time(evaluated, fact)
    # The sign-off was relied on when it turned a decision that needed clearance into an approval.
    relied = sign_off if evaluated.outcome == p.NEEDS_CLEARANCE and outcome.outcome == p.APPROVED else None
    return decision_record(rec, request, outcome, "run_check", sign_off=relied), outcome


def _engine_run(
    request: GenerationRequest, attempt: int, decision: Decision, watermark: int
) -> tuple[EngineResult, float]:
    """Run the engine under the approved decision, a clip's frames marked with the watermark
    identifier; return its result and how long it took. An engine's failure fails the attempt
    (recorded) and raises _RunEnds("failed")."""
    started = time.perf_counter()
    try:
        result = engine_start(decision=decision, watermark=watermark)
    except EngineError as exc:
        _fail(request, attempt, str(exc))
        raise _RunEnds("failed") from exc
    return result, time.perf_counter() - started


def output_labelled(request: GenerationRequest, result: EngineResult) -> EngineResult:
    """Burn the production's visible label into a still where the production opted in: a step of
    its own, before the still is marked and signed, so that the marks and the manifest's hash
    cover the label. (A clip's frames were labelled, then marked, as the engine rendered them.)"""
    return labels.label_result(result, labels.label_of(request.production))


def _output_signed(
    request: GenerationRequest, attempt: int, decision: Decision, result: EngineResult, watermark: int
) -> Signing | None:
    """Sign the engine's output, with the checkpoint published for it; None (the attempt failed,
    recorded) when it cannot be signed."""
    try:
        output_require_signable(result.media_type)
        return output_sign(
            request=request,
            decision=decision,
            result=result,
            checkpoint=_checkpoint_published(request),
            watermark=watermark,
        )
    except SigningError as exc:
        _fail(request, attempt, str(exc))
        return None


def _checkpoint_published(request: GenerationRequest):
    """Publish now (a worker, not a web request) so the file can carry the checkpoint that covers
    its decision, and its inclusion proof; return the latest checkpoint, or None. Where the witness
    policy names witnesses, the checkpoint is submitted to them first (each waits at most
    LEDGER_WITNESS_TIMEOUT_SECONDS), so the file's proof carries their cosignatures: a checkpoint
    still inside a transaction is never submitted, as a witness cannot unsee one rolled back."""
    try:
        checkpoint = checkpoints.ledger_publish() or checkpoints.latest_checkpoint()
    except Exception as exc:  # the proof can always be fetched later; signing must not wait on it
        log.warning("output of request %s signed without a checkpoint: %s", request.pk, exc)
        return None
    if checkpoint is None or transaction.get_connection().in_atomic_block:
        return checkpoint
    try:
        if cosigning.cosign_wanted():
            cosigning.ledger_cosign()  # a witness down or refusing is logged, and tried again later
    except Exception:  # the file then carries the log's signature alone; signing goes on
        log.warning("output of request %s signed before its witnesses cosigned", request.pk, exc_info=True)
    return checkpoint


def _output_recorded(request: GenerationRequest, attempt: int, signing: Signing, **run) -> str:
    """Store and record the signed output once; return succeeded, held, already_done, or failed
    (the media storage could not be written: nothing recorded, the attempt failed)."""
    try:
        with transaction.atomic():
            locked = GenerationRequest.objects.select_for_update().get(pk=request.pk)
            if GenerationOutput.objects.filter(request=locked).exists():
                return "already_done"
            held = output_keep(locked, signing=signing, attempt=attempt, **run)
    except Exception as exc:
        output_unstore(signing.signed)  # its file, if it was stored before the transaction failed
        if not isinstance(exc, OSError):
            raise
        _fail(
            request,
            attempt,
            f"The signed output could not be stored ({exc.strerror or exc}); nothing was recorded. "
            "Retry once the media storage can be written to.",
        )
        return "failed"
    return "held" if held else "succeeded"


def _fail(request: GenerationRequest, attempt: int, message: str) -> None:
    """Mark the attempt failed with a message (recorded), unless the request has moved on."""
    with transaction.atomic():
        locked = GenerationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != "running" or locked.attempts != attempt:
            return
        with recording(actor=WORKER) as rec:
            locked.status = "failed"
            locked.failure = message
            locked.lease_expires = None
            locked.save(update_fields=["status", "failure", "lease_expires", "updated_at"])
            # The message, committed to with the request's salt; its text stays in the row.
            state_event(
                rec,
                locked,
                EntryType.GENERATION_FAILED,
                attempt=attempt,
                cause="engine_error",
                **record_commitments(locked),
            )
            tell(locked, event="run", outcome="failed")
            run_notify(locked, "failed")
