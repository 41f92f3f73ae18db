"""The gate's decision for a request with 20 inputs and 3 talents, against 1,000,000 grants and
100,000 consents in PostgreSQL: in process (latency and queries per decision), and over HTTP
with gunicorn (decisions/s and latency, driven by wrk).

Prints JSON and writes bench/results/gate.json. The data set is built once, with set-based SQL.
"""

import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import gunicorn, percentiles, port, report, setup_django, size  # noqa: E402

# The smoke size keeps what the request needs: 117 plates and the 11th talent.
GRANTS = int(os.environ.get("BENCH_GRANTS") or size(1_000_000, 1_000))
CONSENTS = int(os.environ.get("BENCH_CONSENTS") or size(100_000, 100))
ASSETS = GRANTS // 5
TALENTS = CONSENTS // 5
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or size(300, 2))
HTTP_SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS") or size(20, 1))  # per path, over every round
HTTP_ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS") or size(4, 1))
DB = "rightsledger_bench_gate"


def build(cursor, studio_id, production_id, party_id):
    """Bulk data: assets, grants (5 per asset), talent with names, consents (5 per talent), and
    a ledger entry for every grant and consent."""
    t = time.perf_counter()
    cursor.execute(
        """
        INSERT INTO rightsledger_asset (production_id, sha256, kind, media_type, size, original_filename,
            title, file, origin, created_at, codec, personal_salt)
        SELECT %s, encode(sha256(('asset' || i)::bytea), 'hex'), 'plate', 'image/png', 1000,
               'p' || i || '.png', '', 'assets/bench/' || i, 'ingested', now(), '', ''
        FROM generate_series(1, %s) AS i
        """,
        [production_id, ASSETS],
    )
    cursor.execute("SELECT min(id) FROM rightsledger_asset WHERE file LIKE 'assets/bench/%%'")
    first_asset = cursor.fetchone()[0]
    cursor.execute(
        """
        INSERT INTO rightsledger_rightsgrant (chain, version, action, status, reason, created_at, grantor_id,
            production_id, uses, media, territories, territory_exclusions, languages, term_start, term_end,
            exclusivity, restrictions, requires_review, contract_sha256, personal_salt)
        SELECT gen_random_uuid(), 1, 'created', 'active', '', now(), %s, %s,
               CASE WHEN layer = 3 THEN '["edit", "display"]' ELSE '["genai_input", "edit"]' END::jsonb,
               '["theatrical", "svod"]'::jsonb,
               CASE WHEN layer = 1 THEN '["US", "CA"]' ELSE '["WORLD"]' END::jsonb,
               CASE WHEN layer = 2 THEN '["CN"]' ELSE '[]' END::jsonb,
               '[]'::jsonb, DATE '2026-01-01', DATE '2035-12-31', 'non_exclusive', '', false,
               encode(sha256(('c' || i)::bytea), 'hex'), ''
        FROM generate_series(0, %s - 1) AS i, LATERAL (SELECT (i / %s) %% 5 AS layer) AS l
        """,
        [party_id, production_id, GRANTS, ASSETS],
    )
    cursor.execute("SELECT min(id) FROM rightsledger_rightsgrant")
    first_grant = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO rightsledger_rightsgrant_assets (rightsgrant_id, asset_id) "
        "SELECT id, %s + ((id - %s) %% %s) FROM rightsledger_rightsgrant",
        [first_asset, first_grant, ASSETS],
    )
    cursor.execute(
        """
        INSERT INTO rightsledger_talent (legal_name, professional_name, aliases, is_deceased, is_minor,
            external_ids, created_at, personal_salt)
        SELECT 'Performer ' || i || ' Surname' || i, '', '[]'::jsonb, false, false, '{}'::jsonb, now(), ''
        FROM generate_series(1, %s) AS i
        """,
        [TALENTS],
    )
    cursor.execute(
        "INSERT INTO rightsledger_talentname (talent_id, normalized, words) "
        "SELECT id, lower(legal_name), 3 FROM rightsledger_talent"
    )
    cursor.execute("SELECT min(id) FROM rightsledger_talent")
    first_talent = cursor.fetchone()[0]
    cursor.execute(
        """
        INSERT INTO rightsledger_consentrecord (chain, version, action, status, reason, created_at, talent_id,
            production_id, grantor_role, grantor_name, representation, replica_type, modalities,
            intended_use_description, permitted_uses, prohibited_uses, prohibited_uses_note, permitted_shots,
            permitted_scenes, media, territories, territory_exclusions, languages, term_start, term_end,
            training_permission, compensation_reference, evidence_sha256, scan_notice_date,
            union_notified_date, requires_review, revocation_scope, personal_salt, residual_terms_reference,
            capture_business_reason)
        SELECT gen_random_uuid(), 1, 'created', 'active', '', now(), %s + (i %% %s), %s, 'performer', '',
               'counsel', 'employment_based', '["face", "body"]'::jsonb,
               'Digital replica of the performer for the harbour scenes of episode 102, shots 10 to 60.',
               CASE WHEN (i / %s) %% 5 = 0 THEN '["likeness", "atmosphere"]' ELSE '["crowd_fill"]' END::jsonb,
               '[]'::jsonb, '', '[]'::jsonb, '[]'::jsonb,
               '["theatrical", "svod"]'::jsonb, '["WORLD"]'::jsonb, '[]'::jsonb, '[]'::jsonb,
               DATE '2026-01-01', DATE '2030-12-31', 'none', '', encode(sha256(('e' || i)::bytea), 'hex'),
               DATE '2025-12-01', DATE '2025-12-02', false, '{}'::jsonb, '', '', ''
        FROM generate_series(0, %s - 1) AS i
        """,
        [first_talent, TALENTS, production_id, TALENTS, CONSENTS],
    )
    # Every row written here gets its ledger entry in this transaction, as the database demands.
    for table, kind, chain, production in (
        ("rightsledger_rightsgrant", "grant", "chain", "production_id"),
        ("rightsledger_consentrecord", "consent", "chain", "production_id"),
        ("rightsledger_asset", "asset", "NULL::uuid", "production_id"),
        ("rightsledger_talent", "talent", "NULL::uuid", "NULL::bigint"),
    ):
        cursor.execute(
            f"""
            INSERT INTO rightsledger_ledgerentry (seq, entry_type, actor, time, body, leaf_hash, record_type,
                record_id, chain, production_id, txid)
            SELECT nextval('rightsledger_ledger_seq'), '{kind}.created', 'system', now(),
                   convert_to('{{"{kind}":' || id || '}}', 'UTF8'),
                   sha256(convert_to('{{"{kind}":' || id || '}}', 'UTF8')), '{kind}', id, {chain},
                   {production}, txid_current()
            FROM {table} WHERE NOT EXISTS (
                SELECT 1 FROM rightsledger_ledgerentry e
                WHERE e.record_type = '{kind}' AND e.record_id = {table}.id
            )
            """
        )
    cursor.execute("ANALYZE")
    return first_asset, first_talent, time.perf_counter() - t


