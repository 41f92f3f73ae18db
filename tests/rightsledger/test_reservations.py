"""Training reservations (opt-outs) over an asset, a talent, a party or a production."""

import pytest

from rightsledger.models import LedgerEntry, TrainingReservation

from .. import factories as f


@pytest.fixture
def asset(world):
    return f.make_asset(world.prod_a, seed=21)


def post(api, user, **data):
    body = {
        "uses": ["ai_training", "ai_generative_training"],
        "source": "contract",
        "effective_date": "2026-02-01",
        **data,
    }
    return api(user).post("/api/reservations/", body, format="json")


def test_reserve_an_asset(world, api, asset):
    response = post(api, world.clearance, subject_type="asset", asset=asset.pk)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["studio"] == world.studio.pk and data["asset"] == asset.pk
    assert LedgerEntry.objects.get(seq=data["ledger_seq"]).entry_type == "reservation.created"


def test_reserve_a_talent_on_their_request(world, api):
    talent = f.make_talent("Maria Alvarez")
    response = post(
        api,
        world.clearance,
        subject_type="talent",
        talent=talent.pk,
        source="talent_request",
        uses=["ai_training", "ai_generative_training", "ai_inference", "data_mining"],
    )
    assert response.status_code == 201, response.content
    data = response.json()
    reservation = TrainingReservation.objects.get(pk=data["id"])
    assert (reservation.subject_type, reservation.talent_id, reservation.source) == (
        "talent",
        talent.pk,
        "talent_request",
    )
    assert sorted(reservation.uses) == [
        "ai_generative_training",
        "ai_inference",
        "ai_training",
        "data_mining",
    ]
    entry = LedgerEntry.objects.get(seq=data["ledger_seq"])
    assert entry.entry_type == "reservation.created" and entry.record_id == reservation.pk


@pytest.mark.parametrize(
    "data,field,code",
    [
        ({"subject_type": "asset"}, "asset", "required"),
        ({"subject_type": "planet", "asset": None}, "subject_type", "invalid_choice"),
        (
            {"subject_type": "production", "production": None, "uses": ["ai_training", "selling"]},
            "uses",
            "use_unknown",
        ),
        ({"subject_type": "production", "source": "rumour"}, "source", "invalid_choice"),
        ({"subject_type": "production", "effective_date": "soon"}, "effective_date", "invalid"),
    ],
)
def test_bad_reservations_are_refused(world, api, data, field, code):
    data = {**data}
    if data.get("subject_type") == "production" and "production" not in data:
        data["production"] = world.prod_a.pk
    before = TrainingReservation.objects.count(), LedgerEntry.objects.count()
    response = post(api, world.clearance, **data)
    assert response.status_code == 400, response.content
    assert any(e["field"] == field and e["code"] == code for e in response.json()["errors"]), response.json()
    assert (TrainingReservation.objects.count(), LedgerEntry.objects.count()) == before


def test_amend_and_revoke(world, api, asset):
    rid = post(api, world.clearance, subject_type="asset", asset=asset.pk).json()["id"]
    amended = api(world.clearance).post(
        f"/api/reservations/{rid}/amend/",
        {"changes": {"uses": ["ai_training"]}, "reason": "narrowed by contract"},
        format="json",
    )
    assert amended.status_code == 201 and amended.json()["uses"] == ["ai_training"]
    assert (
        api(world.clearance)
        .post(
            f"/api/reservations/{rid}/amend/", {"changes": {"asset": asset.pk}, "reason": "x"}, format="json"
        )
        .status_code
        == 400
    )
    revoked = api(world.clearance).post(
        f"/api/reservations/{amended.json()['id']}/revoke/", {"reason": "licence now permits"}, format="json"
    )
    assert revoked.status_code == 201 and revoked.json()["status"] == "revoked"


def test_producer_b_does_not_see_production_a_asset_reservations(world, api, asset):
    post(api, world.clearance, subject_type="asset", asset=asset.pk)
    assert api(world.producer_b).get("/api/reservations/").json()["results"] == []
    assert len(api(world.producer_a).get("/api/reservations/").json()["results"]) == 1
