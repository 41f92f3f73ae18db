"""Reads for the gate: the snapshot of records a request needs, as of one ledger sequence number.

The number of queries does not depend on how many grants or consents exist: each read is by
the request's assets, talents, owners and production, through indexes.
"""

import datetime
import time

from django.db.models import Max, OuterRef, Q, Subquery

from rightsledger.models import ConsentRecord, LedgerEntry, RightsGrant, Talent, TalentName, TrainingReservation
from rightsledger.names import ngrams

from . import policy as p


def ledger_head() -> int:
    """Return the highest ledger sequence number written so far (0 for an empty ledger)."""
    return LedgerEntry.objects.aggregate(m=Max("seq"))["m"] or 0


def _with_seq(qs, record_type: str):
    return qs.annotate(seq=Subquery(LedgerEntry.objects.filter(record_type=record_type, record_id=OuterRef("pk")).order_by().values("seq")[:1]))


def _as_of(rows, as_of: int) -> list[dict]:
    """Keep, per chain, the latest version recorded at or below as_of."""
    latest = {}
    for row in rows:
        if row["seq"] is None or row["seq"] > as_of:
            continue
        if row["chain"] not in latest or row["version"] > latest[row["chain"]]["version"]:
            latest[row["chain"]] = row
    return list(latest.values())


