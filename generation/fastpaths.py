"""The gate's fast paths. Each does what a slower twin does, for the common case, and must stay in
step with it: change one side of a pair, and its equivalence test says whether the other follows.

- plain_request_in mirrors api.serializers.RequestIn (a plain JSON body parsed without a
  serializer). Test: test_request_parse, the plain parse gives what the serializer gives.
- plain_inputs (what api.serializers.InputsField runs) mirrors InputIn, one serializer per input.
  Test: test_fastpaths, inputs checked by hand are what InputIn gives.
- rightsledger.selectors.gate_reads (left in rightsledger, beside its twins) mirrors gate_shot,
  gate_assets and access.roles_of: the three reads in one statement. Test: test_request_parse,
  the gate's written-out reads see exactly what the selectors see.
- SNAPSHOT_SQL and snapshot_postgresql mirror selectors.grant_facts, consent_facts,
  reservation_facts, talents_named_in and ledger_head (the general path). Test:
  test_gate_equivalence, fast and general paths decide alike (cold).
- FACT_ROWS_SQL and the facts kept per process (_FACTS) mirror reading the same rows each time.
  Test: test_gate_equivalence (warm).

Both paths of the snapshot build facts from rows with generation.facts, whose rule (a fact's
field is named like its column) test_fastpaths checks against the models. bench/gate.py measures
the check with them, against its anchors.
"""

import datetime
import json
import re
import time

import psycopg
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection

from rightsledger import input_policy
from rightsledger import input_policy as parse
from rightsledger.names import ngrams
from rightsledger.selectors import RESERVATIONS_IN_FORCE_VIEW
from rightsledger.validation import MAX_ITEMS

from . import policy as p
from .facts import fact_of_row, labour_action_fact, source_columns

# --- The parse of a request -------------------------------------------------------------------


