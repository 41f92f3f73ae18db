"""Writes of the generation gate: submit a request (and decide it), sign off, queue, run, retry.

Every decision, sign-off and state change that matters is a ledger entry written in the same
transaction as the record.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone

from rightsledger import input_policy
from rightsledger import validation as v
from rightsledger import vocab
from rightsledger.errors import Conflict, Errors
from rightsledger.ledger.append import Recorder, actor_of, recording
from rightsledger.models import Asset
from rightsledger.personal import record_commitments
from rightsledger.services import asset_register, inspect_upload, store_content
from rightsledger.tlog.entry import canonical

from . import policy as p
from . import selectors
from .engines import EngineError, get_engine
from .models import INPUT_ROLES, Decision, GenerationOutput, GenerationRequest, RequestInput, SignOff

log = logging.getLogger(__name__)

MAX_INPUTS = 64
WORKER = "system:worker"


# --- Facts for the policy ---------------------------------------------------------------------


def _facts(*, production_id, shot_code, engine, intended_use, media, territories, territory_exclusions, languages,
           release_start, release_end, resolved: list[dict], talent_ids: set[int]) -> p.RequestFact:
    """Return the policy's view of a request from its resolved inputs (no query)."""
    eng = get_engine(engine)
    inputs = []
    for r in resolved:
        asset = r["asset"]
        note = {"sha256": "identified by its SHA-256"}.get(r["match"], "")
        if r["match"] == "fingerprint":
            note = f"a re-encoded copy of asset A-{asset.pk} (cosine {r.get('match_score') or 0:.2f})"
        inputs.append(
            p.InputFact(
                position=r["position"], role=r["role"], asset_id=asset.pk if asset else None, match=r["match"], match_note=note,
                owner_party_id=asset.owner_id if asset else None, talent_id=asset.talent_id if asset else None,
                modality=r.get("modality") or "face",
            )
        )
    likeness_talents = {i.talent_id for i in inputs if i.role == "likeness" and i.talent_id}
    return p.RequestFact(
        production_id=production_id,
        shot_code=shot_code,
        engine=p.EngineFact(engine, eng.version if eng else "", bool(eng and eng.trains_on_inputs)),
        intended_use=intended_use,
        media=frozenset(media),
        territories=p.Territories.of(territories, territory_exclusions),
        languages=frozenset(languages),
        window=p.Window(release_start, release_end),
        inputs=tuple(inputs),
        prompt_talent_ids=frozenset(set(talent_ids) - likeness_talents),
    )


def request_facts(request: GenerationRequest) -> p.RequestFact:
    """Return the policy's view of a stored request (2 queries)."""
    resolved = [
        {"position": i.position, "role": i.role, "asset": i.asset, "match": i.match, "match_score": i.match_score, "modality": i.modality}
        for i in request.inputs.select_related("asset")
    ]
    return _facts(
        production_id=request.production_id, shot_code=request.shot.code, engine=request.engine, intended_use=request.intended_use,
        media=request.media, territories=request.territories, territory_exclusions=request.territory_exclusions,
        languages=request.languages, release_start=request.release_start, release_end=request.release_end, resolved=resolved,
        talent_ids=set(request.talents.values_list("id", flat=True)),
    )


def _decide(facts: p.RequestFact, prompt: str) -> tuple[p.Outcome, set[int]]:
    """Return the policy's outcome, and every talent involved (likeness inputs and the prompt's names)."""
    likeness = {i.talent_id for i in facts.inputs if i.talent_id}
    snap, named = selectors.snapshot(production_id=facts.production_id, inputs=list(facts.inputs), talent_ids=likeness, prompt=prompt)
    facts = dataclasses.replace(facts, prompt_talent_ids=frozenset(named - likeness))
    return p.evaluate(facts, snap), likeness | named


def _evaluate(request: GenerationRequest) -> p.Outcome:
    return _decide(request_facts(request), request.prompt)[0]


DECISION_ENTRY_TYPES = {"gate": "generation.decided", "run_check": "generation.rechecked", "likeness_check": "generation.held"}