def _date(value):
    """A date from a model row (a date) or from the snapshot statement's JSON (ISO text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


# One builder per fact, from a row of the record's columns (plus seq): the general path reads
# rows with values(), the PostgreSQL statement returns them as JSON.


def _grant_fact(g: dict) -> p.GrantFact:
    return p.GrantFact(
        id=g["id"], seq=g["seq"], production_id=g["production_id"], asset_ids=frozenset(g["asset_ids"]), uses=frozenset(g["uses"]),
        media=frozenset(g["media"]), territories=p.Territories.of(g["territories"], g["territory_exclusions"]),
        languages=frozenset(g["languages"]), term=p.Term(_date(g["term_start"]), _date(g["term_end"])), status=g["status"],
        requires_review=g["requires_review"], restrictions=g["restrictions"],
    )


def _consent_fact(c: dict) -> p.ConsentFact:
    return p.ConsentFact(
        id=c["id"], seq=c["seq"], talent_id=c["talent_id"], production_id=c["production_id"], status=c["status"],
        grantor_role=c["grantor_role"], representation=c["representation"], replica_type=c["replica_type"],
        modalities=frozenset(c["modalities"]), intended_use_description=c["intended_use_description"],
        permitted_uses=frozenset(c["permitted_uses"]), prohibited_uses=frozenset(c["prohibited_uses"]),
        permitted_shots=frozenset(c["permitted_shots"]), media=frozenset(c["media"]),
        territories=p.Territories.of(c["territories"], c["territory_exclusions"]), languages=frozenset(c["languages"]),
        term=p.Term(_date(c["term_start"]), _date(c["term_end"])), training_permission=c["training_permission"],
        scan_notice_date=_date(c["scan_notice_date"]), union_notified_date=_date(c["union_notified_date"]), requires_review=c["requires_review"],
    )


def _reservation_fact(r: dict) -> p.ReservationFact:
    return p.ReservationFact(id=r["id"], seq=r["seq"], subject_type=r["subject_type"], subject_id=r["subject_id"], uses=frozenset(r["uses"]),
                             effective_date=_date(r["effective_date"]))


def grant_facts(production_id: int, asset_ids, as_of: int) -> list[p.GrantFact]:
    """The grants of the production that cover any of the assets (2 queries)."""
    chains = RightsGrant.objects.filter(production_id=production_id, assets__in=asset_ids).values("chain")
    versions = _as_of(_with_seq(RightsGrant.objects.filter(chain__in=chains), "grant").values(), as_of)
    covered = {}
    through = RightsGrant.assets.through
    for grant_id, asset_id in through.objects.filter(rightsgrant_id__in=[g["id"] for g in versions]).values_list("rightsgrant_id", "asset_id"):
        covered.setdefault(grant_id, set()).add(asset_id)
    return [_grant_fact({**g, "asset_ids": covered.get(g["id"], ())}) for g in versions]


def consent_facts(production_id: int, talent_ids, as_of: int) -> list[p.ConsentFact]:
    qs = ConsentRecord.objects.filter(production_id=production_id, talent_id__in=talent_ids)
    return [_consent_fact(c) for c in _as_of(_with_seq(qs, "consent").values(), as_of)]


def reservation_facts(*, production_id: int, asset_ids, talent_ids, party_ids, as_of: int) -> list[p.ReservationFact]:
    qs = TrainingReservation.objects.filter(
        Q(asset_id__in=asset_ids) | Q(talent_id__in=talent_ids) | Q(party_id__in=party_ids) | Q(production_id=production_id)
    )
    return [
        _reservation_fact({**r, "subject_id": r[f"{r['subject_type']}_id"]})
        for r in _as_of(_with_seq(qs, "reservation").values(), as_of)
        if r["status"] == "active"
    ]


def talents_named_in(prompt: str) -> set[int]:
    """Return the ids of registered talent whose name, professional name or alias the prompt
    contains, whatever the case or accents (one indexed query)."""
    grams = ngrams(prompt or "")
    if not grams:
        return set()
    return set(TalentName.objects.filter(normalized__in=grams).values_list("talent_id", flat=True))


SNAPSHOT_SQL = """
WITH head AS (SELECT COALESCE(max(seq), 0) AS seq FROM rightsledger_ledgerentry),
named AS (SELECT DISTINCT talent_id FROM rightsledger_talentname WHERE normalized = ANY(%(grams)s)),
involved AS (SELECT unnest(%(talents)s::bigint[]) AS id UNION SELECT talent_id FROM named),
grants AS (
    SELECT g.id, g.production_id, g.uses, g.media, g.territories, g.territory_exclusions, g.languages, g.term_start, g.term_end,
           g.status, g.requires_review, g.restrictions,
           ARRAY(SELECT ga.asset_id FROM rightsledger_rightsgrant_assets ga WHERE ga.rightsgrant_id = g.id) AS asset_ids,
           (SELECT le.seq FROM rightsledger_ledgerentry le WHERE le.record_type = 'grant' AND le.record_id = g.id LIMIT 1) AS seq
    FROM rightsledger_rightsgrant g
    WHERE g.production_id = %(production)s
      AND g.id IN (SELECT rightsgrant_id FROM rightsledger_rightsgrant_assets WHERE asset_id = ANY(%(assets)s))
      AND NOT EXISTS (SELECT 1 FROM rightsledger_rightsgrant n WHERE n.replaces_id = g.id)
),
consents AS (
    SELECT c.id, c.talent_id, c.production_id, c.status, c.grantor_role, c.representation, c.replica_type, c.modalities,
           c.intended_use_description, c.permitted_uses, c.prohibited_uses, c.permitted_shots, c.media, c.territories,
           c.territory_exclusions, c.languages, c.term_start, c.term_end, c.training_permission, c.scan_notice_date,
           c.union_notified_date, c.requires_review,
           (SELECT le.seq FROM rightsledger_ledgerentry le WHERE le.record_type = 'consent' AND le.record_id = c.id LIMIT 1) AS seq
    FROM rightsledger_consentrecord c
    WHERE c.production_id = %(production)s AND c.talent_id = ANY(ARRAY(SELECT id FROM involved))
      AND NOT EXISTS (SELECT 1 FROM rightsledger_consentrecord n WHERE n.replaces_id = c.id)
),
reservations AS (
    SELECT r.id, r.subject_type, COALESCE(r.asset_id, r.talent_id, r.party_id, r.production_id) AS subject_id, r.uses, r.effective_date,
           (SELECT le.seq FROM rightsledger_ledgerentry le WHERE le.record_type = 'reservation' AND le.record_id = r.id LIMIT 1) AS seq
    FROM rightsledger_trainingreservation r
    WHERE (r.asset_id = ANY(%(assets)s) OR r.talent_id = ANY(ARRAY(SELECT id FROM involved)) OR r.party_id = ANY(%(parties)s) OR r.production_id = %(production)s)
      AND r.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM rightsledger_trainingreservation n WHERE n.replaces_id = r.id)
),
talents AS (
    SELECT t.id, COALESCE(NULLIF(t.professional_name, ''), t.legal_name) AS name, t.is_deceased, t.is_minor
    FROM rightsledger_talent t WHERE t.id = ANY(ARRAY(SELECT id FROM involved))
)
SELECT (SELECT seq FROM head),
       ARRAY(SELECT talent_id FROM named),
       (SELECT COALESCE(json_agg(grants), '[]') FROM grants),
       (SELECT COALESCE(json_agg(consents), '[]') FROM consents),
       (SELECT COALESCE(json_agg(reservations), '[]') FROM reservations),
       (SELECT COALESCE(json_agg(talents), '[]') FROM talents)
