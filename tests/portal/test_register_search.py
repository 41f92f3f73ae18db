"""The registers' search: every word found in one of a register's fields, across the records a
row relates to, counted once, at no statement of its own, and answered on PostgreSQL from the
searched columns' indexes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import filters, registers
from rightsledger import services

from .. import factories as f
from .. import images

# Users are few and auth_user is Django's table: its usernames are searched without an index.
UNINDEXED = {("auth_user", "username")}

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes are PostgreSQL's; SQLite searches without"
)


def titled_asset(w, seed: int, title: str):
    upload = SimpleUploadedFile(f"still_{seed}.png", images.png(seed), content_type="image/png")
    asset, _ = services.asset_register(
        actor=None, production=w.prod_a, upload=upload, kind="plate", owner=w.party, title=title
    )
    return asset


def names(response) -> list[str]:
    return [r.name for r in response.context["rows"]]


@pytest.fixture
def grants(world):
    """A grant of two assets, one of a third asset with a restriction, one of production B."""
    w = world
    w.pier = titled_asset(w, 1, "Pier at dawn")
    w.lighthouse = titled_asset(w, 2, "Lighthouse matte")
    w.cliff = titled_asset(w, 3, "Cliff plate")
    w.both = f.make_grant(w.prod_a, f.make_party(w.studio, name="Blue Harbour VFX"), [w.pier, w.lighthouse])
    w.credited = f.make_grant(w.prod_a, w.party, [w.cliff], restrictions="Credit the lighthouse keeper.")
    w.other = f.make_grant(
        w.prod_b, w.party, [f.make_asset(w.prod_b, seed=4)], restrictions="Lighthouse scenes only"
    )
    return w


def test_each_word_may_be_in_a_different_field_or_related_record(grants, client):
    w = grants
    client.force_login(w.clearance)
    get = lambda q: names(client.get("/registers/grants/", {"q": q}))  # noqa: E731
    # A party's name and an asset's title; two assets of one grant: the grant, once.
    assert get("harbour pier") == [f"Grant {w.both.pk}"]
    assert get("dawn matte") == [f"Grant {w.both.pk}"]
    # An asset's title or a restriction; production B's grant is not the clearance user's to see.
    assert get("lighthouse") == [f"Grant {w.credited.pk}", f"Grant {w.both.pk}"]
    assert get("light keep") == [f"Grant {w.credited.pk}"]
    assert get("lighthouse scenes") == []
    assert get("pier keeper") == []
    assert client.get("/registers/grants/", {"q": "lighthouse"}).context["page"].paginator.count == 2


def test_a_search_costs_no_statement_more_than_the_plain_list(grants, client):
    client.force_login(grants.clearance)
    for kind in registers.REGISTERS:
        pages = []
        for params in ({}, {"q": "long night"}):  # every record of The Long Night
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/registers/{kind}/", params)
            assert response.status_code == 200
            pages.append((len(queries), names(response)))
        assert pages[0] == pages[1], kind


def _searched_columns(user):
    """Yield each register's model and searched field, with the table and column it reads (the
    guild's list searches what the consents' register does)."""
    for register in registers.REGISTERS.values():
        model = register.rows(user).model
        for field in register.filterset.searched:
            *hops, column = field.path.split("__")
            target = model
            for hop in hops:
                target = target._meta.get_field(hop).related_model
            yield model, field, target._meta.db_table, target._meta.get_field(column).column


@postgresql_only
def test_every_searched_column_has_the_index_the_search_reads(world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%to_tsvector%'")
        indexed = cursor.fetchall()
    for _, field, table, column in _searched_columns(world.clearance):
        if (table, column) in UNINDEXED:
            continue
        words = ("to_tsvector('simple'::regconfig", f"COALESCE({column}, ''")
        found = [d for t, d in indexed if t == table and all(w in d.replace('"', "") for w in words)]
        assert found, (table, field.path)


@postgresql_only
def test_the_search_is_planned_on_the_indexes(world):
    """With scans of whole tables (and of whole indexes) priced out, every searched column is read
    through its own index: the search's expression is the index's."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        for model, field, table, column in _searched_columns(world.clearance):
            if (table, column) in UNINDEXED:
                continue
            qs = filters.search(model.objects.all(), (field,), "lighthouse")
            sql, params = qs.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert f"{table}_{column}_words" in plan, (table, field.path, plan)