def _record_decision(rec: Recorder, request: GenerationRequest, outcome: p.Outcome, kind: str, sign_off: SignOff | None = None,
                     before: tuple = ()) -> Decision:
    """Record a decision of the policy on a request, with its ledger entry (which names the
    sign-off a run-time check relied on). The entries `before` (entry type, payload, record
    keywords) are appended with it, ahead of it, in the same insert."""
    reasons = outcome.to_json()
    seq = rec.reserve(len(before) + 1)[-1]  # the decision names its entry's number as it is written
    decision = Decision.objects.create(request=request, kind=kind, outcome=outcome.outcome, reasons=reasons, as_of_seq=outcome.as_of_seq,
                                       ledger_seq=seq)
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
    rec.append_many([*before, (DECISION_ENTRY_TYPES[kind], payload, {"record": decision, "production": request.production})])
    _tell(request, event="decision", decision_id=decision.pk)
    return decision


def _tell(request: GenerationRequest, **kwargs) -> None:
    """Let other apps (a tracker) know, once the transaction has committed."""
    from .signals import request_event

    transaction.on_commit(lambda: request_event.send(sender=GenerationRequest, request_id=request.pk, shot_id=request.shot_id, **kwargs))


def _event(rec: Recorder, request: GenerationRequest, entry_type: str, **payload):
    """Record a change of a request's state that matters (queued, started, failed...)."""
    return rec.append(entry_type, {"request": request.pk, **payload}, record=request, production=request.production)


# --- Submit -----------------------------------------------------------------------------------


def _resolve_inputs(errors: Errors, production, inputs: list[dict], *, keep_unregistered: bool = True) -> list[dict]:
    """Identify each input: a registered asset, or an upload matched by its SHA-256."""
    if not inputs:
        errors.add("inputs", "required", "Give at least one input: a registered asset or an uploaded file, with its role.")
        return []
    if len(inputs) > MAX_INPUTS:
        errors.add("inputs", "too_many", f"A request takes at most {MAX_INPUTS} inputs.")
        return []
    resolved = []
    for n, item in enumerate(inputs, start=1):
        role, asset, upload = item.get("role"), item.get("asset"), item.get("upload")
        modality = item.get("modality") or "face"
        frames = item.get("frames")
        if role not in INPUT_ROLES:
            errors.add("inputs", "role_unknown", f"Input {n}: role {role!r} is not one of {', '.join(INPUT_ROLES)}.")
        if modality not in vocab.MODALITIES:
            errors.add("inputs", "modality_unknown", f"Input {n}: modality {modality!r} is not one of {', '.join(vocab.MODALITIES)}.")
        if (asset is None) == (upload is None):
            errors.add("inputs", "asset_or_upload", f"Input {n}: give either a registered asset or an uploaded file, not both or neither.")
            continue
        if asset is not None:
            if not v.assets_in_production(errors, "inputs", [asset], production.pk, label=f"Input {n}: "):
                continue
            if frames is not None and not _frames_fit(errors, n, asset, frames):
                continue
            resolved.append({"position": n, "role": role, "asset": asset, "sha256": asset.sha256, "match": "registered", "modality": modality,
                             "frames": tuple(frames) if frames is not None else None})
            continue
        if frames is not None:
            errors.add("inputs", "frames_need_registered_clip", f"Input {n}: a frame range is given for a registered clip; register the clip first.")
            continue
        try:
            info, data = inspect_upload(upload, kind="generated")
        except ValidationError as exc:
            for message in exc.messages:
                errors.add("inputs", "upload_invalid", f"Input {n} ({getattr(upload, 'name', 'upload')}): {message}")
            continue
        match = Asset.objects.filter(production=production, sha256=info.sha256).first()
        method, score = ("sha256", None) if match else ("unregistered", None)
        if match is None and settings.CLIP_WEIGHTS and info.media_type.startswith("image/"):
            # A re-encoded, resized or cropped copy of a registered asset carries its rights.
            from provenance import fingerprint, similarity

            found = similarity.match(fingerprint.fingerprint(data), Asset.objects.filter(production=production))
            if found is not None:
                match, method, score = Asset.objects.get(pk=found.asset_id), "fingerprint", found.cosine
        kept = {"content": data} if match is None and keep_unregistered else {}  # stored once recorded
        resolved.append({"position": n, "role": role, "asset": match, "sha256": info.sha256, "match": method, "match_score": score, "modality": modality,
                         "frames": None, **kept})
    return resolved


