"""Rights grants: recorded from a contract, never edited, amended and revoked by new versions."""

import pytest

from rightsledger.models import LedgerEntry, RightsGrant

from .. import factories as f


@pytest.fixture
def asset(world):
    return f.make_asset(world.prod_a, seed=11)


def body(world, asset, **overrides):
    data = {
        "grantor": world.party.pk,
        "production": world.prod_a.pk,
        "assets": [asset.pk],
        "uses": ["genai_input", "edit"],
        "media": ["theatrical", "svod"],
        "territories": ["WORLD"],
        "territory_exclusions": ["cn", "RU"],
        "languages": ["en", "fr"],
        "term_start": "2026-01-01",
        "term_end": "2029-12-31",
        "exclusivity": "exclusive",
        "restrictions": "No use in advertising for alcohol.",
        "requires_review": True,
        "contract_sha256": f.sha("Northlight licence 2026-014"),
    }
    data.update(overrides)
    return data


def post(api, world, asset, **overrides):
    return api(world.clearance).post("/api/grants/", body(world, asset, **overrides), format="json")


def test_clearance_records_a_grant_with_its_ledger_entry(world, api, asset):
    response = post(api, world, asset)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["territories"] == ["WORLD"] and data["territory_exclusions"] == ["CN", "RU"]
    assert data["version"] == 1 and data["status"] == "active" and data["is_current"] is True
    entry = LedgerEntry.objects.get(seq=data["ledger_seq"])
    assert entry.entry_type == "grant.created" and entry.record_id == data["id"]
    assert entry.production_id == world.prod_a.pk


BAD = [
    ({"territories": ["US", "XX"]}, "territories", "territory_unknown"),
    ({"territories": ["WORLD", "US"]}, "territories", "territory_redundant"),
    (
        {"territories": ["US"], "territory_exclusions": ["FR"]},
        "territory_exclusions",
        "exclusions_without_world",
    ),
    ({"term_start": "2027-01-01", "term_end": "2026-12-31"}, "term_end", "term_end_before_start"),
    ({"uses": ["genai_input", "teleport"]}, "uses", "use_unknown"),
    ({"uses": []}, "uses", "required"),
    ({"media": ["cinema"]}, "media", "medium_unknown"),
    ({"languages": ["english"]}, "languages", "language_unknown"),
    ({"contract_sha256": "abc"}, "contract_sha256", "sha256_invalid"),
    ({"exclusivity": "sort of"}, "exclusivity", "invalid_choice"),
    ({"assets": []}, "assets", "required"),
    ({"term_start": "next tuesday"}, "term_start", "invalid"),
    ({"price": 100}, "price", "unknown_field"),
]


@pytest.mark.parametrize("overrides,field,code", BAD)
def test_bad_grants_are_refused_and_write_nothing(world, api, asset, overrides, field, code):
    before = RightsGrant.objects.count(), LedgerEntry.objects.count()
    response = post(api, world, asset, **overrides)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == field and e["code"] == code for e in errors), errors
    assert all(e["message"] for e in errors)
    assert (RightsGrant.objects.count(), LedgerEntry.objects.count()) == before


def test_unknown_territory_message_says_what_to_use(world, api, asset):
    message = post(api, world, asset, territories=["UK"]).json()["errors"][0]["message"]
    assert "'UK'" in message and "ISO 3166-1 alpha-2" in message


def test_a_grantor_of_another_studio_is_refused(world, api, asset):
    response = post(api, world, asset, grantor=world.other_party.pk)
    # The other studio's party is not even visible: answered as a party that does not exist.
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("grantor", "does_not_exist")]