class InputsRefused(ValueError):
    """A list of inputs that InputIn would refuse: the message and code it gives."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


INPUT_FIELDS = ("asset", "upload", "role", "modality", "frames")


def plain_inputs(data: list) -> list[dict]:
    """Return InputIn's validated data for each input of a list, checked by hand (a serializer
    instance per input costs about a millisecond each, which a request with dozens of inputs
    feels). Raises InputsRefused."""
    found = input_policy.problems(data, field="inputs")  # a form's inputs may arrive as JSON text
    if found:
        raise InputsRefused(found[0].message, found[0].code)
    items, allowed = [], set(INPUT_FIELDS)
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InputsRefused(
                f'Input {n} must be an object such as {{"asset": 12, "role": "plate"}}.', "invalid"
            )
        if unknown := sorted(set(item) - allowed):
            raise InputsRefused(
                f"Input {n}: unknown field {', '.join(unknown)}; "
                f"an input takes {', '.join(sorted(allowed))}.",
                "unknown_field",
            )
        items.append(_plain_input(n, item))
    return items


def _plain_input(n: int, item: dict) -> dict:
    asset, upload, role, modality = (
        item.get("asset"),
        item.get("upload"),
        item.get("role"),
        item.get("modality") or "",
    )
    if asset is not None and (isinstance(asset, bool) or not isinstance(asset, int)):
        try:
            asset = parse.whole_number(asset, field="asset", minimum=1)
        except DjangoValidationError:
            raise InputsRefused(f"Input {n}: asset must be an asset id.", "invalid") from None
    if upload is not None and not isinstance(upload, str):
        raise InputsRefused(f"Input {n}: upload names a multipart file field.", "invalid")
    if not isinstance(role, str) or not role:
        raise InputsRefused(
            f"Input {n}: give its role (plate, reference, element, likeness or style).", "required"
        )
    if not isinstance(modality, str):
        raise InputsRefused(f"Input {n}: modality must be text.", "invalid")
    frames = item.get("frames")
    if frames is not None and not (
        isinstance(frames, list)
        and len(frames) == 2
        and all(isinstance(f, int) and not isinstance(f, bool) and 0 <= f < 2**31 for f in frames)
    ):
        raise InputsRefused(
            f"Input {n}: frames must be [first, last], two frame numbers counted from 0, such as [0, 47].",
            "invalid",
        )
    return {"asset": asset, "upload": upload, "role": role, "modality": modality, "frames": frames}


# What RequestIn's text fields refuse once stripped: a NUL, or half of a surrogate pair.
_ODD_TEXT = re.compile("[\x00\ud800-\udfff]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TEXT = {
    "engine": (64, False),
    "engine_version": (32, True),
    "prompt": (None, True),
    "intended_use": (32, False),
    "synthetic_justification": (2000, True),
}  # max length, blank allowed
_LISTS = ("media", "territories", "territory_exclusions", "languages")
_REQUIRED = {
    "shot",
    "engine",
    "seed",
    "intended_use",
    "media",
    "territories",
    "release_start",
    "release_end",
    "inputs",
}
_FLAGS = ("run_when_approved", "advertising_disclosure_acknowledged")
_FIELDS = _REQUIRED | set(_TEXT) | set(_LISTS) | {"parameters", *_FLAGS}


def plain_request_in(data) -> dict | None:
    """RequestIn's validated data for a plain JSON request, without a serializer (its fields cost
    more than the gate's decision): the same values RequestIn gives, with the shot as its id. None
    for anything else (a form, a value of another type or out of range, a missing or unknown
    field, text to strip...): RequestIn then parses it, and gives its errors."""
    if type(data) is not dict or not _REQUIRED <= data.keys() <= _FIELDS or input_policy.problems(data):
        return None
    shot, seed = data["shot"], data["seed"]
    if (
        type(shot) is not int
        or not 0 < shot < 2**31
        or type(seed) is not int
        or type(data.get("parameters", {})) is not dict
        or any(type(data.get(flag, False)) is not bool for flag in _FLAGS)
    ):
        return None
    out = {
        "shot": shot,
        "seed": seed,
        "parameters": data.get("parameters", {}),
        **{flag: data.get(flag, False) for flag in _FLAGS},
    }
    try:
        json.dumps(out["parameters"], allow_nan=False)  # as the JSONField checks it: no NaN or infinity
    except ValueError:
        return None
    for name, (limit, blank) in _TEXT.items():
        value = data.get(name, "")
        if (
            type(value) is not str
            or value != value.strip()
            or (not value and not blank)
            or (limit and len(value) > limit)
            or _ODD_TEXT.search(value)
        ):
            return None
        out[name] = value
    for name in _LISTS:
        values = data.get(name, [])
        if type(values) is not list or len(values) > MAX_ITEMS:
            return None
        for value in values:
            if (
                type(value) is not str
                or not value
                or value != value.strip()
                or len(value) > 200
                or _ODD_TEXT.search(value)
            ):
                return None
        out[name] = list(values)
    return _plain_dates_and_inputs(data, out)


def _plain_dates_and_inputs(data: dict, out: dict) -> dict | None:
    for name in ("release_start", "release_end"):
        value = data[name]
        if type(value) is not str or not _ISO_DATE.fullmatch(value):
            return None
        try:
            out[name] = datetime.date.fromisoformat(value)
        except ValueError:
            return None
    if type(data["inputs"]) is not list:
        return None
    try:
        out["inputs"] = plain_inputs(data["inputs"])
    except InputsRefused:
        return None
    return out


# --- The snapshot of records, in one statement -----------------------------------------------


def _seq_of(record_type: str, alias: str) -> str:
    return (
        "(SELECT le.seq FROM rightsledger_ledgerentry le "  # nosec B608: constants of this module
        f"WHERE le.record_type = '{record_type}' AND le.record_id = {alias}.id LIMIT 1) AS seq"
    )


def _select(alias: str, fact) -> str:
    return ", ".join(f"{alias}.{c}" for c in source_columns(fact))


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
      AND g.id IN (
          SELECT rightsgrant_id FROM rightsledger_rightsgrant_assets WHERE asset_id = ANY(%(assets)s)
      )
      AND NOT EXISTS (SELECT 1 FROM rightsledger_rightsgrant n WHERE n.replaces_id = g.id)
),
consents AS (
    SELECT c.id, c.xmin::text AS xmin
    FROM rightsledger_consentrecord c
    WHERE c.production_id = %(production)s AND c.talent_id = ANY(ARRAY(SELECT id FROM involved))
      AND NOT EXISTS (SELECT 1 FROM rightsledger_consentrecord n WHERE n.replaces_id = c.id)
),
reservations AS (
    SELECT {_select("r", p.ReservationFact)},
           COALESCE(r.asset_id, r.talent_id, r.party_id, r.production_id) AS subject_id,
           {_seq_of("reservation", "r")}
    FROM {RESERVATIONS_IN_FORCE_VIEW} r
    WHERE r.asset_id = ANY(%(assets)s) OR r.talent_id = ANY(ARRAY(SELECT id FROM involved))
       OR r.party_id = ANY(%(parties)s) OR r.production_id = %(production)s
),
talents AS (
    SELECT t.id, COALESCE(NULLIF(t.professional_name, ''), t.legal_name) AS name, t.is_deceased, t.is_minor,
           ARRAY(SELECT m.guild_id FROM rightsledger_guildmembership m WHERE m.talent_id = t.id) AS guild_ids
    FROM rightsledger_talent t WHERE t.id = ANY(ARRAY(SELECT id FROM involved))
),
labour AS (
    SELECT la.id, la.guild_id, COALESCE(NULLIF(g.abbreviation, ''), g.name) AS guild_name, la.started_on,
           la.ended_on
    FROM rightsledger_labouraction la JOIN rightsledger_guild g ON g.id = la.guild_id
    WHERE la.production_id = %(production)s
)
SELECT (SELECT seq FROM head),
       ARRAY(SELECT talent_id FROM named),
       ARRAY(SELECT id FROM grants ORDER BY id), ARRAY(SELECT xmin FROM grants ORDER BY id),
       ARRAY(SELECT id FROM consents ORDER BY id), ARRAY(SELECT xmin FROM consents ORDER BY id),
       (SELECT COALESCE(json_agg(reservations), '[]') FROM reservations),
       (SELECT COALESCE(json_agg(talents), '[]') FROM talents),
       (SELECT COALESCE(json_agg(labour), '[]') FROM labour)
"""  # nosec B608: built from this module's constants (tables, columns); values are bound parameters