def _frames_fit(errors: Errors, n: int, asset, frames) -> bool:
    """A frame range names frames of a registered clip, first before last."""
    first, last = frames
    if not asset.media_type.startswith("video/") or asset.frame_count is None:
        errors.add("inputs", "frames_not_a_clip", f"Input {n}: asset A-{asset.pk} is a still ({asset.media_type}); a frame range is for a clip.")
    elif first > last:
        errors.add("inputs", "frames_reversed", f"Input {n}: the frame range starts ({first}) after it ends ({last}).")
    elif last >= asset.frame_count:
        errors.add("inputs", "frames_out_of_range",
                   f"Input {n}: asset A-{asset.pk} has {asset.frame_count} frames (0 to {asset.frame_count - 1}); frame {last} is not in it.")
    else:
        return True
    return False


def _validated(*, production, shot, engine, engine_version, prompt, parameters, seed, intended_use, media, territories,
               territory_exclusions, languages, release_start, release_end, inputs, keep_unregistered=True) -> dict:
    """Check a request's values; return them cleaned, with the inputs resolved. Raises ValidationError."""
    errors = Errors()
    if parameters is None:
        parameters = {}
    elif not isinstance(parameters, dict):
        errors.add("parameters", "parameters_not_an_object",
                   'Give the engine\'s parameters as an object of names and numbers, such as {"density": 0.4}; '
                   "see /api/engines/ for each engine's parameters.")
        parameters = {}
    eng = get_engine(engine)
    if eng is None:
        errors.add("engine", "engine_unknown", f"No engine named {engine!r}; see /api/engines/ for the engines and their versions.")
    else:
        if engine_version and engine_version != eng.version:
            errors.add("engine_version", "engine_version_unknown", f"{engine} is at version {eng.version}, not {engine_version}.")
        for problem in eng.check_params(parameters):
            errors.add("parameters", "parameter_invalid", problem)
        if intended_use in vocab.GENERATION_USES and intended_use not in eng.uses:
            errors.add("intended_use", "engine_use_mismatch", f"{engine} is made for {', '.join(eng.uses)}, not {intended_use.replace('_', ' ')}.")
    v.choice(errors, "intended_use", intended_use, vocab.GENERATION_USES)
    if shot is None or shot.production_id != production.pk:
        errors.add("shot", "shot_other_production", "The shot must belong to the request's production.")
    media = v.listed(errors, "media", media, vocab.MEDIA, what="medium")
    territories, territory_exclusions = v.territories(errors, territories, territory_exclusions)
    languages = v.languages(errors, languages)
    if release_start and release_end and release_end < release_start:
        errors.add("release_end", "window_end_before_start", f"The release window ends ({release_end}) before it starts ({release_start}).")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**48:
        errors.add("seed", "seed_invalid", "Give the seed as a whole number from 0 to 2^48 - 1.")
    if len(prompt or "") > 4000:
        errors.add("prompt", "prompt_too_long", "The prompt is limited to 4,000 characters.")
    elif problem := input_policy.text_problem("prompt", input_policy.normalized(prompt or "", field="prompt"),
                                              limit=4000):
        errors.add("prompt", problem.code, problem.message)
    resolved = _resolve_inputs(errors, production, inputs, keep_unregistered=keep_unregistered)
    if eng is not None and resolved:
        for problem in eng.check_inputs([r["role"] for r in resolved]):
            errors.add("inputs", "inputs_missing_role", problem)
    errors.raise_if_any()
    return dict(
        production=production, shot=shot, engine=engine, engine_version=eng.version, prompt=prompt or "", parameters=parameters,
        seed=seed, intended_use=intended_use, media=media, territories=territories, territory_exclusions=territory_exclusions,
        languages=languages, release_start=release_start, release_end=release_end, resolved=resolved,
    )


def _facts_of(values: dict) -> p.RequestFact:
    return _facts(
        production_id=values["production"].pk, shot_code=values["shot"].code, engine=values["engine"], intended_use=values["intended_use"],
        media=values["media"], territories=values["territories"], territory_exclusions=values["territory_exclusions"],
        languages=values["languages"], release_start=values["release_start"], release_end=values["release_end"],
        resolved=values["resolved"], talent_ids=set(),
    )


