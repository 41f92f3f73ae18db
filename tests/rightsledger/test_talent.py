from rightsledger.models import GuildMembership, LedgerEntry, Talent

from .. import factories as f


def test_clearance_registers_talent_with_guild_membership(world, api):
    response = api(world.clearance).post(
        "/api/talent/",
        {
            "legal_name": "Maria Alvarez",
            "professional_name": "Mara Vega",
            "aliases": ["M. Vega", "Marita"],
            "external_ids": {"isni": "0000000121032683"},
            "memberships": [{"guild": world.guild.pk, "member_id": "SAG-1001"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["memberships"] == [{"guild": world.guild.pk, "member_id": "SAG-1001"}]
    assert LedgerEntry.objects.filter(record_type="talent", record_id=response.json()["id"]).exists()


def test_a_member_id_already_taken_in_the_guild_is_refused(world, api):
    f.make_talent("Maria Alvarez", guild=world.guild, member_id="SAG-1001")
    before = Talent.objects.count(), LedgerEntry.objects.count()
    response = api(world.clearance).post(
        "/api/talent/", {"legal_name": "Someone Else", "memberships": [{"guild": world.guild.pk, "member_id": "SAG-1001"}]}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "member_id_taken"
    assert (Talent.objects.count(), LedgerEntry.objects.count()) == before
    assert GuildMembership.objects.count() == 1


def test_bad_talent_is_refused(world, api):
    client = api(world.clearance)
    assert client.post("/api/talent/", {"legal_name": "X", "is_deceased": True, "is_minor": True}, format="json").json()["errors"][0]["code"] == "deceased_minor"
    assert client.post("/api/talent/", {"legal_name": "X", "external_ids": {"isni": "12"}}, format="json").json()["errors"][0]["code"] == "isni_invalid"
    assert client.post("/api/talent/", {"legal_name": "X", "memberships": [{"guild": 999, "member_id": "1"}]}, format="json").json()["errors"][0]["code"] == "guild_unknown"
    assert Talent.objects.count() == 0


def test_producers_and_guild_reps_cannot_register_talent(world, api):
    for user in (world.producer_a, world.guild_rep, world.auditor):
        assert api(user).post("/api/talent/", {"legal_name": "X"}, format="json").status_code == 403
