"""Consent records for digital replicas: the fields an enforceable consent needs."""

import threading

import pytest
from django.db import connection

from rightsledger import services
from rightsledger.errors import Conflict
from rightsledger.models import ConsentRecord, LedgerEntry

from .. import factories as f


@pytest.fixture
def talent(world):
    return f.make_talent(
        "Maria Alvarez",
        guild=world.guild,
        member_id="SAG-1001",
        professional_name="Mara Vega",
        aliases=["M. Vega"],
    )


def body(world, talent, **overrides):
    data = {
        "talent": talent.pk,
        "production": world.prod_a.pk,
        "grantor_role": "performer",
        "representation": "counsel",
        "replica_type": "employment_based",
        "modalities": ["face", "voice"],
        "intended_use_description": f.USE_DESCRIPTION,
        "permitted_uses": ["likeness", "stunt_double"],
        "prohibited_uses": ["de_aging"],
        "media": ["theatrical"],
        "territories": ["WORLD"],
        "term_start": "2026-01-01",
        "term_end": "2027-06-30",
        "compensation_reference": "PAY-77",
        "evidence_sha256": f.sha("consent form, signed"),
        "scan_notice_date": "2025-12-01",
        "union_notified_date": "2025-12-03",
    }
    data.update(overrides)
    return data


def post(api, world, talent, **overrides):
    return api(world.clearance).post("/api/consents/", body(world, talent, **overrides), format="json")


def test_clearance_records_a_consent(world, api, talent):
    response = post(api, world, talent)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["training_permission"] == "none"  # none unless given
    entry = LedgerEntry.objects.get(seq=data["ledger_seq"])
    assert entry.entry_type == "consent.created" and entry.chain is not None
    assert b"Alvarez" not in bytes(entry.body)


BAD = [
    ({"intended_use_description": ""}, "intended_use_description", "description_missing"),
    ({"intended_use_description": "Any use."}, "intended_use_description", "description_not_specific"),
    ({"modalities": ["smell"]}, "modalities", "modality_unknown"),
    ({"modalities": []}, "modalities", "required"),
    (
        {"permitted_uses": ["likeness"], "prohibited_uses": ["likeness"]},
        "prohibited_uses",
        "use_both_permitted_and_prohibited",
    ),
    ({"grantor_role": "agent"}, "grantor_role", "invalid_choice"),
    ({"replica_type": "deepfake"}, "replica_type", "invalid_choice"),
    ({"territories": ["EU"]}, "territories", "territory_unknown"),
    ({"term_end": "2025-01-01"}, "term_end", "term_end_before_start"),
    ({"evidence_sha256": ""}, "evidence_sha256", "required"),
    ({"permitted_shots": ["EP999_SH9999"]}, "permitted_shots", "shot_unknown"),
    ({"grantor_role": "guardian"}, "grantor_name", "required"),
    ({"nickname": "Mara"}, "nickname", "unknown_field"),
]


@pytest.mark.parametrize("overrides,field,code", BAD)
def test_bad_consents_are_refused_and_write_nothing(world, api, talent, overrides, field, code):
    before = ConsentRecord.objects.count(), LedgerEntry.objects.count()
    response = post(api, world, talent, **overrides)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == field and e["code"] == code for e in errors), errors
    assert (ConsentRecord.objects.count(), LedgerEntry.objects.count()) == before


def test_missing_description_cites_the_law(world, api, talent):
    message = post(api, world, talent, intended_use_description="  ").json()["errors"][0]["message"]
    assert "§927" in message and "§5-302" in message


def test_a_deceased_performers_consent_must_come_from_the_estate_or_union(world, api):
    late = f.make_talent("Harold Finch", is_deceased=True)
    response = post(api, world, late)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "deceased_needs_estate"
    ok = post(
        api, world, late, grantor_role="estate_representative", grantor_name="Finch Estate, by J. Finch"
    )
    assert ok.status_code == 201


