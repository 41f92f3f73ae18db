"""R1 (rights) and R4 (review) of grants: every input is covered by active grants."""

from __future__ import annotations

import datetime

from .facts import GrantFact, InputFact, RequestFact, Snapshot, Territories
from .outcome import NEEDS_CLEARANCE, PASS, REFUSED, Reason, RecordRef


def _union(many) -> Territories:
    """Territories.union over many, folded without a Territories per step."""
    world, codes = False, set()
    for t in many:
        if t.world:
            codes = (codes & t.codes) if world else (t.codes - codes)
            world = True
        elif world:
            codes -= t.codes
        else:
            codes |= t.codes
    return Territories(frozenset(codes), world)


def _coverage(request: RequestFact, grants: list[GrantFact], use: str) -> tuple[list[str], list[GrantFact]]:
    """Return (gaps, grants relied on) for the request's media x languages x territories.

    Territories may be assembled from several grants for the same medium and language.
    """
    gaps, relied, missing_for = [], {}, {}
    with_use = [g for g in grants if use in g.uses]
    for medium in request.sorted_media:
        in_medium = [g for g in with_use if medium in g.media]
        for language in request.sorted_languages:
            usable = (
                in_medium
                if language is None
                else [g for g in in_medium if not g.languages or language in g.languages]
            )
            if not usable:
                gaps.append(f"no grant permits {use} for {_where(medium, language)}")
                continue
            key = tuple(g.id for g in usable)  # media and languages often share their grants
            missing = missing_for.get(key)
            if missing is None:
                missing = missing_for[key] = request.territories.missing_from(
                    _union(g.territories for g in usable)
                )
            if not missing.empty:
                gaps.append(f"{_where(medium, language)} is not granted in {missing.describe()}")
            else:
                for g in usable:
                    relied[g.id] = g
    return gaps, [relied[i] for i in sorted(relied)]


def _where(medium: str, language: str | None) -> str:
    return medium + (f" in language {language}" if language else "")


def _rights_for_input(
    request: RequestFact, snapshot: Snapshot, inp: InputFact, use: str, rule: str
) -> Reason:
    subject = f"input {inp.position}"
    if inp.asset_id is None:
        return Reason(
            rule,
            REFUSED,
            subject,
            f"Input {inp.position} ({inp.role}) is an unregistered input: it matches no registered asset.",
            "Register the file as an asset of this production and record the grant that covers it.",
        )
    concerning = [
        g for g in snapshot.grants_by_asset.get(inp.asset_id, ()) if g.production_id == request.production_id
    ]
    ref = RecordRef("asset", inp.asset_id)
    note = f", {inp.match_note}" if inp.match_note else ""
    prefix = f"Input {inp.position} ({inp.role}, asset A-{inp.asset_id}{note})"
    if not concerning:
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix} has no rights grant for this production.",
            f"Record a grant from the rights holder that permits {use} for this production.",
            (ref,),
        )
    active = [g for g in concerning if g.status == "active"]
    if not active:
        g = concerning[0]
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix}: its grant {g.id} has been revoked.",
            "Obtain and record a new grant from the rights holder.",
            (ref, g.ref),
        )
    with_use = [g for g in active if use in g.uses]
    if not with_use:
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix}: no grant permits {use} (grant{'s' if len(active) > 1 else ''} "
            f"{', '.join(str(g.id) for g in active)} permit{'' if len(active) > 1 else 's'} only "
            f"{', '.join(sorted(set().union(*(g.uses for g in active))))}).",
            f"Obtain a grant or an amendment that permits {use}.",
            (ref, *(g.ref for g in active)),
        )
    window = request.window
    in_term = [
        g
        for g in with_use
        if g.term.start <= window.start and (g.term.end is None or g.term.end >= window.end)
    ]
    if not in_term:
        g = max(with_use, key=lambda g: g.term.end or datetime.date.max)
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix}: grant {g.id} {g.term.gap(request.window)}.",
            "Extend the grant's term by amendment, or move the release window inside it.",
            (ref, g.ref),
        )
    gaps, relied = _coverage(request, in_term, use)
    if gaps:
        return Reason(
            rule,
            REFUSED,
            subject,
            f"{prefix}: {'; '.join(gaps)}.",
            "Narrow the release media, territories or languages, or record grants that cover them.",
            (ref, *(g.ref for g in in_term)),
        )
    return Reason(
        rule,
        PASS,
        subject,
        f"{prefix} is covered for {use} by grant {', '.join(str(g.id) for g in relied)} for {request.scope}.",
        records=(ref, *(g.ref for g in relied)),
    )


def _review_of_grants(inp: InputFact, passed: Reason, snapshot: Snapshot) -> Reason | None:
    """R4: a grant relied on that is flagged for review needs a sign-off."""
    by_id = snapshot.grants_by_id
    review = [by_id[r.id] for r in passed.records if r.type == "grant" and by_id[r.id].requires_review]
    if not review:
        return None
    g = review[0]
    return Reason(
        "R4",
        NEEDS_CLEARANCE,
        passed.subject,
        f"Input {inp.position} relies on grant {g.id}, which is flagged for review"
        f"{': ' + g.restrictions if g.restrictions else ''}.",
        "A clearance user who is not the requester must sign off.",
        tuple(g.ref for g in review),
    )
