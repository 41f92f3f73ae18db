"""Who sees what, and who may write what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rightsledger.models import Asset, ConsentRecord, LedgerEntry, RightsGrant

from .. import factories as f
from .. import images


@pytest.fixture
def records(world):
    asset_a = f.make_asset(world.prod_a, seed=1)
    asset_b = f.make_asset(world.prod_b, seed=2)
    grant_a = f.make_grant(world.prod_a, world.party, [asset_a])
    member = f.make_talent("Maria Alvarez", guild=world.guild, member_id="SAG-1001")
    outsider = f.make_talent("Jon Brandt", guild=world.other_guild, member_id="EQ-7")
    consent_member_b = f.make_consent(world.prod_b, member)
    consent_outsider_a = f.make_consent(world.prod_a, outsider)
    return dict(
        asset_a=asset_a,
        asset_b=asset_b,
        grant_a=grant_a,
        member=member,
        outsider=outsider,
        consent_member_b=consent_member_b,
        consent_outsider_a=consent_outsider_a,
    )


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_anonymous_gets_401_everywhere(world, api):
    for url in (
        "/api/assets/",
        "/api/grants/",
        "/api/consents/",
        "/api/productions/",
        "/api/ledger/entries/",
    ):
        response = api(None).get(url)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_producer_a_sees_only_production_a(world, api, records):
    assert ids(api(world.producer_a).get("/api/productions/")) == {world.prod_a.pk}
    assert ids(api(world.producer_a).get("/api/assets/")) == {records["asset_a"].pk}
    assert ids(api(world.producer_a).get("/api/grants/")) == {records["grant_a"].pk}
    assert ids(api(world.producer_a).get("/api/consents/")) == {records["consent_outsider_a"].pk}


def test_producer_b_gets_404_for_production_a_records(world, api, records):
    client = api(world.producer_b)
    assert client.get(f"/api/assets/{records['asset_a'].pk}/").status_code == 404
    assert client.get(f"/api/assets/{records['asset_a'].pk}/content/").status_code == 404
    assert client.get(f"/api/grants/{records['grant_a'].pk}/").status_code == 404
    assert client.get(f"/api/productions/{world.prod_a.pk}/").status_code == 404
    assert client.get(f"/api/consents/{records['consent_outsider_a'].pk}/").status_code == 404
    seqs = {e["record_type"] for e in client.get("/api/ledger/entries/?page_size=500").json()["results"]}
    assert "grant" not in seqs  # production A's grant entries are not listed


def test_guild_rep_sees_only_the_members_consents(world, api, records):
    client = api(world.guild_rep)
    assert ids(client.get("/api/consents/")) == {records["consent_member_b"].pk}
    assert client.get(f"/api/consents/{records['consent_outsider_a'].pk}/").status_code == 404
    assert ids(client.get("/api/talent/")) == {records["member"].pk}
    entries = client.get("/api/ledger/entries/").json()["results"]
    assert entries and {e["record_type"] for e in entries} == {"consent"}
    assert {e["chain"] for e in entries} == {str(records["consent_member_b"].chain)}


def test_guild_rep_sees_nothing_else_of_a_production(world, api, records):
    client = api(world.guild_rep)
    for url in (
        "/api/productions/",
        "/api/assets/",
        "/api/grants/",
        "/api/shots/",
        "/api/reservations/",
        "/api/parties/",
    ):
        assert ids(client.get(url)) == set(), url
    assert client.get(f"/api/assets/{records['asset_b'].pk}/").status_code == 404


def test_guild_rep_cannot_record_or_revoke_consent(world, api, records):
    client = api(world.guild_rep)
    response = client.post(
        f"/api/consents/{records['consent_member_b'].pk}/revoke/", {"reason": "member asked"}, format="json"
    )
    assert (
        response.status_code == 403
    )  # the consent is visible to the guild's representative, who may not change it
    assert ConsentRecord.objects.filter(chain=records["consent_member_b"].chain).count() == 1


def test_producer_cannot_record_grants_or_register_assets(world, api, records, ledger_count):
    before = ledger_count()
    client = api(world.producer_a)
    response = client.post("/api/grants/", {**_grant_json(world, records["asset_a"])}, format="json")
    assert response.status_code == 403
    assert "clearance" in response.json()["errors"][0]["message"]
    upload = SimpleUploadedFile("p.png", images.png(9), content_type="image/png")
    response = client.post(
        "/api/assets/", {"production": world.prod_a.pk, "kind": "plate", "file": upload}, format="multipart"
    )
    assert response.status_code == 403
    assert ledger_count() == before
    assert RightsGrant.objects.count() == 1 and Asset.objects.count() == 2


def test_auditor_reads_but_writes_nothing(world, api, records):
    client = api(world.auditor)
    assert ids(client.get("/api/grants/")) == {records["grant_a"].pk}
    response = client.post(f"/api/grants/{records['grant_a'].pk}/revoke/", {"reason": "audit"}, format="json")
    assert response.status_code == 403
    assert not RightsGrant.objects.filter(replaces=records["grant_a"]).exists()


def test_clearance_of_a_cannot_write_into_b(world, api, records):
    response = api(world.clearance).post(
        "/api/grants/", _grant_json(world, records["asset_b"], production=world.prod_b.pk), format="json"
    )
    # Production B is not visible to this user: the id does not resolve.
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} >= {"production", "assets"}


def test_studio_admin_sees_both_productions_not_the_other_studio(world, api, records):
    assert ids(api(world.admin).get("/api/productions/")) == {world.prod_a.pk, world.prod_b.pk}


def test_studio_admin_creates_productions_producers_cannot(world, api):
    body = {"studio": world.studio.pk, "title": "Third Act", "code": "third-act"}
    assert api(world.producer_a).post("/api/productions/", body, format="json").status_code == 403
    assert api(world.admin).post("/api/productions/", body, format="json").status_code == 201
    other = {"studio": world.other_studio.pk, "title": "X", "code": "x"}
    refused = api(world.admin).post(
        "/api/productions/", other, format="json"
    )  # as a studio that does not exist
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "does_not_exist"


def test_me_lists_the_callers_roles(world, api):
    body = api(world.clearance).get("/api/me/").json()
    assert body["productions"] == {str(world.prod_a.pk): ["clearance"]}
    assert body["guilds"] == []
    assert api(world.guild_rep).get("/api/me/").json()["guilds"] == [world.guild.pk]


def test_ledger_entries_of_another_production_are_hidden(world, api, records):
    visible = {
        e["seq"] for e in api(world.producer_a).get("/api/ledger/entries/?page_size=500").json()["results"]
    }
    b_entries = set(LedgerEntry.objects.filter(production=world.prod_b).values_list("seq", flat=True))
    assert b_entries and not (visible & b_entries)


def _grant_json(world, asset, production=None):
    return {
        "grantor": world.party.pk,
        "production": production or world.prod_a.pk,
        "assets": [asset.pk],
        "uses": ["genai_input"],
        "media": ["svod"],
        "territories": ["WORLD"],
        "term_start": "2026-01-01",
        "term_end": "2027-01-01",
        "contract_sha256": f.sha("c"),
    }


def test_only_a_superuser_creates_studios(world, api):
    from rightsledger.models import Studio

    body = {"name": "Northern Lights", "slug": "northern"}
    assert api(world.admin).post("/api/studios/", body, format="json").status_code == 403
    root = f.UserFactory(username="root", is_superuser=True)
    assert api(root).post("/api/studios/", body, format="json").status_code == 201
    again = api(root).post("/api/studios/", body, format="json")
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "slug"
    assert Studio.objects.filter(slug="northern").count() == 1
