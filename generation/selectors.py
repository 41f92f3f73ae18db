"""Reads for the gate: the snapshot of records a request needs, as of one ledger sequence number.

The number of queries does not depend on how many grants or consents exist: each read is by
the request's assets, talents, owners and production, through indexes.
"""

import dataclasses
import datetime
import functools
import time

from django.db.models import Max, OuterRef, Q, Subquery

from rightsledger.models import ConsentRecord, LedgerEntry, RightsGrant, Talent, TalentName, TrainingReservation
from rightsledger.names import ngrams
from rightsledger.selectors import RESERVATIONS_IN_FORCE_VIEW

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


# Facts are built from rows of the record's columns (plus what is computed: seq, asset ids, the
# subject): the general path reads rows with values(), the PostgreSQL statement returns them as
# JSON. Both derive the columns and the conversion from the fact's fields, so a field added to a
# fact and its model needs no edit here.


def _source_columns(fact, computed: set[str]) -> list[str]:
    """Return the record's columns a fact is built from."""
    columns = []
    for f in dataclasses.fields(fact):
        if f.name in computed:
            continue
        columns += {"Territories": ["territories", "territory_exclusions"], "Term": ["term_start", "term_end"]}.get(f.type, [f.name])
    return columns


@functools.cache
def _converters(fact) -> tuple:
    """Return, once per fact class, how each of its fields is read from a row."""
    out = []
    for f in dataclasses.fields(fact):
        if f.type == "Territories":
            out.append((f.name, lambda row, _: p.Territories.of(row["territories"], row["territory_exclusions"])))
        elif f.type == "Term":
            out.append((f.name, lambda row, _: p.Term(_date(row["term_start"]), _date(row["term_end"]))))
        elif f.type.startswith("frozenset"):
            out.append((f.name, lambda row, name: frozenset(row[name])))
        elif "date" in f.type:
            out.append((f.name, lambda row, name: _date(row[name])))
        else:
            out.append((f.name, lambda row, name: row[name]))
    return tuple(out)


def _fact(fact, row: dict):
    """Return a fact of the given class from a row of its source columns."""
    return fact(**{name: read(row, name) for name, read in _converters(fact)})


def grant_facts(production_id: int, asset_ids, as_of: int) -> list[p.GrantFact]:
    """The grants of the production that cover any of the assets (2 queries)."""
    chains = RightsGrant.objects.filter(production_id=production_id, assets__in=asset_ids).values("chain")
    versions = _as_of(_with_seq(RightsGrant.objects.filter(chain__in=chains), "grant").values(), as_of)
    covered = {}
    through = RightsGrant.assets.through
    for grant_id, asset_id in through.objects.filter(rightsgrant_id__in=[g["id"] for g in versions]).values_list("rightsgrant_id", "asset_id"):
        covered.setdefault(grant_id, set()).add(asset_id)
    return [_fact(p.GrantFact, {**g, "asset_ids": covered.get(g["id"], ())}) for g in versions]


def consent_facts(production_id: int, talent_ids, as_of: int) -> list[p.ConsentFact]:
    """The consents of the production from the talents, as of a sequence number (1 query)."""
    qs = ConsentRecord.objects.filter(production_id=production_id, talent_id__in=talent_ids)
    return [_fact(p.ConsentFact, c) for c in _as_of(_with_seq(qs, "consent").values(), as_of)]


