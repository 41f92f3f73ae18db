"""The kinds of register: for each of grants, consents, reservations, assets, requests and shots,
its rows as the user may see them (their related records joined), its filterset, how a row reads
(a name, a sentence and a status) and its CSV columns. portal.registers makes the pages from them.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from generation import selectors as gen_selectors
from rightsledger import selectors as rl_selectors
from rightsledger import words as rl_words

from . import filters, words


@dataclass(frozen=True)
class Row:
    """A register's row as a page shows it."""

    pk: int
    name: str
    url: str
    summary: str
    status: str  # a status code, worded by base/_status.html
    production: str
    date: str  # the date that matters to the list ("ends 3 December 2026"), or empty
    picture_url: str = ""  # where the record's picture is (an asset's page), if it has one
    picture_name: str = ""


@dataclass(frozen=True)
class Register:
    """One list: its rows for a user, its filterset, a row's words, and its CSV columns."""

    kind: str  # in URLs: /registers/grants/
    title: str
    noun: str
    rows: Callable[[object], QuerySet]
    filterset: type[filters.RegisterFilter]
    row: Callable[[object, datetime.date], Row]
    csv: tuple[tuple[str, Callable[[object], str]], ...]
    date_label: str = "Term ends"
    date_sort: str = "ends"


def current(qs: QuerySet) -> QuerySet:
    """Return the current versions of qs: those no version replaces. Written as NOT EXISTS, which
    PostgreSQL plans as an anti-join and counts right; a LEFT JOIN filtered on IS NULL is
    estimated at one row, and the plan joined on it reads every performer once per row."""
    return qs.filter(~Exists(qs.model.objects.filter(replaces=OuterRef("pk"))))


def numbered(qs: QuerySet) -> QuerySet:
    """Annotate each version with its record's number: the id of its first version, which names
    the record for life ("Grant 4" at version 3)."""
    return rl_selectors.with_number(qs)


def record_state(record, today: datetime.date) -> str:
    """Return a grant's or consent's state on a register: revoked, expired or active."""
    if record.status == "revoked":
        return "revoked"
    return "expired" if record.term_end and record.term_end < today else "active"


def _asset_link(asset_id) -> tuple[str, str]:
    return (reverse("portal:asset", args=[asset_id]), f"A-{asset_id}") if asset_id else ("", "")


def _ends(record) -> str:
    return words.day(record.term_end) if record.term_end else "In perpetuity"


# --- Grants --------------------------------------------------------------------------------------


def _grants(user) -> QuerySet:
    return numbered(current(rl_selectors.grants_for(user)).select_related("grantor", "production"))


# A grant's uses as they follow "the use of these assets".
def _grant_summary(g, covered) -> str:
    assets = words.prose([a.title or a.original_filename or f"A-{a.pk}" for a in covered], str)
    uses = rl_words.labels(g.uses, "grant_uses", sentence=True)
    where = rl_words.where(g.territories, g.territory_exclusions)
    return (
        f"{g.grantor.name} grants {g.production.title} the use of {assets or 'no asset'} "
        f"{uses}, for {words.prose(g.media)} release {where}, "
        f"{words.term(g.term_start, g.term_end)}, {rl_words.phrase(g.exclusivity)}."
    )


def _grant_row(g, today) -> Row:
    covered = list(g.assets.all())  # prefetched: one query for the page
    url, name = _asset_link(covered[0].pk if covered else None)
    return Row(
        g.pk,
        f"Grant {g.number}",
        reverse("portal:record", args=["grant", g.pk]),
        _grant_summary(g, covered),
        record_state(g, today),
        g.production.title,
        _ends(g),
        url,
        name,
    )


_GRANT_CSV = (
    ("Grant", lambda g: f"Grant {g.number}"),
    ("Version", lambda g: g.version),
    ("Status", lambda g: record_state(g, datetime.date.today()).capitalize()),
    ("Grantor", lambda g: g.grantor.name),
    ("Production", lambda g: g.production.title),
    ("Assets", lambda g: "; ".join(str(a) for a in g.assets.all())),
    ("Uses", lambda g: words.prose(g.uses)),
    ("Media", lambda g: words.prose(g.media)),
    ("Territories", lambda g: words.prose(g.territories, words.territory)),
    ("Excluded territories", lambda g: words.prose(g.territory_exclusions, words.territory)),
    ("Languages", lambda g: ", ".join(g.languages) or "Every language"),
    ("Term starts", lambda g: words.day(g.term_start)),
    ("Term ends", lambda g: words.day(g.term_end) or "In perpetuity"),
    ("Exclusivity", lambda g: words.code(g.exclusivity).capitalize()),
    ("Restrictions", lambda g: g.restrictions),
    ("Needs review", lambda g: "Yes" if g.requires_review else "No"),
    ("Recorded", lambda g: words.moment(g.created_at)),
)


