"""Training reservations (opt-outs) of an asset, a performer, a party or a production: what one
takes, the studio that records it, and its writes."""

import datetime

from .. import validation as v
from .. import vocab
from ..errors import Errors
from ..models import Asset, Party, Production, Studio, TrainingReservation
from ..selectors import studios_for
from .records import Kind, record_amend, record_create, record_revoke

RESERVATION_AMENDABLE = {"uses", "source", "effective_date", "note"}


def _clean_reservation(data: dict) -> dict:
    errors = Errors()
    out = dict(data)
    subject_type = v.choice(errors, "subject_type", data.get("subject_type"), vocab.RESERVATION_SUBJECTS)
    for s in vocab.RESERVATION_SUBJECTS:
        if s != subject_type:
            out[s] = None
    if subject_type in vocab.RESERVATION_SUBJECTS and data.get(subject_type) is None:
        errors.add(subject_type, "required", f"Give the {subject_type} the reservation covers.")
    out["uses"] = v.listed(errors, "uses", data.get("uses"), vocab.RESERVATION_USES, what="use")
    v.choice(errors, "source", data.get("source"), vocab.RESERVATION_SOURCES)
    if not isinstance(data.get("effective_date"), datetime.date):
        errors.add("effective_date", "required", "Give the date the reservation takes effect (YYYY-MM-DD).")
    if data.get("studio") is None:
        errors.add("studio", "required", "Give the studio recording the reservation.")
    out["note"] = v.text(errors, "note", data.get("note"))
    errors.raise_if_any()
    return out


RESERVATION = Kind(TrainingReservation, RESERVATION_AMENDABLE, _clean_reservation)


# The writes by kind, as the portal, the demo and other apps call them (reservation=...).


def reservation_create(*, actor, **fields) -> TrainingReservation:
    """Record a training reservation (opt-out); return its first version. Without a studio, it is
    recorded by the studio of its subject."""
    if fields.get("studio") is None:
        fields["studio"] = _reservation_default_studio(fields, actor)
    return record_create(RESERVATION, actor=actor, data=fields)


def _reservation_default_studio(fields: dict, actor) -> Studio | None:
    """The studio a reservation belongs to when none is given: its subject's, or, for a
    performer (who belongs to no studio), the actor's studio where the actor has only one."""
    subject = fields.get(fields.get("subject_type") or "")
    if isinstance(subject, Production):
        return subject.studio
    if isinstance(subject, Asset):
        return subject.production.studio
    if isinstance(subject, Party):
        return subject.studio
    studios = list(studios_for(actor)[:2]) if getattr(actor, "is_authenticated", False) else []
    return studios[0] if len(studios) == 1 else None


def reservation_amend(
    *, actor, reservation: TrainingReservation, changes: dict, reason: str
) -> TrainingReservation:
    """Amend a reservation by a new version; return it."""
    return record_amend(RESERVATION, actor=actor, record=reservation, changes=changes, reason=reason)


def reservation_revoke(*, actor, reservation: TrainingReservation, reason: str) -> TrainingReservation:
    """Revoke a reservation by a new version; return it."""
    return record_revoke(RESERVATION, actor=actor, record=reservation, reason=reason)