def test_amend_writes_a_new_version_pointing_to_the_old(world, api, asset):
    grant_id = post(api, world, asset).json()["id"]
    response = api(world.clearance).post(
        f"/api/grants/{grant_id}/amend/",
        {
            "changes": {"territory_exclusions": ["CN"], "term_end": "2031-12-31"},
            "reason": "Amendment 1 of 2026-03-02",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["version"] == 2 and new["replaces"] == grant_id and new["action"] == "amended"
    assert new["territory_exclusions"] == ["CN"] and new["term_end"] == "2031-12-31"
    assert new["uses"] == ["edit", "genai_input"]  # unchanged fields carried over
    old = RightsGrant.objects.get(pk=grant_id)
    assert old.term_end.isoformat() == "2029-12-31" and old.territory_exclusions == ["CN", "RU"]  # untouched
    assert api(world.clearance).get(f"/api/grants/{grant_id}/").json()["is_current"] is False
    history = api(world.producer_a).get(f"/api/grants/{grant_id}/history/").json()
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert [e["entry_type"] for e in history["ledger_entries"]] == ["grant.created", "grant.amended"]


def test_amending_a_superseded_version_is_a_conflict(world, api, asset):
    grant_id = post(api, world, asset).json()["id"]
    client = api(world.clearance)
    client.post(
        f"/api/grants/{grant_id}/amend/", {"changes": {"media": ["svod"]}, "reason": "A1"}, format="json"
    )
    response = client.post(
        f"/api/grants/{grant_id}/amend/", {"changes": {"media": ["tv"]}, "reason": "A2"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "not_current_version"


def test_an_amendment_is_validated_like_a_new_grant(world, api, asset):
    grant_id = post(api, world, asset).json()["id"]
    before = LedgerEntry.objects.count()
    response = api(world.clearance).post(
        f"/api/grants/{grant_id}/amend/",
        {"changes": {"term_end": "2020-01-01"}, "reason": "typo"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "term_end_before_start"
    response = api(world.clearance).post(
        f"/api/grants/{grant_id}/amend/",
        {"changes": {"production": world.prod_b.pk}, "reason": "move"},
        format="json",
    )
    assert response.status_code == 400
    response = api(world.clearance).post(
        f"/api/grants/{grant_id}/amend/", {"changes": {"media": ["tv"]}, "reason": ""}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
    assert LedgerEntry.objects.count() == before and RightsGrant.objects.count() == 1


def test_revoke_then_a_second_revocation_is_refused(world, api, asset):
    grant_id = post(api, world, asset).json()["id"]
    client = api(world.clearance)
    first = client.post(
        f"/api/grants/{grant_id}/revoke/", {"reason": "Licensor terminated, letter 2026-05-01"}, format="json"
    )
    assert first.status_code == 201 and first.json()["status"] == "revoked"
    before = LedgerEntry.objects.count()
    again = client.post(f"/api/grants/{first.json()['id']}/revoke/", {"reason": "again"}, format="json")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "already_revoked"
    stale = client.post(f"/api/grants/{grant_id}/revoke/", {"reason": "again"}, format="json")
    assert stale.status_code == 409 and stale.json()["errors"][0]["code"] == "not_current_version"
    assert LedgerEntry.objects.count() == before
    assert RightsGrant.objects.filter(status="revoked").count() == 1


def test_a_revoked_grant_cannot_be_amended(world, api, asset):
    grant_id = post(api, world, asset).json()["id"]
    revoked = (
        api(world.clearance)
        .post(f"/api/grants/{grant_id}/revoke/", {"reason": "ended"}, format="json")
        .json()
    )
    response = api(world.clearance).post(
        f"/api/grants/{revoked['id']}/amend/", {"changes": {"media": ["tv"]}, "reason": "x"}, format="json"
    )
    assert response.status_code == 409


def test_no_put_patch_or_delete_on_grants(world, api, asset):
    grant_id = post(api, world, asset).json()["id"]
    for method in ("put", "patch", "delete"):
        assert (
            getattr(api(world.clearance), method)(f"/api/grants/{grant_id}/", {}, format="json").status_code
            == 405
        )


def test_filters_current_and_by_asset(world, api, asset):
    other_asset = f.make_asset(world.prod_a, seed=12)
    g1 = post(api, world, asset).json()["id"]
    post(api, world, other_asset)
    api(world.clearance).post(
        f"/api/grants/{g1}/amend/", {"changes": {"media": ["tv"]}, "reason": "A1"}, format="json"
    )
    client = api(world.producer_a)
    assert len(client.get("/api/grants/").json()["results"]) == 3
    assert len(client.get("/api/grants/?current=true").json()["results"]) == 2
    by_asset = client.get(f"/api/grants/?asset={asset.pk}&current=true").json()["results"]
    assert [g["version"] for g in by_asset] == [2]


def test_list_rows_match_the_detail_serializer_exactly(world, api, asset):
    other_asset = f.make_asset(world.prod_a, seed=13)
    g1 = post(api, world, asset, assets=[asset.pk, other_asset.pk]).json()["id"]
    api(world.clearance).post(f"/api/grants/{g1}/revoke/", {"reason": "ended"}, format="json")
    listed = api(world.producer_a).get("/api/grants/").json()["results"]
    assert len(listed) == 2
    for row in listed:
        assert row == api(world.producer_a).get(f"/api/grants/{row['id']}/").json()


def test_cursor_pages_walk_every_grant_once(world, api, asset):
    for i in range(7):
        f.make_grant(world.prod_a, world.party, [asset], contract_sha256=f.sha(str(i)))
    seen, url = [], "/api/grants/?page_size=3"
    while url:
        page = api(world.producer_a).get(url).json()
        seen += [g["id"] for g in page["results"]]
        url = page["next"]
    assert len(seen) == 7 == len(set(seen)) and seen == sorted(seen, reverse=True)