def request_check(*, production, shot, engine, engine_version=None, prompt="", parameters=None, seed=0, intended_use, media,
                  territories, territory_exclusions=None, languages=None, release_start, release_end, inputs) -> p.Outcome:
    """Return what the gate would decide for a request, recording nothing."""
    values = _validated(
        production=production, shot=shot, engine=engine, engine_version=engine_version, prompt=prompt, parameters=parameters,
        seed=seed, intended_use=intended_use, media=media, territories=territories, territory_exclusions=territory_exclusions,
        languages=languages, release_start=release_start, release_end=release_end, inputs=inputs, keep_unregistered=False,
    )
    return _decide(_facts_of(values), values["prompt"])[0]


def request_submit(
    *,
    actor,
    production,
    shot,
    engine: str,
    engine_version: str | None = None,
    prompt: str = "",
    parameters: dict | None = None,
    seed: int,
    intended_use: str,
    media,
    territories,
    territory_exclusions=None,
    languages=None,
    release_start: datetime.date,
    release_end: datetime.date,
    inputs: list[dict],
    idempotency_key: str | None = None,
) -> GenerationRequest:
    """Record a generation request and the gate's decision on it, and return the request. With
    an idempotency key, the same key and body again return the request it made (a retry after a
    lost answer), and the same key with another body is refused."""
    values = _validated(
        production=production, shot=shot, engine=engine, engine_version=engine_version, prompt=prompt, parameters=parameters,
        seed=seed, intended_use=intended_use, media=media, territories=territories, territory_exclusions=territory_exclusions,
        languages=languages, release_start=release_start, release_end=release_end, inputs=inputs,
    )
    resolved = values.pop("resolved")
    digest = _submission_digest(values, resolved) if idempotency_key else ""
    if idempotency_key and (earlier := _earlier_submission(actor, idempotency_key, digest)):
        return earlier
    written = _uploads_store(resolved)
    try:
        return _submit(actor, values, resolved, idempotency_key, digest)
    except IntegrityError:
        earlier = _earlier_submission(actor, idempotency_key, digest) if idempotency_key else None
        if earlier is None:
            _uploads_unstore_on_rollback(written)
            raise
        return earlier  # the same key, sent twice at once: the other one made it
    except BaseException:
        _uploads_unstore_on_rollback(written)
        raise


def _uploads_store(resolved: list[dict]) -> list[str]:
    """Store the bytes of the unregistered uploads of a request that passed every check, kept for
    the audit trail of what the gate decided; return the SHA-256 of those this call wrote. Only
    now: a request refused before it is recorded leaves the content store as it was."""
    written = []
    try:
        for r in resolved:
            if "content" in r and store_content(r["sha256"], r["content"])[1]:
                written.append(r["sha256"])
    except BaseException:  # a full or read-only disk: none of this request's files stay
        _uploads_unstore_on_rollback(written)
        raise
    return written


def _uploads_unstore_on_rollback(written: list[str]) -> None:
    """Remove again the uploads this submission stored, once its transaction is over (at once
    outside one), unless a recorded request input or an asset uses them."""
    from rightsledger.services import content_unstore_unless_used

    def unstore():
        for sha256 in written:
            try:
                used = RequestInput.objects.filter(sha256=sha256, asset__isnull=True).exists()
            except Exception:  # noqa: BLE001  (the database is down: the file stays, reused on retry)
                continue
            if not used:
                content_unstore_unless_used(sha256)

    if written:
        transaction.on_commit(unstore)


def _submission_digest(values: dict, resolved: list[dict]) -> str:
    body = {k: (v.pk if hasattr(v, "pk") else v.isoformat() if isinstance(v, datetime.date) else v) for k, v in values.items()}
    body["inputs"] = [[r["position"], r["role"], r["sha256"], r["modality"], list(r["frames"] or ())] for r in resolved]
    return hashlib.sha256(canonical(body)).hexdigest()


