"""Reads for the gate: the snapshot of records a request needs, as of one ledger sequence number.

The number of queries does not depend on how many grants or consents exist: each read is by
the request's assets, talents, owners and production, through indexes.
"""

import datetime

from django.db import connection
from django.db.models import Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import (
    ConsentRecord,
    LabourAction,
    LedgerEntry,
    RightsGrant,
    Talent,
    TalentName,
    TrainingReservation,
)
from rightsledger.names import ngrams

from .. import fastpaths
from .. import policy as p
from ..facts import fact_of_row, labour_action_fact


def ledger_head() -> int:
    """Return the highest ledger sequence number written so far (0 for an empty ledger)."""
    return LedgerEntry.objects.aggregate(m=Max("seq"))["m"] or 0


def _with_seq(qs, record_type: str):
    return qs.annotate(
        seq=Subquery(
            LedgerEntry.objects.filter(record_type=record_type, record_id=OuterRef("pk"))
            .order_by()
            .values("seq")[:1]
        )
    )


def _as_of(rows, as_of: int) -> list[dict]:
    """Keep, per chain, the latest version recorded at or below as_of."""
    latest = {}
    for row in rows:
        if row["seq"] is None or row["seq"] > as_of:
            continue
        if row["chain"] not in latest or row["version"] > latest[row["chain"]]["version"]:
            latest[row["chain"]] = row
    return list(latest.values())


def grant_facts(production_id: int, asset_ids, as_of: int) -> list[p.GrantFact]:
    """The grants of the production that cover any of the assets (2 queries)."""
    chains = RightsGrant.objects.filter(production_id=production_id, assets__in=asset_ids).values("chain")
    versions = _as_of(_with_seq(RightsGrant.objects.filter(chain__in=chains), "grant").values(), as_of)
    covered = {}
    through = RightsGrant.assets.through
    for grant_id, asset_id in through.objects.filter(
        rightsgrant_id__in=[g["id"] for g in versions]
    ).values_list("rightsgrant_id", "asset_id"):
        covered.setdefault(grant_id, set()).add(asset_id)
    return [fact_of_row(p.GrantFact, {**g, "asset_ids": covered.get(g["id"], ())}) for g in versions]


def consent_facts(production_id: int, talent_ids, as_of: int) -> list[p.ConsentFact]:
    """The consents of the production from the talents, as of a sequence number (1 query)."""
    qs = ConsentRecord.objects.filter(production_id=production_id, talent_id__in=talent_ids)
    return [fact_of_row(p.ConsentFact, c) for c in _as_of(_with_seq(qs, "consent").values(), as_of)]


def reservation_facts(
    *, production_id: int, asset_ids, talent_ids, party_ids, as_of: int
) -> list[p.ReservationFact]:
    """The reservations on the assets, talents, owners or production that were in force as of a
    sequence number (1 query)."""
    qs = TrainingReservation.objects.filter(
        Q(asset_id__in=asset_ids)
        | Q(talent_id__in=talent_ids)
        | Q(party_id__in=party_ids)
        | Q(production_id=production_id)
    )
    return [
        fact_of_row(p.ReservationFact, {**r, "subject_id": r[f"{r['subject_type']}_id"]})
        for r in _as_of(_with_seq(qs, "reservation").values(), as_of)
        if r["status"] == "active"
    ]


def talents_named_in(prompt: str) -> set[int]:
    """Return the ids of registered talent whose name, professional name or alias the prompt
    contains, whatever the case, accents, invisible characters or look-alike letters (one indexed
    query)."""
    grams = ngrams(prompt or "")
    if not grams:
        return set()
    return set(TalentName.objects.filter(normalized__in=grams).values_list("talent_id", flat=True))


def snapshot(
    *,
    production_id: int,
    inputs: list[p.InputFact],
    talent_ids: set[int],
    prompt: str = "",
    as_of: int | None = None,
    today=None,
) -> tuple[p.Snapshot, set[int]]:
    """Return the records that concern a request, as of ledger sequence number as_of (now if
    None), and the talent the prompt names. The snapshot covers talent_ids and those named.

    On PostgreSQL the current state is read in one statement (fastpaths.snapshot_postgresql). A
    past state (as_of given), and SQLite, take the general path: every version of the chains
    concerned, keeping per chain the latest one recorded at or below as_of.
    """
    today = today or datetime.date.today()
    asset_ids = [i.asset_id for i in inputs if i.asset_id is not None]
    party_ids = [i.owner_party_id for i in inputs if i.owner_party_id is not None]
    if as_of is None and connection.vendor == "postgresql":
        return fastpaths.snapshot_postgresql(production_id, asset_ids, talent_ids, party_ids, prompt, today)
    named = talents_named_in(prompt)
    talent_ids = set(talent_ids) | named
    past = as_of
    as_of = ledger_head() if as_of is None else as_of
    talents = {
        t.pk: p.TalentFact(
            t.pk,
            t.professional_name or t.legal_name,
            t.is_deceased,
            t.is_minor,
            frozenset(m.guild_id for m in t.memberships.all()),
        )
        for t in Talent.objects.filter(pk__in=talent_ids).prefetch_related("memberships")
    }
    return p.Snapshot(
        as_of_seq=as_of,
        today=today,
        grants=tuple(grant_facts(production_id, asset_ids, as_of)),
        consents=tuple(consent_facts(production_id, talent_ids, as_of)),
        reservations=tuple(
            reservation_facts(
                production_id=production_id,
                asset_ids=asset_ids,
                talent_ids=talent_ids,
                party_ids=party_ids,
                as_of=as_of,
            )
        ),
        talents=talents,
        labour_actions=labour_action_facts(production_id, past),
    ), named


def labour_action_facts(production_id: int, as_of: int | None = None) -> tuple[p.LabourActionFact, ...]:
    """The labour actions against the production, as they are now, or as the ledger stood at
    sequence number as_of: an action recorded after it is left out, and one whose end was recorded
    after it is still in force (1 query)."""
    rows = LabourAction.objects.filter(production_id=production_id).annotate(
        guild_name=Coalesce(NullIf("guild__abbreviation", Value("")), "guild__name")
    )
    if as_of is not None:
        entries = LedgerEntry.objects.filter(record_type=LabourAction.ledger_type, record_id=OuterRef("pk"))
        rows = rows.annotate(
            recorded_seq=Subquery(
                entries.filter(entry_type=EntryType.LABOUR_ACTION_RECORDED).values("seq")[:1]
            ),
            ended_seq=Subquery(entries.filter(entry_type=EntryType.LABOUR_ACTION_ENDED).values("seq")[:1]),
        ).filter(recorded_seq__lte=as_of)
    facts = []
    for r in rows.values(
        "id",
        "guild_id",
        "guild_name",
        "started_on",
        "ended_on",
        *(("ended_seq",) if as_of is not None else ()),
    ):
        if as_of is not None and (r.pop("ended_seq") or as_of + 1) > as_of:
            r["ended_on"] = None
        facts.append(labour_action_fact(r))
    return tuple(facts)