# --- Consents ------------------------------------------------------------------------------------


def _consents(user) -> QuerySet:
    return numbered(current(rl_selectors.consents_for(user)).select_related("talent", "production"))


def _consent_summary(c) -> str:
    uses = words.prose(c.permitted_uses)
    never = f"; never {words.prose(c.prohibited_uses, conjunction='or')}" if c.prohibited_uses else ""
    return (
        f"{c.talent} consents to a {words.code(c.replica_type)} replica "
        f"({words.prose(c.modalities)}) in {c.production.title}, for {uses}{never}, "
        f"{words.term(c.term_start, c.term_end)}."
    )


def _consent_row(c, today) -> Row:
    return Row(
        c.pk,
        f"Consent {c.number}",
        reverse("portal:record", args=["consent", c.pk]),
        _consent_summary(c),
        record_state(c, today),
        c.production.title,
        _ends(c),
    )


def _personal(c, field: str) -> str:
    return "" if c.erased_at else getattr(c, field)


_CONSENT_CSV = (
    ("Consent", lambda c: f"Consent {c.number}"),
    ("Version", lambda c: c.version),
    ("Status", lambda c: record_state(c, datetime.date.today()).capitalize()),
    ("Performer", lambda c: str(c.talent)),
    ("Production", lambda c: c.production.title),
    ("Signed by", lambda c: words.code(c.grantor_role).capitalize()),
    ("Replica", lambda c: words.code(c.replica_type).capitalize()),
    ("Modalities", lambda c: words.prose(c.modalities)),
    ("Intended use", lambda c: _personal(c, "intended_use_description")),
    ("Permitted uses", lambda c: words.prose(c.permitted_uses)),
    ("Prohibited uses", lambda c: words.prose(c.prohibited_uses)),
    ("Media", lambda c: words.prose(c.media)),
    ("Territories", lambda c: words.prose(c.territories, words.territory)),
    ("Term starts", lambda c: words.day(c.term_start)),
    ("Term ends", lambda c: words.day(c.term_end) or "In perpetuity"),
    ("Training", lambda c: words.code(c.training_permission).capitalize()),
    ("Union notified", lambda c: words.day(c.union_notified_date) or "Not yet"),
    ("Recorded", lambda c: words.moment(c.created_at)),
)


# --- Reservations --------------------------------------------------------------------------------


def _reservations(user) -> QuerySet:
    rows = current(rl_selectors.reservations_for(user))
    return numbered(rows.select_related("asset__production", "talent", "party", "production"))


def _reservation_subject(r) -> str:
    subject = r.subject
    if r.subject_type == "asset":
        return f"A-{subject.pk} {subject.title or subject.original_filename}".strip()
    return str(subject)


def _reservation_row(r, today) -> Row:
    url, name = _asset_link(r.asset_id)
    production = r.production or (r.asset.production if r.asset_id else None)
    return Row(
        r.pk,
        f"Reservation {r.number}",
        reverse("portal:record", args=["reservation", r.pk]),
        f"{_reservation_subject(r)} is reserved from {words.prose(r.uses)}, "
        f"from {words.day(r.effective_date)} (source: {words.code(r.source)}).",
        r.status,
        production.title if production else "Every production",
        f"Since {words.day(r.effective_date)}",
        url,
        name,
    )


_RESERVATION_CSV = (
    ("Reservation", lambda r: f"Reservation {r.number}"),
    ("Version", lambda r: r.version),
    ("Status", lambda r: r.status.capitalize()),
    ("Subject", _reservation_subject),
    ("Reserved uses", lambda r: words.prose(r.uses)),
    ("Source", lambda r: words.code(r.source).capitalize()),
    ("In force since", lambda r: words.day(r.effective_date)),
    ("Note", lambda r: r.note),
)


# --- Assets, requests and shots ------------------------------------------------------------------


def _assets(user) -> QuerySet:
    return rl_selectors.assets_for(user).select_related("owner", "talent", "production")


def _asset_row(a, today) -> Row:
    owner = f", owned by {a.owner.name}" if a.owner_id else ""
    shows = f", showing {a.talent}" if a.talent_id else ""
    size = f", {a.width} × {a.height} pixels" if a.width and a.height else ""
    url, name = _asset_link(a.pk)
    return Row(
        a.pk,
        f"A-{a.pk} {a.title or a.original_filename}".strip(),
        url,
        f"{words.code(a.kind).capitalize()}{owner}{shows}{size}.",
        "active",
        a.production.title,
        f"Registered {words.day(a.created_at.date())}",
        url,
        name,
    )