def dataset():
    """The bench's data set (built on first use) and the request it decides: returns
    (user, shot, inputs, args for the service, build seconds or None)."""
    setup_django(DB)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from rightsledger import services, vocab
    from rightsledger.models import Asset, Production, Studio

    User = get_user_model()
    build_seconds = None
    if not Studio.objects.filter(slug="gatebench").exists():
        with transaction.atomic():
            studio = services.studio_create(actor=None, name="Gate Bench", slug="gatebench")
            prod = services.production_create(actor=None, studio=studio, title="Bench", code="bench")
            party = services.party_create(actor=None, studio=studio, name="Stock", kind="rights_holder")
            services.shot_create(actor=None, production=prod, code="EP102_SH0040")
            user = User.objects.create_user("bench-producer")
            services.role_grant(actor=None, user=user, kind=vocab.ROLE_PRODUCER, production=prod)
            with connection.cursor() as cursor:
                first_asset, first_talent, build_seconds = build(cursor, studio.pk, prod.pk, party.pk)
            # Three likeness references, of performers with a consent for this use.
            for k in (0, 5, 10):
                Asset.objects.filter(pk=first_asset + k).update(
                    kind="likeness_reference", talent_id=first_talent + k
                )
    prod = Production.objects.get(code="bench", studio__slug="gatebench")
    shot = prod.shots.get()
    user = User.objects.get(username="bench-producer")
    first_asset = Asset.objects.filter(production=prod).order_by("id").values_list("id", flat=True)[0]
    # Inputs: 17 plates (each under 5 grants of different scope) and the 3 likeness references.
    likeness = list(Asset.objects.filter(production=prod, kind="likeness_reference").order_by("id"))
    plates = list(
        Asset.objects.filter(production=prod, kind="plate", pk__gte=first_asset + 100).order_by("id")[:17]
    )
    inputs = [{"asset": a, "role": "plate"} for a in plates] + [
        {"asset": a, "role": "likeness"} for a in likeness
    ]
    args = dict(
        production=prod,
        shot=shot,
        engine="atmosphere",
        seed=1,
        intended_use="atmosphere",
        media=["theatrical", "svod"],
        territories=["US", "FR", "JP"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2029, 5, 31),
        inputs=inputs,
        prompt="rain over the harbour, wide",
    )
    return user, shot, inputs, args, build_seconds