def _rows_sql(table: str, alias: str, fact, record_type: str, extra: str = "") -> str:
    """The rows of a table's records, by id, as JSON with the columns a fact is built from."""
    return (
        "SELECT COALESCE(json_agg(x), '[]') "  # nosec B608: constants
        f"FROM (SELECT {_select(alias, fact)}, {alias}.xmin::text AS xmin, {extra}"
        f"{_seq_of(record_type, alias)} FROM {table} {alias} WHERE {alias}.id = ANY(%(ids)s)) x"
    )


# The rows of grants and consents not yet seen by this process, by id.
FACT_ROWS_SQL = {
    p.GrantFact: _rows_sql(
        "rightsledger_rightsgrant",
        "g",
        p.GrantFact,
        "grant",
        "ARRAY(SELECT ga.asset_id FROM rightsledger_rightsgrant_assets ga WHERE ga.rightsgrant_id = g.id) "
        "AS asset_ids, ",
    ),
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
            _FACTS.put((database, fact, row["id"], row["xmin"]), fact_of_row(fact, row))
    out = []
    for k in keys:
        found = _FACTS.get(k)
        if found is None:  # rewritten between the two statements: read as it is now
            cursor.execute(FACT_ROWS_SQL[fact], {"ids": [k[2]]})
            found = fact_of_row(fact, cursor.fetchone()[0][0])
        out.append(found)
    return tuple(out)


def snapshot_postgresql(
    production_id, asset_ids, talent_ids, party_ids, prompt, today
) -> tuple[p.Snapshot, set[int]]:
    """The current state in one statement: one MVCC snapshot, so every record it names was
    recorded at or below the ledger head it returns. Prepared, so it is planned once per
    connection (planning it costs more than running it)."""
    connection.ensure_connection()
    params = {
        "production": production_id,
        "assets": list(asset_ids),
        "talents": list(talent_ids),
        "parties": list(party_ids),
        "grams": sorted(ngrams(prompt)),
    }
    database = connection.settings_dict["NAME"]
    started = time.perf_counter()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(SNAPSHOT_SQL, params, prepare=True)
        head, named, grant_ids, grant_xmins, consent_ids, consent_xmins, reservations, talents, labour = (
            cursor.fetchone()
        )
        grants = _cached_facts(cursor, database, p.GrantFact, grant_ids, grant_xmins)
        consents = _cached_facts(cursor, database, p.ConsentFact, consent_ids, consent_xmins)
    if connection.queries_logged:  # as Django's debug cursor logs its own queries
        connection.queries_log.append(
            {"sql": "gate snapshot (prepared)", "time": f"{time.perf_counter() - started:.3f}"}
        )
    return p.Snapshot(
        as_of_seq=head,
        today=today,
        grants=grants,
        consents=consents,
        reservations=tuple(fact_of_row(p.ReservationFact, r) for r in reservations),
        talents={
            t["id"]: p.TalentFact(
                t["id"], t["name"], t["is_deceased"], t["is_minor"], frozenset(t["guild_ids"])
            )
            for t in talents
        },
        labour_actions=tuple(labour_action_fact(a) for a in labour),
    ), set(named)
