"""Grant create throughput, and grant list latency with 100,000 grants in PostgreSQL.

Run with `make bench` (or `python bench/api.py`); prints JSON and writes bench/results/api.json.
"""

import datetime
import hashlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentiles, report, setup_django, size  # noqa: E402

TARGET_GRANTS = int(os.environ.get("BENCH_GRANTS") or size(100_000, 10))
CREATES = int(os.environ.get("BENCH_CREATES") or size(500, 3))
LIST_REQUESTS = int(os.environ.get("BENCH_LIST_REQUESTS") or size(300, 2))


def main():
    setup_django("rightsledger_bench_api")
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from demo.pictures import picture
    from rightsledger import services, vocab
    from rightsledger.models import Production, RightsGrant, Studio

    User = get_user_model()
    studio = Studio.objects.filter(slug="bench").first()
    if studio is None:
        studio = services.studio_create(actor=None, name="Bench Studio", slug="bench")
        prod = services.production_create(actor=None, studio=studio, title="Bench", code="bench")
        other = services.production_create(actor=None, studio=studio, title="Other", code="other")
        party = services.party_create(actor=None, studio=studio, name="Bench Stock", kind="rights_holder")
        import io

        for i in range(size(20, 2)):
            buf = io.BytesIO()
            picture(i, (64, 36)).save(buf, "PNG")
            for production in (prod, other):
                services.asset_register(
                    actor=None,
                    production=production,
                    upload=SimpleUploadedFile(f"{i}.png", buf.getvalue()),
                    kind="plate",
                )
        user = User.objects.create_user("bench-clearance")
        services.role_grant(actor=None, user=user, kind=vocab.ROLE_CLEARANCE, production=prod)
    prod = Production.objects.get(studio=studio, code="bench")
    other = Production.objects.get(studio=studio, code="other")
    party = studio.parties.first()
    assets = list(prod.assets.all())
    other_assets = list(other.assets.all())
    user = User.objects.get(username="bench-clearance")
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def body(i):
        return {
            "grantor": party.pk,
            "production": prod.pk,
            "assets": [assets[i % len(assets)].pk],
            "uses": ["genai_input", "edit"],
            "media": ["theatrical", "svod"],
            "territories": ["WORLD"],
            "territory_exclusions": ["CN"],
            "term_start": "2026-01-01",
            "term_end": "2030-12-31",
            "contract_sha256": hashlib.sha256(str(i).encode()).hexdigest(),
        }

    # 1. Create throughput through the whole API stack (auth, parsing, validation, service, ledger).
    start = time.perf_counter()
    latencies = []
    for i in range(CREATES):
        t = time.perf_counter()
        response = client.post("/api/grants/", body(i), format="json")
        latencies.append(time.perf_counter() - t)
        assert response.status_code == 201, response.content
    api_elapsed = time.perf_counter() - start

    # 2. Fill to TARGET_GRANTS. Each is written with its ledger entry, in batches of one
    # transaction each, through the same service the API calls.
    existing = RightsGrant.objects.count()
    fill_start = time.perf_counter()
    batch = 500
    i = existing
    while i < TARGET_GRANTS:
        with transaction.atomic():
            for k in range(i, min(i + batch, TARGET_GRANTS)):
                # Half the grants belong to another production, so the list has to filter by access.
                production, covered = (prod, assets) if k % 2 else (other, other_assets)
                services.grant_create(
                    actor=user,
                    grantor=party,
                    production=production,
                    assets=[covered[k % len(covered)]],
                    uses=["genai_input", "edit"],
                    media=["theatrical", "svod"],
                    territories=["WORLD"],
                    territory_exclusions=["CN"],
                    languages=[],
                    term_start=datetime.date(2026, 1, 1),
                    term_end=datetime.date(2030, 12, 31),
                    contract_sha256=hashlib.sha256(str(k).encode()).hexdigest(),
                )
        i += batch
    fill_elapsed = time.perf_counter() - fill_start
    filled = RightsGrant.objects.count() - existing
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # 3. List latency: the first page, a filtered page, and a page deep in the list.
    def timed(url):
        samples = []
        for _ in range(LIST_REQUESTS):
            t = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - t)
            assert response.status_code == 200, response.content
        return percentiles(samples)

    asset_id = assets[0].pk
    lists = {
        "first_page_50": timed("/api/grants/"),
        "filtered_current_by_asset": timed(f"/api/grants/?asset={asset_id}&current=true"),
        "deep_page": timed(
            f"/api/grants/?page={max(1, RightsGrant.objects.filter(production=prod).count() // 50 // 2)}"
        ),
    }
    report(
        "api",
        {
            "grants_in_database": RightsGrant.objects.count(),
            "visible_to_the_caller": RightsGrant.objects.filter(production=prod).count(),
            "create_via_api": {
                "count": CREATES,
                "per_second": round(CREATES / api_elapsed, 1),
                **percentiles(latencies),
            },
            "create_via_service_batched": {
                "count": filled,
                "per_second": round(filled / fill_elapsed, 1) if filled else None,
            },
            "list_latency": lists,
        },
    )


if __name__ == "__main__":
    main()