def http_body(shot, inputs) -> dict:
    """The same request as JSON, as the API takes it."""
    return {
        "shot": shot.pk,
        "engine": "atmosphere",
        "seed": 1,
        "intended_use": "atmosphere",
        "media": ["theatrical", "svod"],
        "territories": ["US", "FR", "JP"],
        "release_start": "2026-06-01",
        "release_end": "2029-05-31",
        "prompt": "rain over the harbour, wide",
        "inputs": [{"asset": i["asset"].pk, "role": i["role"]} for i in inputs],
    }


def main():
    user, shot, inputs, args, build_seconds = dataset()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from generation import services as gen
    from rightsledger.models import RightsGrant, Talent

    prod = args["production"]
    likeness = [i["asset"] for i in inputs if i["role"] == "likeness"]
    plates = [i["asset"] for i in inputs if i["role"] == "plate"]
    outcome = gen.request_check(**args)
    talent_count = len({a.talent_id for a in likeness})

    def timed(fn):
        samples, queries = [], []
        for _ in range(ROUNDS):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - t)
            queries.append(len(ctx.captured_queries))
        return {**percentiles(samples), "queries_per_decision": max(queries)}

    check = timed(lambda: gen.request_check(**args))
    # The anchor in process: the snapshot statement alone, as PostgreSQL times it.
    check["anchor_snapshot_statement_ms"] = snapshot_statement_ms(prod, plates + likeness, args["prompt"])
    check["python_ms"] = round(check["p50_ms"] - check["anchor_snapshot_statement_ms"], 3)
    submit = timed(lambda: gen.request_submit(actor=user, **args))

    # Over HTTP: gunicorn with one worker per core, wrk on the same machine, the anchor and the
    # gate in turns so that each round's share compares them under the same conditions.
    token, _ = Token.objects.get_or_create(user=user)
    body = http_body(shot, inputs)
    http = {}
    if shutil.which("wrk"):
        # A second anchor: the check without the policy (the same parse, reads and snapshot
        # statement, an answer of the same size), i.e. what the framework and PostgreSQL cost.
        paths = {
            "anchor_noop_drf_view": "/bench/noop/",
            "anchor_check_without_policy": "/bench/reads-only/",
            "check": "/api/generation/requests/check/",
            "submit": "/api/generation/requests/",
        }
        http = over_http(paths, body, token.key)
        for name, part, anchor in (
            ("check_share_of_anchor", "check", "anchor_noop_drf_view"),
            ("without_policy_share_of_anchor", "anchor_check_without_policy", "anchor_noop_drf_view"),
            ("check_share_of_without_policy", "check", "anchor_check_without_policy"),
        ):
            shares = sorted(
                c["per_second"] / a["per_second"]
                for a, c in zip(http[anchor]["rounds"], http[part]["rounds"])
            )
            http[name] = round(statistics.median(shares), 3)
            http[name + "_per_round"] = [round(x, 3) for x in shares]
    report(
        "gate",
        {
            "grants": RightsGrant.objects.count(),
            "consents": s_count("rightsledger_consentrecord"),
            "talent": Talent.objects.count(),
            "inputs": len(inputs),
            "talents_in_request": talent_count,
            "decision": outcome.outcome,
            "reasons": len(outcome.reasons),
            "dataset_build_seconds": round(build_seconds, 1) if build_seconds else None,
            "in_process": {"check_no_writes": check, "submit_recorded": submit},
            "http_gunicorn": http,
        },
    )


