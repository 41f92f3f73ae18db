"""The portal's registers with many rows: two productions, one with 100 and one with 10,000 grants,
consents, assets and generation requests (all written through the services, with their ledger
entries), each read by a clearance user of that production alone. Every register page is rendered
through Django's test client, plain, searched, filtered, sorted and deep in its pages; for each,
the p95 render time and the number of SQL statements, which must be the same at both sizes.
Prints JSON and writes bench/results/portal.json."""

import datetime
import hashlib
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentiles, report, setup_django, size  # noqa: E402

# Fingerprinting runs on a worker; here its tasks are queued in memory and never run, so that the
# seed measures nothing but the lists' rows.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
# The test client signs the user in with force_login, which passes no second factor: without this the
# registers answer with the two-factor page (OTP_REQUIRED_ROLES covers clearance outside the demo).
os.environ.setdefault("OTP_REQUIRED_ROLES", "")

SIZES = (size(100, 3), int(os.environ.get("BENCH_PORTAL_ROWS") or size(10_000, 5)))
SAMPLES = int(os.environ.get("BENCH_PORTAL_SAMPLES") or size(40, 1))
BATCH = 250
SHOTS = size(200, 3)
TALENTS = size(100, 3)
GOAL_P95_MS = 200


def _png(n: int) -> bytes:
    from PIL import Image

    picture = Image.new("RGB", (8, 8), (n % 251, (n // 251) % 251, (n // 63001) % 251))
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    return buf.getvalue()


def seed(rows: int):
    """Make (once) a production with `rows` grants, consents, assets and requests; return its
    clearance user."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from generation import services as gen
    from rightsledger import services, vocab
    from rightsledger.models import Studio

    User = get_user_model()
    name = f"bench-portal-{rows}"
    if User.objects.filter(username=name).exists():
        return User.objects.get(username=name)
    studio = Studio.objects.filter(slug="bench-portal").first() or services.studio_create(
        actor=None, name="Portal bench", slug="bench-portal"
    )
    prod = services.production_create(
        actor=None, studio=studio, title=f"Harbour {rows}", code=f"harbour-{rows}"
    )
    party = services.party_create(actor=None, studio=studio, name=f"Northlight {rows}", kind="rights_holder")
    guild = services.guild_create(actor=None, name=f"Guild {rows}", abbreviation=f"G{rows}")
    user = User.objects.create_user(name)
    services.role_grant(actor=None, user=user, kind=vocab.ROLE_CLEARANCE, production=prod)
    producer = User.objects.create_user(f"{name}-producer")
    services.role_grant(actor=None, user=producer, kind=vocab.ROLE_PRODUCER, production=prod)
    shots = [
        services.shot_create(
            actor=None, production=prod, code=f"EP{n // 50:03d}_SH{n:04d}", sequence="Rooftop"
        )
        for n in range(min(SHOTS, rows))
    ]
    talents = [
        services.talent_create(
            actor=None,
            legal_name=f"Performer {rows}-{n}",
            memberships=[{"guild": guild.pk, "member_id": f"M-{rows}-{n}"}],
        )
        for n in range(min(TALENTS, rows))
    ]
    assets = []
    for start in range(0, rows, BATCH):
        with transaction.atomic():
            for n in range(start, min(start + BATCH, rows)):
                upload = SimpleUploadedFile(f"plate_{rows}_{n}.png", _png(rows * 7 + n))
                asset, _ = services.asset_register(
                    actor=None,
                    production=prod,
                    upload=upload,
                    kind="plate",
                    owner=party,
                    title=f"Plate {n} harbour at dusk",
                )
                assets.append(asset)
                services.grant_create(
                    actor=None,
                    grantor=party,
                    production=prod,
                    assets=[asset],
                    uses=["genai_input", "edit"],
                    media=["theatrical", "svod"],
                    territories=["WORLD"] if n % 3 else ["GB", "US"],
                    territory_exclusions=[],
                    languages=[],
                    term_start=datetime.date(2026, 1, 1),
                    term_end=datetime.date(2027, 1, 1) + datetime.timedelta(days=n % 900),
                    restrictions="Credit Northlight." if n % 2 else "",
                    contract_sha256=hashlib.sha256(f"{rows}-{n}".encode()).hexdigest(),
                )
                services.consent_create(
                    actor=None,
                    talent=talents[n % len(talents)],
                    production=prod,
                    grantor_role="performer",
                    representation="counsel",
                    replica_type="employment_based",
                    modalities=["face"],
                    intended_use_description=f"Face replica for the rooftop chase, take {n}.",
                    permitted_uses=["likeness", "stunt_double"] if n % 2 else ["dubbing"],
                    media=["theatrical", "svod"],
                    territories=["WORLD"],
                    term_start=datetime.date(2026, 1, 1),
                    term_end=datetime.date(2027, 1, 1) + datetime.timedelta(days=n % 900),
                    evidence_sha256=hashlib.sha256(f"form {rows}-{n}".encode()).hexdigest(),
                )
                gen.request_submit(
                    actor=producer,
                    production=prod,
                    shot=shots[n % len(shots)],
                    engine="atmosphere",
                    seed=n,
                    intended_use="atmosphere",
                    media=["theatrical"],
                    territories=["US"],
                    release_start=datetime.date(2026, 6, 1),
                    release_end=datetime.date(2026, 12, 31),
                    prompt=f"Harbour fog at dusk, variation {n}",
                    inputs=[{"asset": asset, "role": "plate"}],
                )
    for asset in assets[:100]:
        services.reservation_create(
            actor=None,
            subject_type="asset",
            asset=asset,
            uses=["ai_training"],
            source="contract",
            effective_date=datetime.date(2026, 1, 1),
            note="Vendor reserves training",
        )
    return user


# Each register's pages: plain, searched, filtered, sorted, and deep in the list.
PAGES = {
    "grants": (
        "",
        "q=harbour+dusk",
        "status=active&use=edit&territory=FR&ends_before=2028-01-01",
        "sort=-ends",
    ),
    "consents": ("", "q=performer+rooftop", "status=active&use=dubbing&flagged=no", "sort=performer"),
    "reservations": ("", "q=vendor", "status=active&use=ai_training", "sort=since"),
    "assets": ("", "q=plate+harbour", "kind=plate", "sort=title"),
    "requests": ("", "q=fog", "status=approved&use=atmosphere&medium=theatrical", "sort=shot"),
    "shots": ("", "q=rooftop", "status=in_edit", "sort=code"),
}


def measure(user, deep: bool) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    out = {}
    for kind, variants in PAGES.items():
        queries = list(variants) + (["page=100"] if deep else [])
        for query in queries:
            url = f"/registers/{kind}/?{query}"
            client.get(url)  # warm
            samples = []
            for _ in range(SAMPLES):
                t = time.perf_counter()
                response = client.get(url)
                samples.append(time.perf_counter() - t)
                assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            out[f"{kind}?{query}"] = {
                **percentiles(samples),
                "queries": len(captured),
                "rows_found": response.context["page"].paginator.count,
            }
    return out


def main():
    setup_django("rightsledger_bench_portal")
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client then hands back each page's context
    # Production serves collected, hashed static files; the bench has not run collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    started = time.perf_counter()
    users = {rows: seed(rows) for rows in SIZES}
    seeded_s = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    small, large = (measure(users[SIZES[0]], deep=False), measure(users[SIZES[1]], deep=True))
    same_queries = {page: small[page]["queries"] == large[page]["queries"] for page in small}
    worst = max(r["p95_ms"] for r in large.values())
    report(
        "portal",
        {
            "rows_per_list": {"small": SIZES[0], "large": SIZES[1]},
            "seed_seconds": seeded_s,
            "samples_per_page": SAMPLES,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "note": "render times through Django's test client on a machine shared with other work; "
            "see load_average_at_end",
            "small": small,
            "large": large,
            "worst_p95_ms_large": worst,
            "goals": {"p95_ms": GOAL_P95_MS, "queries_do_not_grow_with_rows": True},
            "goals_met": {
                "p95_ms": worst <= GOAL_P95_MS,
                "queries_do_not_grow_with_rows": all(same_queries.values()),
            },
        },
    )


if __name__ == "__main__":
    main()