def _earlier_submission(actor, key: str, digest: str) -> GenerationRequest | None:
    from .models import SubmissionKey

    earlier = SubmissionKey.objects.filter(requester=actor, key=key).select_related("request").first()
    if earlier is None:
        return None
    if earlier.body_sha256 != digest:
        raise Conflict(f"The Idempotency-Key {key!r} was used for another request ({earlier.request_id}) with a different body; "
                       "use a new key for a new request.", code="idempotency_key_reused")
    return earlier.request


def _submit(actor, values: dict, resolved: list[dict], idempotency_key: str | None, digest: str) -> GenerationRequest:
    from .models import SubmissionKey

    shot, engine, seed = values["shot"], values["engine"], values["seed"]
    intended_use, release_start, release_end = values["intended_use"], values["release_start"], values["release_end"]
    with recording(actor=actor) as rec:
        outcome, talents = _decide(_facts_of({**values, "resolved": resolved}), values["prompt"])
        request = GenerationRequest.objects.create(requester=actor, status=outcome.outcome, **values)
        RequestInput.objects.bulk_create(
            [RequestInput(request=request, position=r["position"], role=r["role"], asset=r["asset"], sha256=r["sha256"], match=r["match"],
                          match_score=r.get("match_score"), modality=r["modality"],
                          frame_start=r["frames"][0] if r.get("frames") else None, frame_end=r["frames"][1] if r.get("frames") else None)
             for r in resolved]
        )
        GenerationRequest.talents.through.objects.bulk_create(
            [GenerationRequest.talents.through(generationrequest=request, talent_id=t) for t in sorted(talents)])
        requested = dict(
            request=request.pk, shot=shot.pk, engine=engine, engine_version=request.engine_version, seed=seed,
            intended_use=intended_use, media=request.media, territories=request.territories, territory_exclusions=request.territory_exclusions,
            languages=request.languages, release_window=[release_start.isoformat(), release_end.isoformat()],
            talents=sorted(talents),
            inputs=[{"position": r["position"], "role": r["role"], "asset": r["asset"].pk if r["asset"] else None, "sha256": r["sha256"], "match": r["match"],
                     **({"frames": list(r["frames"])} if r.get("frames") else {})} for r in resolved],
            **record_commitments(request),  # the prompt
        )
        _record_decision(rec, request, outcome, "gate", before=(("generation.requested", requested, {"record": request, "production": request.production}),))
        if idempotency_key:
            SubmissionKey.objects.create(requester=actor, key=idempotency_key, body_sha256=digest, request=request)
    return request


# --- Sign-off and queueing ----------------------------------------------------------------------


def request_sign_off(*, actor, request: GenerationRequest, approve: bool, comment: str) -> SignOff:
    """Record a clearance user's approval or refusal of a request awaiting sign-off (or of an
    output held for clearance), and return it. The requester cannot sign off their own request."""
    errors = Errors()
    comment = v.text(errors, "comment", comment)
    if not comment:
        errors.add("comment", "required", "Say why you approve or refuse: the comment is part of the record.")
    errors.raise_if_any()
    with recording(actor=actor) as rec:
        locked = GenerationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.requester_id == actor.pk:
            raise PermissionDenied("The requester cannot sign off their own request: another clearance user must.")
        if locked.status not in ("needs_clearance", "held"):
            signed = SignOff.objects.filter(request=locked).select_related("approver").last()
            if signed:
                raise Conflict(
                    f"This request was already {'approved' if signed.approved else 'refused'} by user {signed.approver_id} at "
                    f"{signed.created_at:%Y-%m-%d %H:%M:%S} UTC.", code="already_signed_off",
                )
            raise Conflict(f"This request is {locked.status.replace('_', ' ')}, not awaiting a sign-off.", code="not_awaiting_sign_off")
        decision = locked.decisions.filter(kind="likeness_check" if locked.status == "held" else "gate").latest("id")
        try:
            with transaction.atomic():
                sign_off = SignOff.objects.create(decision=decision, request=locked, approver=actor, approved=approve, comment=comment.strip())
        except IntegrityError:
            raise Conflict("Someone else signed off this request a moment ago.", code="already_signed_off")
        entry = rec.append("generation.signed_off", {"request": locked.pk, "decision": decision.pk, "sign_off": sign_off.pk, "approved": approve,
                                                      **record_commitments(sign_off)},
                           record=sign_off, production=locked.production)
        SignOff.objects.filter(pk=sign_off.pk).update(ledger_seq=entry.seq)
        _tell(locked, event="sign_off", sign_off_id=sign_off.pk)
        if locked.status == "held":
            locked.status = "succeeded" if approve else "refused"  # the output is released, or stays withheld
        else:
            locked.status = "approved" if approve else "refused"
        locked.save(update_fields=["status", "updated_at"])
    request.refresh_from_db()
    return sign_off