def snapshot_statement_ms(prod, assets, prompt) -> float:
    """The p50 execution time of the gate's snapshot statement, from EXPLAIN ANALYZE."""
    import psycopg
    from django.db import connection

    from generation.fastpaths import SNAPSHOT_SQL
    from rightsledger.names import ngrams

    params = {
        "production": prod.pk,
        "assets": [a.pk for a in assets],
        "talents": [a.talent_id for a in assets if a.talent_id],
        "parties": sorted({a.owner_id for a in assets if a.owner_id}),
        "grams": sorted(ngrams(prompt)),
    }
    connection.ensure_connection()
    times = []
    with psycopg.Cursor(connection.connection) as cursor:
        for _ in range(ROUNDS):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + SNAPSHOT_SQL, params)
            times.append(cursor.fetchone()[0][0]["Execution Time"])
    return round(statistics.median(times), 3)


def s_count(table):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def over_http(paths: dict, body, token) -> dict:
    """Drive each path with wrk behind one gunicorn, in HTTP_ROUNDS rounds that take the paths in
    turn (HTTP_SECONDS per path in all). Per path: requests per second over every round, the
    median of the rounds' latency percentiles, and each round's figures."""
    at = port(8761)
    workers = int(os.cpu_count() or 2)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(json.dumps(body))}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Token {token}"\n'
            "done = function(summary, latency, requests)\n"
            '  io.write(string.format("JSON {\\"requests\\": %d, \\"errors\\": %d, \\"non2xx\\": %d, '
            '\\"seconds\\": %f, \\"p50_ms\\": %f, \\"p95_ms\\": %f, \\"p99_ms\\": %f}\\n",\n'
            "    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write "
            "+ summary.errors.timeout, summary.errors.status,\n"
            "    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, "
            "latency:percentile(99) / 1e3))\n"
            "end\n"
        )
    seconds = max(1, HTTP_SECONDS // HTTP_ROUNDS)

    def wrk(path: str) -> dict:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{workers * 2}",
                f"-d{seconds}s",
                "-s",
                script.name,
                f"http://127.0.0.1:{at}{path}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
        result = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))
        result["per_second"] = round(result["requests"] / result["seconds"], 1)
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}

    rounds = {name: [] for name in paths}
    with gunicorn(at, "bench.anchor.settings"):
        for path in paths.values():  # each worker's connection prepares its statements
            wrk(path)
        for _ in range(HTTP_ROUNDS):
            for name, path in paths.items():
                rounds[name].append(wrk(path))
    out = {}
    for name, runs in rounds.items():
        total = {k: sum(r[k] for r in runs) for k in ("requests", "errors", "non2xx", "seconds")}
        out[name] = {
            **total,
            "seconds": round(total["seconds"], 3),
            "per_second": round(total["requests"] / total["seconds"], 1),
            **{k: round(statistics.median(r[k] for r in runs), 3) for k in ("p50_ms", "p95_ms", "p99_ms")},
            "gunicorn_workers": workers,
            "connections": workers * 2,
            "rounds": runs,
        }
    return out


if __name__ == "__main__":
    main()
