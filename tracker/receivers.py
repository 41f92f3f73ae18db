"""What the tracker bridge does when a request is decided, signed off or run, or a grant or consent
is revoked: keep a post for each linked shot concerned, and ask a worker to deliver it. These run
after the decision has committed and never raise: Kitsu being down, or this code failing, must
not block or fail a decision."""

import logging

from django.conf import settings
from django.db import connection
from django.urls import reverse

from generation import selectors as gen_selectors
from generation.models import Decision, GenerationRequest, SignOff
from rightsledger.models import LedgerEntry

log = logging.getLogger(__name__)

STATUS = {"approved": "approved", "needs_clearance": "needs_clearance", "refused": "refused", "held": "held"}
RUN = {
    "succeeded": ("approved", "ran: its output is signed and recorded"),
    "held": ("held", "ran: its output is held for clearance"),
    "stopped": ("refused", "was stopped by the check at run time"),
    "failed": ("approved", "failed to run (the rights still hold); retry it"),
}


def _audit_url(shot) -> str:
    return settings.PORTAL_URL.rstrip("/") + reverse("portal:shot_audit", args=[shot.pk])


def _deliver_soon() -> None:
    # This module loads with the app, in every process: the tasks (and so gazu and OpenTimelineIO,
    # through tracker.services) only once a post is kept.
    from .tasks import tracker_deliver

    try:
        tracker_deliver.delay()
    except Exception:  # noqa: BLE001  (no broker now: the beat schedule delivers later)
        log.warning("tracker delivery not queued now; the periodic delivery will send it", exc_info=True)


def _ever_linked(shot_id: int) -> bool:
    """Whether any version of a tracker link names the shot (written out: this runs after every decision)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM tracker_trackerlink WHERE shot_id = %s LIMIT 1", [shot_id])
        return cursor.fetchone() is not None


def on_request_event(
    sender, request_id, event, shot_id=None, decision_id=None, sign_off_id=None, outcome=None, **kwargs
):
    try:
        from .services import current_links, post_enqueue  # defers gazu and OpenTimelineIO, as above

        if shot_id is not None and not (
            _ever_linked(shot_id) and current_links().filter(shot_id=shot_id).exists()
        ):
            return  # most shots were never linked: one indexed read, and nothing more
        req = GenerationRequest.objects.select_related("shot").get(pk=request_id)
        head = f"Rightsledger: request {req.pk} ({req.engine}, {req.intended_use.replace('_', ' ')})"
        if event == "decision":
            d = Decision.objects.get(pk=decision_id)
            status = "held" if d.kind == "likeness_check" else STATUS.get(d.outcome, "needs_clearance")
            what = {
                "gate": "the gate decided",
                "run_check": "the check at run time decided",
                "likeness_check": "its output was held:",
            }[d.kind]
            text = (
                f"{head}: {what} {d.outcome.replace('_', ' ').upper()} "
                f"(decision {d.pk}, ledger entry #{d.ledger_seq})."
            )
            key, seq, ref = f"decision:{d.pk}", d.ledger_seq, d.pk
        elif event == "sign_off":
            s = SignOff.objects.get(pk=sign_off_id)
            status = "approved" if s.approved else "refused"
            text = (
                f"{head}: a clearance user {'approved' if s.approved else 'refused'} "
                f"it (sign-off {s.pk}, ledger entry #{s.ledger_seq})."
            )
            key, seq, ref = f"sign_off:{s.pk}", s.ledger_seq, s.decision_id
        elif event == "run":
            status, what = RUN[outcome]
            latest = req.decisions.order_by("-id").first()
            text = f"{head} {what}."
            key, seq, ref = (
                f"run:{req.pk}:{outcome}:{req.attempts}",
                latest.ledger_seq if latest else None,
                latest.pk if latest else None,
            )
        else:
            return
        data = {
            "decision": ref,
            "ledger_seq": seq,
            "status": status,
            "request": req.pk,
            "audit": _audit_url(req.shot),
        }
        if (
            post_enqueue(
                key=key, shot=req.shot, status=status, text=f"{text} Audit: {data['audit']}", data=data
            )
            is not None
        ):
            _deliver_soon()
    except Exception:  # noqa: BLE001
        log.exception("tracker post for request %s (%s) not kept", request_id, event)


def on_revocation(sender, record_type, record_id, chain, **kwargs):
    if record_type not in ("grant", "consent"):
        return
    try:
        from .services import post_enqueue  # defers gazu and OpenTimelineIO, as above

        # Each shot's own tracker is told.
        impact = gen_selectors.revocation_impact(record_type, chain, user=None)
        seq = (
            LedgerEntry.objects.filter(record_type=record_type, record_id=record_id)
            .order_by("-seq")
            .values_list("seq", flat=True)
            .first()
        )
        queued = False
        for shot in impact["shots"]:
            requests = [r.pk for r in impact["requests"] if r.shot_id == shot.pk]
            audit = _audit_url(shot)
            text = (
                f"Rightsledger: {record_type} {record_id} was revoked (ledger entry "
                f"#{seq}). Requests {', '.join(map(str, requests)) or 'none'} of "
                f"this shot rely on it and need clearance again. Audit: {audit}"
            )
            data = {
                "revocation": {"type": record_type, "id": record_id},
                "ledger_seq": seq,
                "status": "needs_clearance",
                "audit": audit,
            }
            queued |= (
                post_enqueue(
                    key=f"revocation:{record_type}:{record_id}:shot:{shot.pk}",
                    shot=shot,
                    status="needs_clearance",
                    text=text,
                    data=data,
                )
                is not None
            )
        if queued:
            _deliver_soon()
    except Exception:  # noqa: BLE001
        log.exception("tracker posts for the revocation of %s %s not kept", record_type, record_id)
