"""A unique constraint is answered as 400 or 409 with a message, never a 500: the create paths
check first and say it in their words, and a write that loses a race to the same key (where no
check can help) is answered 409 by one middleware, naming what must be unique."""

import threading
import time

import pytest
from django.apps import apps
from django.db import connection, transaction

from rightsledger import services
from rightsledger.errors import unique_fields
from rightsledger.models import Guild, GuildMembership, LedgerEntry, Talent

APPS = ("rightsledger", "provenance", "generation", "tracker")


def test_a_guild_given_twice_when_registering_talent_is_a_400_and_writes_nothing(world, api):
    before = Talent.objects.count(), GuildMembership.objects.count(), LedgerEntry.objects.count()
    for memberships in (
        [{"guild": world.guild.pk, "member_id": "SAG-1"}, {"guild": world.guild.pk, "member_id": "SAG-2"}],
        [{"guild": world.guild.pk, "member_id": "SAG-1"}, {"guild": world.guild.pk, "member_id": "SAG-1"}],
    ):
        response = api(world.clearance).post(
            "/api/talent/", {"legal_name": "Ana Ruiz", "memberships": memberships}, format="json"
        )
        assert response.status_code == 400, response.content
        error = response.json()["errors"][0]
        assert (
            error["field"] == "memberships"
            and error["code"] == "guild_repeated"
            and "given twice" in error["message"]
        )
    assert (Talent.objects.count(), GuildMembership.objects.count(), LedgerEntry.objects.count()) == before
    # One membership in each of two guilds is what a performer may have.
    response = api(world.clearance).post(
        "/api/talent/",
        {
            "legal_name": "Ana Ruiz",
            "memberships": [
                {"guild": world.guild.pk, "member_id": "SAG-1"},
                {"guild": world.other_guild.pk, "member_id": "EQ-1"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content


def test_every_unique_constraint_of_every_app_is_named_when_it_refuses(db):
    """Every unique constraint in the database, of every app's tables (unique fields and one-to-one
    keys among them), is found from what PostgreSQL reports (table and constraint name), so its
    409 names the record and the fields that must be unique."""
    found = 0
    with connection.cursor() as cursor:
        for app in APPS:
            for model in apps.get_app_config(app).get_models():
                table = model._meta.db_table
                for name, c in connection.introspection.get_constraints(cursor, table).items():
                    if not c["unique"] or c["primary_key"]:
                        continue
                    owner, fields = unique_fields(table, name)
                    assert owner is model, (table, name)
                    columns = [model._meta.get_field(f).column for f in fields]
                    assert sorted(columns) == sorted(c["columns"]), (table, name, fields, c["columns"])
                    found += 1
    assert found >= 15


@pytest.mark.django_db(transaction=True)
def test_a_key_taken_by_a_concurrent_writer_is_a_409_with_a_message(world, api):
    """Another transaction registers the guild after this request checked that the name was free
    and before it wrote: PostgreSQL refuses the second row, and the caller is told why."""
    from .. import factories as f

    admin = f.UserFactory(username="operator", is_superuser=True)
    holding = threading.Event()

    def other_writer():
        try:
            with transaction.atomic():
                services.guild_create(actor=None, name="Writers Guild", abbreviation="WGA")
                holding.set()
                time.sleep(1.0)  # committed while the request below waits on the row's key
        finally:
            connection.close()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert holding.wait(10)
    entries = LedgerEntry.objects.count()
    response = api(admin).post(
        "/api/guilds/", {"name": "Writers Guild", "abbreviation": "WGA"}, format="json"
    )
    thread.join(10)
    assert response.status_code == 409, response.content
    error = response.json()["errors"][0]
    assert (
        error["code"] == "already_exists"
        and error["field"] == "name"
        and "guild with the same name" in error["message"]
    ), error
    assert (
        Guild.objects.filter(name="Writers Guild").count() == 1 and LedgerEntry.objects.count() == entries + 1
    )


def test_a_signing_identity_name_already_registered_is_refused_in_words(db, tmp_path):
    """The signing command's path: a name taken is a SigningError the command prints, not an
    IntegrityError's traceback."""
    from provenance import identity as ident
    from provenance import services as prov
    from provenance.models import SigningIdentity

    paths = ident.dev_chain_create(tmp_path / "studio", label="Studio")
    prov.identity_register(
        name="studio-2027", chain_pem=paths["chain"].read_text(), key_path=str(paths["key"])
    )
    entries = LedgerEntry.objects.count()
    with pytest.raises(prov.SigningError, match="already registered"):
        prov.identity_register(
            name="studio-2027", chain_pem=paths["chain"].read_text(), key_path=str(paths["key"])
        )
    assert (
        SigningIdentity.objects.filter(name="studio-2027").count() == 1
        and LedgerEntry.objects.count() == entries
    )


def test_an_isni_of_unicode_digits_is_refused(world, api):
    """isdigit() passes "²" and "١": an ISNI is ASCII digits and a check character."""
    for isni in ("١" * 15 + "X", "²" * 15 + "1", "0000000121032６83"):
        response = api(world.clearance).post(
            "/api/talent/", {"legal_name": "Ana Ruiz", "external_ids": {"isni": isni}}, format="json"
        )
        assert response.status_code == 400 and response.json()["errors"][0]["code"] == "isni_invalid", isni


def test_sqlites_report_of_a_unique_constraint_is_named_too(db):
    """The demo runs on SQLite, which names the columns instead of the constraint."""
    import sqlite3

    from django.db import IntegrityError

    from rightsledger.errors import unique_conflict

    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE rightsledger_guildmembership"
        " (guild_id int, talent_id int, member_id text, UNIQUE (guild_id, talent_id))"
    )
    db.execute("INSERT INTO rightsledger_guildmembership VALUES (1, 2, 'A')")
    with pytest.raises(sqlite3.IntegrityError) as raised:
        db.execute("INSERT INTO rightsledger_guildmembership VALUES (1, 2, 'B')")
    wrapped = IntegrityError(str(raised.value))
    wrapped.__cause__ = raised.value
    conflict = unique_conflict(wrapped)
    assert conflict.field == "guild" and "guild membership with the same guild and talent" in conflict.message