def reservation_facts(*, production_id: int, asset_ids, talent_ids, party_ids, as_of: int) -> list[p.ReservationFact]:
    """The reservations on the assets, talents, owners or production that were in force as of a
    sequence number (1 query)."""
    qs = TrainingReservation.objects.filter(
        Q(asset_id__in=asset_ids) | Q(talent_id__in=talent_ids) | Q(party_id__in=party_ids) | Q(production_id=production_id)
    )
    return [
        _fact(p.ReservationFact, {**r, "subject_id": r[f"{r['subject_type']}_id"]})
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


def _seq_of(record_type: str, alias: str) -> str:
    return f"(SELECT le.seq FROM rightsledger_ledgerentry le WHERE le.record_type = '{record_type}' AND le.record_id = {alias}.id LIMIT 1) AS seq"  # nosec B608: constants of this module


def _select(alias: str, fact, computed: set[str]) -> str:
    return ", ".join(f"{alias}.{c}" for c in _source_columns(fact, computed))


# The current version of each record (nothing replaces it); reservations in force come from the
# view that defines them (rightsledger.selectors.reservations_in_force reads the same view).
# Grants and consents come back as (id, xmin) only: their rows are append-only, so the facts
# built from a row are kept per process (_FACTS) and read again only for rows not seen before.
SNAPSHOT_SQL = f"""
WITH head AS (SELECT COALESCE(max(seq), 0) AS seq FROM rightsledger_ledgerentry),
named AS (SELECT DISTINCT talent_id FROM rightsledger_talentname WHERE normalized = ANY(%(grams)s)),
involved AS (SELECT unnest(%(talents)s::bigint[]) AS id UNION SELECT talent_id FROM named),
grants AS (
    SELECT g.id, g.xmin::text AS xmin
    FROM rightsledger_rightsgrant g
    WHERE g.production_id = %(production)s
      AND g.id IN (SELECT rightsgrant_id FROM rightsledger_rightsgrant_assets WHERE asset_id = ANY(%(assets)s))
      AND NOT EXISTS (SELECT 1 FROM rightsledger_rightsgrant n WHERE n.replaces_id = g.id)
),
consents AS (
    SELECT c.id, c.xmin::text AS xmin
    FROM rightsledger_consentrecord c
    WHERE c.production_id = %(production)s AND c.talent_id = ANY(ARRAY(SELECT id FROM involved))
      AND NOT EXISTS (SELECT 1 FROM rightsledger_consentrecord n WHERE n.replaces_id = c.id)
),
reservations AS (
    SELECT {_select("r", p.ReservationFact, {"seq", "subject_id"})},
           COALESCE(r.asset_id, r.talent_id, r.party_id, r.production_id) AS subject_id, {_seq_of("reservation", "r")}
    FROM {RESERVATIONS_IN_FORCE_VIEW} r
    WHERE r.asset_id = ANY(%(assets)s) OR r.talent_id = ANY(ARRAY(SELECT id FROM involved)) OR r.party_id = ANY(%(parties)s) OR r.production_id = %(production)s
),
talents AS (
    SELECT t.id, COALESCE(NULLIF(t.professional_name, ''), t.legal_name) AS name, t.is_deceased, t.is_minor
    FROM rightsledger_talent t WHERE t.id = ANY(ARRAY(SELECT id FROM involved))
)
SELECT (SELECT seq FROM head),
       ARRAY(SELECT talent_id FROM named),
       ARRAY(SELECT id FROM grants ORDER BY id), ARRAY(SELECT xmin FROM grants ORDER BY id),
       ARRAY(SELECT id FROM consents ORDER BY id), ARRAY(SELECT xmin FROM consents ORDER BY id),
       (SELECT COALESCE(json_agg(reservations), '[]') FROM reservations),
       (SELECT COALESCE(json_agg(talents), '[]') FROM talents)
"""  # nosec B608: built from this module's constants (tables, columns); values are bound parameters


def _rows_sql(table: str, alias: str, fact, record_type: str, extra: str = "") -> str:
    """The rows of a table's records, by id, as JSON with the columns a fact is built from."""
    computed = {"seq", "asset_ids"} if fact is p.GrantFact else {"seq"}
    return (f"SELECT COALESCE(json_agg(x), '[]') FROM (SELECT {_select(alias, fact, computed)}, {alias}.xmin::text AS xmin, {extra}"  # nosec B608: constants
            f"{_seq_of(record_type, alias)} FROM {table} {alias} WHERE {alias}.id = ANY(%(ids)s)) x")


# The rows of grants and consents not yet seen by this process, by id.
FACT_ROWS_SQL = {
    p.GrantFact: _rows_sql("rightsledger_rightsgrant", "g", p.GrantFact, "grant",
                           "ARRAY(SELECT ga.asset_id FROM rightsledger_rightsgrant_assets ga WHERE ga.rightsgrant_id = g.id) AS asset_ids, "),
    p.ConsentFact: _rows_sql("rightsledger_consentrecord", "c", p.ConsentFact, "consent"),
}


class _FactCache:
    """Facts of append-only rows, by (database, id, xmin): a row's id and the transaction that
    wrote it name one row for good, so a fact never goes stale (a row rewritten in place, were
    one ever, has a new xmin). Bounded: the oldest entries go first."""

    def __init__(self, limit: int = 200_000):
        self.limit, self.facts = limit, {}

    def get(self, key):
        return self.facts.get(key)

    def put(self, key, fact) -> None:
        if len(self.facts) >= self.limit:
            for old in list(self.facts)[: self.limit // 10]:
                self.facts.pop(old, None)  # another thread may have taken it
        self.facts[key] = fact


_FACTS = _FactCache()


def _cached_facts(cursor, database: str, fact, ids: list[int], xmins: list[str]) -> tuple:
    """Return the facts of the rows (id, xmin), reading the rows this process has not seen."""
    keys = [(database, fact, i, x) for i, x in zip(ids, xmins)]
    missing = [k[2] for k in keys if _FACTS.get(k) is None]
    if missing:
        cursor.execute(FACT_ROWS_SQL[fact], {"ids": missing}, prepare=True)
        for row in cursor.fetchone()[0]:
            _FACTS.put((database, fact, row["id"], row["xmin"]), _fact(fact, row))
    out = []
    for k in keys:
        found = _FACTS.get(k)
        if found is None:  # rewritten between the two statements: read as it is now
            cursor.execute(FACT_ROWS_SQL[fact], {"ids": [k[2]]})
            found = _fact(fact, cursor.fetchone()[0][0])
        out.append(found)
    return tuple(out)


def _snapshot_postgresql(production_id, asset_ids, talent_ids, party_ids, prompt, today) -> tuple[p.Snapshot, set[int]]:
    """The current state in one statement: one MVCC snapshot, so every record it names was
    recorded at or below the ledger head it returns. Prepared, so it is planned once per
    connection (planning it costs more than running it)."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    params = {"production": production_id, "assets": list(asset_ids), "talents": list(talent_ids), "parties": list(party_ids), "grams": sorted(ngrams(prompt))}
    database = connection.settings_dict["NAME"]
    started = time.perf_counter()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(SNAPSHOT_SQL, params, prepare=True)
        head, named, grant_ids, grant_xmins, consent_ids, consent_xmins, reservations, talents = cursor.fetchone()
        grants = _cached_facts(cursor, database, p.GrantFact, grant_ids, grant_xmins)
        consents = _cached_facts(cursor, database, p.ConsentFact, consent_ids, consent_xmins)
    if connection.queries_logged:  # as Django's debug cursor logs its own queries
        connection.queries_log.append({"sql": "gate snapshot (prepared)", "time": f"{time.perf_counter() - started:.3f}"})
    return p.Snapshot(
        as_of_seq=head,
        today=today,
        grants=grants,
        consents=consents,
        reservations=tuple(_fact(p.ReservationFact, r) for r in reservations),
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
        as_of_seq=as_of,
        today=today,
        grants=tuple(grant_facts(production_id, asset_ids, as_of)),
        consents=tuple(consent_facts(production_id, talent_ids, as_of)),
        reservations=tuple(reservation_facts(production_id=production_id, asset_ids=asset_ids, talent_ids=talent_ids, party_ids=party_ids, as_of=as_of)),
        talents=talents,
    ), named


def request_entries(request_id: int):
    """Return the ledger entries of a request's whole story, in order: the request and its state
    changes, its decisions, sign-offs and output (each of those is its own record)."""
    from .models import Decision, GenerationOutput, SignOff

    return LedgerEntry.objects.filter(
        Q(record_type="generation_request", record_id=request_id)
        | Q(record_type="decision", record_id__in=Decision.objects.filter(request_id=request_id).values("id"))
        | Q(record_type="sign_off", record_id__in=SignOff.objects.filter(request_id=request_id).values("id"))
        | Q(record_type="generation_output", record_id__in=GenerationOutput.objects.filter(request_id=request_id).values("id"))
    ).order_by("seq")


# --- Reads for people: the portal and the API ----------------------------------------------------


def requests_for(user):
    """Return the generation requests of the productions the user may see, newest first."""
    from rightsledger import access

    from .models import GenerationRequest

    return access.filter_by_production(GenerationRequest.objects.all(), user).order_by("-id")


def shots_with_generations(user, production_id: int):
    """Return the production's shots, each with its requests (newest first) and their outputs:
    three queries, whatever the number of shots and requests."""
    from django.db.models import Prefetch

    from rightsledger.selectors import shots_for

    from .models import GenerationRequest

    requests = GenerationRequest.objects.select_related("output", "requester").order_by("-id")
    return shots_for(user).filter(production_id=production_id).prefetch_related(Prefetch("generation_requests", queryset=requests)).order_by("code")


def sign_off_queue(user):
    """Return the requests awaiting a sign-off (or holding an output for clearance) in the
    productions where the user is clearance, oldest first."""
    from rightsledger import access

    from .models import GenerationRequest

    qs = GenerationRequest.objects.filter(status__in=("needs_clearance", "held")).select_related("shot", "production", "requester")
    return access.filter_by_production(qs, user, roles=access.CLEARANCE_ROLES).order_by("id")


def revocation_impact(record_type: str, chain, *, user) -> dict:
    """Return what relied on any version of a grant or consent (by its chain): the decisions
    that named it, and their requests, shots and outputs, with the requests still waiting to
    run. A revocation stops those at run time (the run re-checks against the ledger).

    The requests, shots and outputs are those of productions the user may read (user None: the
    service's own read, for the tracker's posts); relied_on says whether any decision relied on
    it at all. A guild's representative, who reads its member's consent but not the production,
    learns only that: relied_on, with no production record."""
    from django.db import connection

    from rightsledger.models import ConsentRecord, RightsGrant

    from .models import Decision, GenerationOutput, GenerationRequest

    model = {"grant": RightsGrant, "consent": ConsentRecord}[record_type]
    ids = list(model.objects.filter(chain=chain).values_list("id", flat=True))
    if connection.vendor == "postgresql":
        q = Q(pk__in=[])
        for record_id in ids:
            q |= Q(reasons__contains=[{"records": [{"type": record_type, "id": record_id}]}])
        decisions = Decision.objects.filter(q)
    else:  # SQLite has no JSON containment: read the decisions of the productions concerned
        production_ids = model.objects.filter(chain=chain).values("production_id")
        wanted = set(ids)
        decisions = Decision.objects.filter(pk__in=[
            d.pk for d in Decision.objects.filter(request__production_id__in=production_ids)
            if any(r["type"] == record_type and r["id"] in wanted for reason in d.reasons for r in reason["records"])
        ])
    request_ids = set(decisions.values_list("request_id", flat=True))
    readable = GenerationRequest.objects.all() if user is None else requests_for(user)
    requests = list(readable.filter(pk__in=request_ids).select_related("shot").order_by("id"))
    outputs = list(GenerationOutput.objects.filter(request_id__in=[r.pk for r in requests])
                   .select_related("asset", "request__shot").order_by("id"))
    return {
        "record_type": record_type,
        "versions": ids,
        "relied_on": bool(request_ids),
        "shots": sorted({r.shot for r in requests}, key=lambda s: s.code),
        "requests": requests,
        "pending": [r for r in requests if r.status in ("approved", "needs_clearance", "queued", "running")],
        "outputs": outputs,
    }


def shot_audit(shot) -> dict:
    """Return everything an audit of a shot shows: each generation with its inputs, decisions
    (with the grants and consents relied on), sign-offs and output, and which of their ledger
    entries the latest checkpoint covers. A fixed number of queries, whatever the generations."""
    from django.db.models import Prefetch

    from rightsledger.models import Checkpoint, LedgerLeaf

    from .models import Decision, GenerationOutput, GenerationRequest, RequestInput, SignOff

    requests = list(
        GenerationRequest.objects.filter(shot=shot).select_related("requester").prefetch_related(
            Prefetch("inputs", queryset=RequestInput.objects.select_related("asset")),
            Prefetch("decisions", queryset=Decision.objects.order_by("id")),
            Prefetch("sign_offs", queryset=SignOff.objects.select_related("approver").order_by("id")),
        ).order_by("id")
    )
    outputs = {o.request_id: o for o in GenerationOutput.objects.filter(request__in=requests).select_related("asset")}
    seqs = {d.ledger_seq for r in requests for d in r.decisions.all()} | {s.ledger_seq for r in requests for s in r.sign_offs.all()}
    seqs |= {o.ledger_seq for o in outputs.values()}
    latest = Checkpoint.objects.order_by("-size").first()
    leaves = dict(LedgerLeaf.objects.filter(entry_id__in=seqs - {None}).values_list("entry_id", "index"))
    covered = {seq for seq, index in leaves.items() if latest is not None and index < latest.size}
    generations = []
    for r in requests:
        decisions = list(r.decisions.all())
        records = sorted({(x["type"], x["id"], x.get("seq")) for d in decisions for reason in d.reasons for x in reason["records"]
                          if x["type"] in ("grant", "consent", "reservation")})
        generations.append({"request": r, "inputs": list(r.inputs.all()), "decisions": decisions, "sign_offs": list(r.sign_offs.all()),
                            "output": outputs.get(r.pk), "records": records})
    return {"generations": generations, "covered": covered, "leaves": leaves, "checkpoint": latest}


def revoked_since(decision) -> list[dict]:
    """Return the grants and consents a decision relied on that have been revoked since (their
    chain's current version is a revocation), each with when and why: what to flag on the
    request and its output. Two queries."""
    from rightsledger.models import ConsentRecord, RightsGrant

    relied = {(x["type"], x["id"]) for reason in decision.reasons for x in reason["records"] if x["type"] in ("grant", "consent")}
    out = []
    for kind, model in (("grant", RightsGrant), ("consent", ConsentRecord)):
        ids = [i for t, i in relied if t == kind]
        if not ids:
            continue
        chains = model.objects.filter(pk__in=ids).values("chain")
        for current in model.objects.filter(chain__in=chains, replaced_by__isnull=True, action="revoked"):
            out.append({"type": kind, "id": current.pk, "when": current.created_at, "reason": current.reason,
                        "partial": current.status != "revoked"})
    return sorted(out, key=lambda r: (r["type"], r["id"]))