"""


def _snapshot_postgresql(production_id, asset_ids, talent_ids, party_ids, prompt, today) -> tuple[p.Snapshot, set[int]]:
    """The whole snapshot in one statement: one MVCC snapshot, so every record it returns was
    recorded at or below the ledger head it returns. Prepared, so it is planned once per
    connection (planning it costs more than running it)."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    params = {"production": production_id, "assets": list(asset_ids), "talents": list(talent_ids), "parties": list(party_ids), "grams": sorted(ngrams(prompt))}
    started = time.perf_counter()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(SNAPSHOT_SQL, params, prepare=True)
        head, named, grants, consents, reservations, talents = cursor.fetchone()
    if connection.queries_logged:  # as Django's debug cursor logs its own queries
        connection.queries_log.append({"sql": "gate snapshot (prepared)", "time": f"{time.perf_counter() - started:.3f}"})
    return p.Snapshot(
        ledger_size=head,
        today=today,
        grants=tuple(map(_grant_fact, grants)),
        consents=tuple(map(_consent_fact, consents)),
        reservations=tuple(map(_reservation_fact, reservations)),
        talents={t["id"]: p.TalentFact(t["id"], t["name"], t["is_deceased"], t["is_minor"]) for t in talents},
    ), set(named)


def snapshot(*, production_id: int, inputs: list[p.InputFact], talent_ids: set[int], prompt: str = "", as_of: int | None = None,
             today=None) -> tuple[p.Snapshot, set[int]]:
    """Return the records that concern a request, as of ledger sequence number as_of (now if
    None), and the talent the prompt names. The snapshot covers talent_ids and those named.

    On PostgreSQL the current state is read in one statement. A past state (as_of given), and
    SQLite, take the general path: every version of the chains concerned, keeping per chain the
    latest one recorded at or below as_of.
    """
    from django.db import connection

    today = today or datetime.date.today()
    asset_ids = [i.asset_id for i in inputs if i.asset_id is not None]
    party_ids = [i.owner_party_id for i in inputs if i.owner_party_id is not None]
    if as_of is None and connection.vendor == "postgresql":
        return _snapshot_postgresql(production_id, asset_ids, talent_ids, party_ids, prompt, today)
    named = talents_named_in(prompt)
    talent_ids = set(talent_ids) | named
    as_of = ledger_head() if as_of is None else as_of
    talents = {t.pk: p.TalentFact(t.pk, t.professional_name or t.legal_name, t.is_deceased, t.is_minor) for t in Talent.objects.filter(pk__in=talent_ids)}
    return p.Snapshot(
        ledger_size=as_of,
        today=today,
        grants=tuple(grant_facts(production_id, asset_ids, as_of)),
        consents=tuple(consent_facts(production_id, talent_ids, as_of)),
        reservations=tuple(reservation_facts(production_id=production_id, asset_ids=asset_ids, talent_ids=talent_ids, party_ids=party_ids, as_of=as_of)),
        talents=talents,
    ), named