def _send_run(request_id: int) -> bool:
    """Send a request's run to a worker; False (logged) when the broker, or Redis behind it,
    cannot be reached: the request stays queued, and request_requeue_stranded sends it again."""
    from kombu.exceptions import OperationalError as BrokerDown
    from redis.exceptions import ConnectionError as RedisDown, TimeoutError as RedisTimeout

    from .tasks import request_run

    try:
        request_run.delay(request_id)
    except (BrokerDown, RedisDown, RedisTimeout):
        log.warning("the run of request %s was not sent (broker unreachable); it will be sent again", request_id, exc_info=True)
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
    for request_id in GenerationRequest.objects.filter(status="queued", updated_at__lt=cutoff).order_by("id").values_list("id", flat=True)[:500]:
        if not _send_run(request_id):
            break  # still unreachable: the next sweep tries again
        # At most one more message per period for a request that is only waiting its turn.
        GenerationRequest.objects.filter(pk=request_id, status="queued").update(updated_at=timezone.now())
        sent += 1
    return sent


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


def request_queue(*, actor, request: GenerationRequest) -> GenerationRequest:
    """Queue an approved request (signed off where it had to be) to run; return it."""
    with recording(actor=actor) as rec:
        locked = GenerationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != "approved":
            raise Conflict(f"This request cannot be queued: {NOT_QUEUEABLE[locked.status]}.", code=f"not_queueable_{locked.status}")
        locked.status = "queued"
        locked.save(update_fields=["status", "updated_at"])
        _event(rec, locked, "generation.queued")
        _enqueue(locked.pk)
    request.refresh_from_db()
    return request


def request_retry(*, actor, request: GenerationRequest) -> GenerationRequest:
    """Queue a failed request again; return it."""
    request_reap_stale()
    with recording(actor=actor) as rec:
        locked = GenerationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != "failed":
            raise Conflict(f"Only a failed request can be retried; this one is {locked.status.replace('_', ' ')}.", code="not_retryable")
        locked.status = "queued"
        locked.failure = ""
        locked.save(update_fields=["status", "failure", "updated_at"])
        _event(rec, locked, "generation.retried", attempts=locked.attempts)
        _enqueue(locked.pk)
    request.refresh_from_db()
    return request


