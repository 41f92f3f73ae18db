"""Hostile input gets a clear 4xx, never a 500: nesting, lengths and numbers out of range, and no
status code that tells one tenant about another's records."""

import pytest

from rightsledger.models import LedgerEntry

from .. import factories as f

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "path,auth",
    [
        ("/api/auth/token/", False),
        ("/api/training-clearance/", False),
        ("/api/grants/", True),
        ("/api/generation/requests/check/", True),
    ],
)
def test_deeply_nested_json_is_refused_with_a_400(world, api, path, auth):
    client = api(world.clearance if auth else None)
    response = client.generic("POST", path, "[" * 10_000 + "]" * 10_000, content_type="application/json")
    assert response.status_code == 400
    assert (
        response.json()["errors"][0]["code"] == "parse_error"
        and "nested" in response.json()["errors"][0]["message"]
    )


def test_a_non_numeric_content_length_is_a_400(world, api):
    response = api(world.clearance).generic(
        "POST", "/api/assets/", b"{}", content_type="application/json", CONTENT_LENGTH="lots"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "content_length_invalid"


@pytest.mark.parametrize(
    "path",
    [
        f"/api/consents/?guild={HUGE}",
        f"/api/talent/?guild={HUGE}",
        f"/api/grants/?asset={HUGE}",
        f"/api/grants/?production={HUGE}",
        f"/api/ledger/entries/?record_id={HUGE}",
        f"/api/ledger/proofs/inclusion/?seq={HUGE}",
        f"/api/ledger/proofs/inclusion/?seq=1&tree_size={HUGE}",
        f"/api/ledger/proofs/consistency/?from=1&to={HUGE}",
        f"/api/generation/requests/?shot={HUGE}",
    ],
)
def test_out_of_range_integers_are_a_400_in_queries(world, api, path):
    response = api(world.clearance).get(path)
    assert response.status_code == 400, (path, response.content)
    assert (
        "whole number" in response.json()["errors"][0]["message"]
        or "valid" in response.json()["errors"][0]["message"]
    )


def test_out_of_range_input_asset_ids_are_a_400(world, api):
    shot = f.make_shot(world.prod_a)
    body = {
        "shot": shot.pk,
        "engine": "atmosphere",
        "seed": 1,
        "intended_use": "atmosphere",
        "media": ["theatrical"],
        "territories": ["US"],
        "release_start": "2026-06-01",
        "release_end": "2026-12-31",
        "inputs": [{"asset": int(HUGE), "role": "plate"}],
    }
    for path in ("/api/generation/requests/", "/api/generation/requests/check/"):
        response = api(world.producer_a).post(path, body, format="json")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "inputs", (
            response.content
        )


def test_another_productions_unsequenced_entry_answers_404_like_a_missing_one(world, api):
    plate = f.make_asset(world.prod_b, seed=7)  # written in this test's transaction: not yet in the tree
    entry = LedgerEntry.objects.get(record_type="asset", record_id=plate.pk)
    client = api(world.producer_a)
    theirs = client.get(f"/api/ledger/proofs/inclusion/?seq={entry.seq}&tree_size=1")
    missing = client.get("/api/ledger/proofs/inclusion/?seq=987654321&tree_size=1")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    # Their own producer is told the truth: recorded, not yet sequenced.
    ours = api(world.producer_b).get(f"/api/ledger/proofs/inclusion/?seq={entry.seq}&tree_size=1")
    assert ours.status_code == 409 and ours.json()["errors"][0]["code"] == "not_yet_sequenced"


def _polyglots():
    import io
    import zipfile

    from .. import images

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    return [
        ("plate.png", images.png(3) + archive.getvalue(), "trailing_data"),
        ("plate.png", images.png(3) + page, "trailing_data"),
        ("plate.jpg", images.jpeg(3) + page, "trailing_data"),
        ("plate.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + page * 20, "video_corrupt"),
    ]


@pytest.mark.parametrize(
    "name,data,code", _polyglots(), ids=["png+zip", "png+html", "jpeg+html", "mp4-header+html"]
)
def test_polyglots_are_refused_and_nothing_is_written(world, api, name, data, code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rightsledger.models import Asset

    before = Asset.objects.count(), LedgerEntry.objects.count()
    response = api(world.clearance).post(
        "/api/assets/",
        {"production": world.prod_a.pk, "kind": "plate", "file": SimpleUploadedFile(name, data)},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == code, response.content
    assert (Asset.objects.count(), LedgerEntry.objects.count()) == before


def test_unbounded_text_never_reaches_the_ledger_and_errors_stay_short(world, api):
    from rightsledger.models import ConsentRecord, RightsGrant, TrainingReservation

    client = api(world.clearance)
    plate = f.make_asset(world.prod_a, seed=8)
    talent = f.make_talent("Ana Ruiz", guild=world.guild, member_id="SAG-8")
    huge = "x" * 1_000_000
    before = (
        RightsGrant.objects.count(),
        ConsentRecord.objects.count(),
        TrainingReservation.objects.count(),
        LedgerEntry.objects.count(),
    )
    grant = {
        **{k: v for k, v in f.grant_fields(world.prod_a, world.party, [plate]).items()},
        "grantor": world.party.pk,
        "production": world.prod_a.pk,
        "assets": [plate.pk],
        "term_start": "2026-01-01",
        "term_end": "2030-12-31",
    }
    response = client.post("/api/grants/", {**grant, "restrictions": huge}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "too_long"
    consent = {
        **f.consent_fields(world.prod_a, talent),
        "talent": talent.pk,
        "production": world.prod_a.pk,
        "term_start": "2026-01-01",
        "term_end": "2028-12-31",
        "scan_notice_date": "2025-12-01",
        "union_notified_date": "2025-12-02",
    }
    response = client.post("/api/consents/", {**consent, "intended_use_description": huge}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "too_long"
    response = client.post(
        "/api/reservations/",
        {
            "subject_type": "asset",
            "asset": plate.pk,
            "uses": ["ai_training"],
            "source": "contract",
            "effective_date": "2026-01-01",
            "note": huge,
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "too_long"
    # 100,000 bad territory codes: refused, with a short answer.
    response = client.post("/api/grants/", {**grant, "territories": ["XX"] * 100_000}, format="json")
    assert response.status_code == 400 and len(response.content) < 2_000
    assert (
        RightsGrant.objects.count(),
        ConsentRecord.objects.count(),
        TrainingReservation.objects.count(),
        LedgerEntry.objects.count(),
    ) == before
    # The services refuse it too, whoever calls them, and name at most ten bad values.
    from django.core.exceptions import ValidationError

    from rightsledger import services

    with pytest.raises(ValidationError) as refused:
        services.grant_create(
            actor=world.clearance,
            **f.grant_fields(world.prod_a, world.party, [plate], territories=[f"Q{n}" for n in range(50)]),
        )
    message = refused.value.error_dict["territories"][0].message
    assert "and 40 more" in message and "'Q10'" not in message