_ASSET_CSV = (
    ("Asset", lambda a: f"A-{a.pk}"),
    ("Title", lambda a: a.title),
    ("File name", lambda a: a.original_filename),
    ("Kind", lambda a: words.code(a.kind).capitalize()),
    ("Production", lambda a: a.production.title),
    ("Owner", lambda a: a.owner.name if a.owner_id else ""),
    ("Performer shown", lambda a: str(a.talent) if a.talent_id else ""),
    ("File type", lambda a: a.media_type),
    ("Registered", lambda a: words.moment(a.created_at)),
)


def _requests(user) -> QuerySet:
    return gen_selectors.requests_for(user).select_related("shot", "production", "requester", "output")


def _request_output_id(r):
    output = getattr(r, "output", None) if hasattr(r, "output") else None
    return output.asset_id if output else None


def _request_row(r, today) -> Row:
    url, name = _asset_link(_request_output_id(r))
    return Row(
        r.pk,
        f"Request {r.pk}",
        reverse("portal:request", args=[r.pk]),
        f"{words.code(r.intended_use).capitalize()} for shot {r.shot.code} "
        f"with the {rl_words.label(r.engine, 'engines').lower()} engine, "
        f"asked by {r.requester.username} on {words.day(r.created_at.date())}, "
        f"for {words.prose(r.media)} release.",
        r.status,
        r.production.title,
        f"Release ends {words.day(r.release_end)}",
        url,
        name,
    )


_REQUEST_CSV = (
    ("Request", lambda r: f"Request {r.pk}"),
    ("Status", lambda r: words.code(r.status).capitalize()),
    ("Shot", lambda r: r.shot.code),
    ("Production", lambda r: r.production.title),
    ("Engine", lambda r: rl_words.label(r.engine, "engines")),
    ("Intended use", lambda r: words.code(r.intended_use).capitalize()),
    ("Prompt", lambda r: r.prompt),
    ("Media", lambda r: words.prose(r.media)),
    ("Territories", lambda r: words.prose(r.territories, words.territory)),
    ("Release starts", lambda r: words.day(r.release_start)),
    ("Release ends", lambda r: words.day(r.release_end)),
    ("Asked by", lambda r: r.requester.username),
    ("Asked on", lambda r: words.moment(r.created_at)),
)


def _shots(user) -> QuerySet:
    return rl_selectors.shots_for(user).select_related("production")


def _shot_row(s, today) -> Row:
    where = f" in {s.sequence}" if s.sequence else ""
    about = f": {s.description}" if s.description else ""
    return Row(
        s.pk,
        f"Shot {s.code}",
        reverse("portal:shot_audit", args=[s.pk]),
        f"Shot {s.code}{where}{about}.",
        "removed" if s.removed else "active",
        s.production.title,
        f"{s.frame_count} frames" if s.frame_count else "",
    )


_SHOT_CSV = (
    ("Shot", lambda s: s.code),
    ("Production", lambda s: s.production.title),
    ("Sequence", lambda s: s.sequence),
    ("Description", lambda s: s.description),
    ("Frames", lambda s: s.frame_count or ""),
    ("Reel", lambda s: s.reel),
    ("In the edit", lambda s: "No" if s.removed else "Yes"),
)


REGISTERS: dict[str, Register] = {
    r.kind: r
    for r in (
        Register("grants", "Grants", "grant", _grants, filters.GrantFilter, _grant_row, _GRANT_CSV),
        Register(
            "consents", "Consents", "consent", _consents, filters.ConsentFilter, _consent_row, _CONSENT_CSV
        ),
        Register(
            "reservations",
            "Training reservations",
            "reservation",
            _reservations,
            filters.ReservationFilter,
            _reservation_row,
            _RESERVATION_CSV,
            "In force since",
            "since",
        ),
        Register(
            "assets",
            "Assets",
            "asset",
            _assets,
            filters.AssetFilter,
            _asset_row,
            _ASSET_CSV,
            "Registered",
            "",
        ),
        Register(
            "requests",
            "Generation requests",
            "request",
            _requests,
            filters.RequestFilter,
            _request_row,
            _REQUEST_CSV,
            "Release ends",
        ),
        Register("shots", "Shots", "shot", _shots, filters.ShotFilter, _shot_row, _SHOT_CSV, "Length", ""),
    )
}