def request_reap_stale(*, now=None) -> int:
    """Mark failed every running request whose lease has run out (its worker was lost); return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(GenerationRequest.objects.select_for_update(skip_locked=True).filter(status="running", lease_expires__lt=now))
        if not stale:
            return 0
        with recording(actor=WORKER) as rec:
            for req in stale:
                req.status = "failed"
                req.failure = (f"The worker running attempt {req.attempts} was lost (its lease ran out at "
                               f"{req.lease_expires:%Y-%m-%d %H:%M:%S} UTC). Nothing was recorded; retry it.")
                req.lease_expires = None
                req.save(update_fields=["status", "failure", "lease_expires", "updated_at"])
                _event(rec, req, "generation.failed", attempt=req.attempts, cause="worker_lost")
    return len(stale)


# --- Run ----------------------------------------------------------------------------------------


def _run_check(rec: Recorder, request: GenerationRequest) -> tuple[Decision, p.Outcome]:
    """Evaluate the policy against the ledger as it is now, with R4 at run time; record it."""
    sign_off = SignOff.objects.filter(request=request, approved=True).select_related("decision").last()
    fact = None
    if sign_off is not None:
        covered = frozenset((r["rule"], r["subject"]) for r in sign_off.decision.reasons if r["outcome"] == p.NEEDS_CLEARANCE)
        fact = p.SignOffFact(sign_off.pk, sign_off.approver_id, covered)
    evaluated = _evaluate(request)
    outcome = p.at_run_time(evaluated, fact)
    # The sign-off was relied on when it turned a decision that needed clearance into an approval.
    relied = sign_off if evaluated.outcome == p.NEEDS_CLEARANCE and outcome.outcome == p.APPROVED else None
    return _record_decision(rec, request, outcome, "run_check", sign_off=relied), outcome


def request_run(*, request_id: int) -> str:
    """Run a queued request: re-check, run the engine, record the output once. Safe to run twice.

    Returns what happened: succeeded, held, already_done, already_running, not_queued, stopped or failed.
    """
    from .runner import engine_start

    lease = datetime.timedelta(seconds=settings.GENERATION_RUN_LEASE_SECONDS)
    with transaction.atomic():
        request = GenerationRequest.objects.select_for_update().select_related("shot", "production").get(pk=request_id)
        if GenerationOutput.objects.filter(request=request).exists():
            return "already_done"
        now = timezone.now()
        if request.status == "running" and request.lease_expires and request.lease_expires > now:
            return "already_running"
        if request.status not in ("queued", "running"):
            return "not_queued"
        with recording(actor=WORKER) as rec:
            request.status = "running"
            request.attempts += 1
            request.lease_expires = now + lease
            request.save(update_fields=["status", "attempts", "lease_expires", "updated_at"])
            _event(rec, request, "generation.started", attempt=request.attempts)
    attempt = request.attempts

    with recording(actor=WORKER) as rec:
        decision, outcome = _run_check(rec, request)
        if decision.outcome != p.APPROVED:
            request.status = "stopped"
            request.failure = "The check at run time refused it: " + " ".join(r["message"] for r in decision.reasons if r["outcome"] != p.PASS)
            request.lease_expires = None
            request.save(update_fields=["status", "failure", "lease_expires", "updated_at"])
            _event(rec, request, "generation.stopped", decision=decision.pk)
            _tell(request, event="run", outcome="stopped")
            return "stopped"

    started = time.perf_counter()
    try:
        result = engine_start(decision=decision)
    except EngineError as exc:
        _fail(request, attempt, str(exc))
        return "failed"
    engine_seconds = time.perf_counter() - started
    from provenance.services import SigningError, output_sign

    signed = None
    try:
        try:
            signed, media_type, signing = output_sign(request=request, decision=decision, result=result)
        except SigningError as exc:
            _fail(request, attempt, str(exc))
            return "failed"

        try:
            with transaction.atomic():
                request = GenerationRequest.objects.select_for_update().get(pk=request_id)
                if GenerationOutput.objects.filter(request=request).exists():
                    return "already_done"
                held = _record_output(request, asset_data=signed, media_type=media_type, signing=signing, decision=decision, outcome=outcome,
                                      result=result, engine_seconds=engine_seconds, attempt=attempt)
        except Exception as exc:
            _unstore_output(signed)  # its file, if it was stored before the transaction failed
            if not isinstance(exc, OSError):
                raise
            _fail(request, attempt, f"The signed output could not be stored ({exc.strerror or exc}); nothing was recorded. "
                                    "Retry once the media storage can be written to.")
            return "failed"
        return "held" if held else "succeeded"
    finally:
        # A clip's engine output and its signed copy are files; once stored (or not), both go.
        for path in (result.path, signed if isinstance(signed, str) else None):
            if path:
                Path(path).unlink(missing_ok=True)


def _record_output(request, *, asset_data, media_type, signing, decision, outcome, result, engine_seconds, attempt) -> bool:
    """Record a signed output once: its asset, lineage, signing, output and the likeness check.
    Returns whether the output is held for clearance."""
    from provenance.services import lineage_record_many, output_record

    from provenance.manifest import SIGNABLE

    with recording(actor=WORKER) as rec, contextlib.ExitStack() as files:
        name = f"{request.shot.code}_req{request.pk}.{SIGNABLE.get(media_type, 'bin')}"
        # A still arrives as bytes; a signed clip as the path of its file.
        upload = File(files.enter_context(open(asset_data, "rb")), name=name) if isinstance(asset_data, str) else ContentFile(asset_data, name=name)
        asset, _ = asset_register(actor=WORKER, production=request.production, upload=upload, kind="generated", origin="generated",
                                  title=f"{request.engine} output for {request.shot.code} (request {request.pk})",
                                  dimensions=result.image.size if result.image is not None else None)
        lineage_record_many(rec, child=asset, parents=[(i.asset, i.role) for i in request.inputs.filter(asset__isnull=False).select_related("asset")],
                            decision_seq=decision.ledger_seq)
        output_record(asset=asset, signing=signing)
        output = GenerationOutput.objects.create(request=request, asset=asset, run_decision=decision, engine_metadata=result.metadata, engine_seconds=engine_seconds)
        entry = rec.append("generation.output_recorded", {"request": request.pk, "output_asset": asset.pk, "sha256": asset.sha256,
                                                          "decision": decision.pk, "attempt": attempt},
                           record=output, production=request.production)
        GenerationOutput.objects.filter(pk=output.pk).update(ledger_seq=entry.seq)
        held = _likeness_check(rec, request, outcome, [e for _, e in signing.get("embeddings") or []])
        request.status = "held" if held else "succeeded"
        request.lease_expires = None
        request.failure = ""
        request.save(update_fields=["status", "lease_expires", "failure", "updated_at"])
        _tell(request, event="run", outcome="held" if held else "succeeded")
    return held


def _likeness_check(rec: Recorder, request: GenerationRequest, run: p.Outcome, embeddings: list) -> bool:
    """Hold an output that looks like a performer whom none of the run's consents covers (R6),
    from the output's embeddings (a still's one, a clip's at every keyframe: any keyframe that
    resembles holds the clip), made when it was signed. Returns whether it is held. Needs
    embeddings (CLIP_WEIGHTS)."""
    if not embeddings:
        return False
    import numpy as np

    from provenance import similarity

    close = similarity.likeness_matches(np.stack(embeddings), request.production)
    hold = p.likeness_hold(run, close, selectors.ledger_head())
    if hold is None:
        return False
    _record_decision(rec, request, hold, "likeness_check")
    return True


def _unstore_output(signed) -> None:
    """Remove the stored file of a signed output (bytes, or a file's path) that was not recorded."""
    from rightsledger.services import content_unstore_unless_used

    if signed is None:
        return
    digest = hashlib.sha256()
    if isinstance(signed, str):
        with open(signed, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    else:
        digest.update(signed)
    content_unstore_unless_used(digest.hexdigest())


def _fail(request: GenerationRequest, attempt: int, message: str) -> None:
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
            _event(rec, locked, "generation.failed", attempt=attempt, cause="engine_error", **record_commitments(locked))
            _tell(locked, event="run", outcome="failed")


# --- Erasure ------------------------------------------------------------------------------------


def _without_names(text: str, names: list[str], talent_id: int) -> str:
    """Replace each name (as written, in any case; or as the prompt check matches it: without its
    accents, invisible characters or look-alike letters) with "talent N"."""
    import re

    from rightsledger.names import find

    for name in names:
        if name.strip():
            written = r"\s+".join(map(re.escape, name.split()))
            text = re.sub(written, f"talent {talent_id}", text, flags=re.IGNORECASE)
    for start, end in reversed(find(text, names)):
        text = f"{text[:start]}talent {talent_id}{text[end:]}"
    return text


def talent_mentions_erase(*, talent_id: int, names: list[str]) -> int:
    """Remove an erased performer's names from the prompts of the requests that involved them
    and from their decisions' reasons (inside the erasure's transaction); return the requests
    changed. The ledger holds neither: a prompt by its digest, a reason without its sentence."""
    requests = list(GenerationRequest.objects.filter(talents__id=talent_id).distinct())
    for request in requests:
        prompt = _without_names(request.prompt, names, talent_id)
        if prompt != request.prompt:
            GenerationRequest.objects.filter(pk=request.pk).update(prompt=prompt)
    for decision in Decision.objects.filter(request__in=requests):
        reasons = [{**r, "message": _without_names(r["message"], names, talent_id)} for r in decision.reasons]
        if reasons != decision.reasons:
            Decision.objects.filter(pk=decision.pk).update(reasons=reasons)
    return len(requests)