def test_a_minors_consent_must_come_from_a_guardian(world, api):
    minor = f.make_talent("Lily Park", is_minor=True)
    assert post(api, world, minor).json()["errors"][0]["code"] == "minor_needs_guardian"
    assert (
        post(api, world, minor, grantor_role="guardian", grantor_name="Grace Park (mother)").status_code
        == 201
    )


def test_permitted_shots_must_exist(world, api, talent):
    f.make_shot(world.prod_a, "EP102_SH0040")
    response = post(api, world, talent, permitted_shots=["EP102_SH0040"])
    assert response.status_code == 201 and response.json()["permitted_shots"] == ["EP102_SH0040"]


def test_partial_revocation_keeps_the_rest_active(world, api, talent):
    consent_id = post(api, world, talent).json()["id"]
    response = api(world.clearance).post(
        f"/api/consents/{consent_id}/revoke/",
        {
            "reason": "Performer withdrew voice consent by letter of 2026-04-02",
            "scope": {"modalities": ["voice"]},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "active" and data["modalities"] == ["face"]
    assert data["revocation_scope"] == {"modalities": ["voice"]} and data["action"] == "revoked"


def test_full_revocation_and_a_second_one(world, api, talent):
    consent_id = post(api, world, talent).json()["id"]
    client = api(world.clearance)
    first = client.post(f"/api/consents/{consent_id}/revoke/", {"reason": "Withdrawn"}, format="json").json()
    assert first["status"] == "revoked" and first["revocation_scope"] == {"all": True}
    before = LedgerEntry.objects.count()
    second = client.post(f"/api/consents/{first['id']}/revoke/", {"reason": "Withdrawn again"}, format="json")
    assert second.status_code == 409 and "already revoked" in second.json()["errors"][0]["message"]
    assert LedgerEntry.objects.count() == before


def test_revoking_every_modality_is_a_full_revocation(world, api, talent):
    consent_id = post(api, world, talent).json()["id"]
    data = (
        api(world.clearance)
        .post(
            f"/api/consents/{consent_id}/revoke/",
            {"reason": "all", "scope": {"modalities": ["face", "voice"]}},
            format="json",
        )
        .json()
    )
    assert data["status"] == "revoked" and data["revocation_scope"] == {"all": True}


@pytest.mark.parametrize(
    "scope,code",
    [
        ({"modalities": ["singing"]}, "not_in_consent"),
        ({"media": ["tv"]}, "unknown_field"),
        ({}, "scope_empty"),
    ],
)
def test_bad_revocation_scopes_are_refused(world, api, talent, scope, code):
    consent_id = post(api, world, talent).json()["id"]
    before = LedgerEntry.objects.count()
    response = api(world.clearance).post(
        f"/api/consents/{consent_id}/revoke/", {"reason": "x", "scope": scope}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    assert LedgerEntry.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_concurrent_revocations_one_wins_the_other_conflicts():
    from ..conftest import World

    world = World()
    talent = f.make_talent("Maria Alvarez", guild=world.guild, member_id="SAG-1")
    consent = f.make_consent(world.prod_a, talent)
    barrier = threading.Barrier(2)
    outcomes = []

    def revoke():
        try:
            barrier.wait()
            services.consent_revoke(actor=world.clearance, consent=consent, reason="withdrawn")
            outcomes.append("won")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=revoke) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_revoked", "won"] or sorted(outcomes) == [
        "not_current_version",
        "won",
    ]
    assert ConsentRecord.objects.filter(chain=consent.chain, action="revoked").count() == 1
    assert LedgerEntry.objects.filter(chain=consent.chain, entry_type="consent.revoked").count() == 1


def test_list_rows_match_the_detail_serializer_exactly(world, api, talent):
    consent_id = post(api, world, talent).json()["id"]
    api(world.clearance).post(
        f"/api/consents/{consent_id}/revoke/",
        {"reason": "v", "scope": {"modalities": ["voice"]}},
        format="json",
    )
    for row in api(world.guild_rep).get("/api/consents/").json()["results"]:
        assert row == api(world.guild_rep).get(f"/api/consents/{row['id']}/").json()
