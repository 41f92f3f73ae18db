"""What the producer who asked for a generation is told, in the portal and by e-mail: a sign-off
of their request, how its run ended (signed, held, stopped or failed), and a revocation of a
record their requests relied on. One notice per event; none for what they did themselves."""

from django.contrib.auth import get_user_model
from django.db import transaction

from rightsledger import services as rs

from .. import selectors
from ..models import GenerationRequest

RECORD_NOUNS = {"grant": "grant", "consent": "consent record"}


def person(user) -> str:
    """Return a user's name as a person reads it: their full name, or their user name."""
    return (user.get_full_name() or user.username) if user is not None else "someone"


def _about(request: GenerationRequest) -> str:
    return f"Request {request.pk} for shot {request.shot.code}"


def requester_notify(request: GenerationRequest, *, subject: str, body: str, actor=None) -> None:
    """Notify the request's requester (inside the caller's transaction), unless they are the actor."""
    if actor is not None and getattr(actor, "pk", None) == request.requester_id:
        return
    rs.notify(users=[request.requester], subject=subject, body=body, link=f"/requests/{request.pk}/")


def sign_off_notify(request: GenerationRequest, sign_off) -> None:
    """Tell the requester that clearance approved or refused their request, and what happens next."""
    verb = "approved" if sign_off.approved else "refused"
    if not sign_off.approved:
        then = "Nothing will run. The decision's reasons say what would let a new request pass."
    elif request.status == "succeeded":
        then = "Its output is released: you can download it."
    elif request.run_when_approved:
        then = "It is queued to run now, as you asked when you submitted it."
    else:
        then = "Queue it to run from the request's page."
    requester_notify(
        request,
        actor=sign_off.approver,
        subject=f"{_about(request)} was {verb} by {person(sign_off.approver)}",
        body=f"{person(sign_off.approver)} {verb} it: “{sign_off.comment}”\n\n{then}",
    )


RUN_ENDINGS = {
    "succeeded": ("is signed and ready", "The signed output is on the request's page, ready to download."),
    "held": (
        "is held for clearance",
        "The output shows the face of a performer whom no consent of the request covers; a clearance user "
        "reviews it before it is released.",
    ),
    "stopped": ("was stopped at run time", ""),
    "failed": ("failed", ""),
}


def run_notify(request: GenerationRequest, outcome: str) -> None:
    """Tell the requester how the run of their request ended (inside the run's transaction)."""
    headline, body = RUN_ENDINGS[outcome]
    requester_notify(
        request, subject=f"{_about(request)} {headline}", body=body or request.failure or headline
    )


def revocation_notify(*, record_type: str, record_id: int, chain, actor_id=None) -> int:
    """Tell each producer whose requests relied on a revoked grant or consent which of their
    requests it touches (one notice each, none to the one who revoked it); return how many."""
    if record_type not in RECORD_NOUNS:
        return 0
    impact = selectors.revocation_impact(record_type, chain, user=None)
    by_requester: dict[int, list[GenerationRequest]] = {}
    for req in impact["requests"]:
        if req.requester_id != actor_id:
            by_requester.setdefault(req.requester_id, []).append(req)
    noun = RECORD_NOUNS[record_type]
    with transaction.atomic():
        for user in get_user_model().objects.filter(pk__in=by_requester).order_by("id"):
            requests = by_requester[user.pk]
            pending = [r for r in requests if r.status in ("approved", "needs_clearance", "queued")]
            lines = [f"{_about(r)} ({r.get_status_display().lower()})" for r in requests]
            stop = (
                f" {len(pending)} of them {'has' if len(pending) == 1 else 'have'} not run yet and "
                f"{'stops' if len(pending) == 1 else 'stop'} at run time."
                if pending
                else ""
            )
            rs.notify(
                users=[user],
                subject=f"A {noun} your requests relied on was revoked",
                body=f"{noun.capitalize()} {record_id} was revoked. It touches your requests:\n"
                + "\n".join(lines)
                + ("\n\n" + stop.strip() if stop else ""),
                link=f"/records/{record_type}/{record_id}/",
            )
    return len(by_requester)
