"""The registers: each list's search, filters, sorting, pages and access; the export of selected
rows; acknowledging notices; and a page's queries, the same for a few rows as for many."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from generation import services as gen
from portal import registers
from rightsledger import services
from rightsledger.models import CalendarFeed, Notification

from .. import factories as f

TODAY = datetime.date.today()


@pytest.fixture
def books(world):
    """Production A's grants, consents, a reservation; one grant of production B."""
    w = world
    w.plate = f.make_asset(w.prod_a, seed=1, owner=w.party)
    w.matte = f.make_asset(w.prod_a, seed=2, owner=w.party)
    w.lighthouse = f.make_grant(
        w.prod_a,
        w.party,
        [w.matte],
        uses=["genai_input"],
        media=["svod"],
        territories=["GB", "US"],
        term_end=TODAY + datetime.timedelta(days=20),
        restrictions="No use in advertising.",
    )
    w.harbour = f.make_grant(
        w.prod_a,
        f.make_party(w.studio, name="Blue Harbour VFX"),
        [w.plate],
        uses=["edit", "distribution"],
        media=["theatrical"],
        territories=["WORLD"],
        territory_exclusions=["CN"],
        term_end=TODAY + datetime.timedelta(days=400),
    )
    w.old = f.make_grant(w.prod_a, w.party, [w.plate], term_end=TODAY - datetime.timedelta(days=3))
    w.revoked = services.grant_revoke(
        actor=None,
        grant=f.make_grant(w.prod_a, w.party, [w.plate], term_end=TODAY + datetime.timedelta(days=50)),
        reason="Contract terminated early.",
    )
    w.other = f.make_grant(w.prod_b, w.party, [f.make_asset(w.prod_b, seed=3)], restrictions="Salt Road only")
    w.maria = f.make_talent("Maria Alvarez", guild=w.guild, member_id="SAG-1")
    w.tomas = f.make_talent("Tomas Berg", guild=w.other_guild, member_id="EQ-1")
    w.maria_consent = f.make_consent(w.prod_a, w.maria, term_end=TODAY + datetime.timedelta(days=10))
    w.tomas_consent = f.make_consent(w.prod_a, w.tomas, permitted_uses=["dubbing"])
    w.maria_b = f.make_consent(w.prod_b, w.maria)
    return w


def names(response) -> list[str]:
    """The records' names on a register's page, in order."""
    return [r.name for r in response.context["rows"]]


def test_clearance_searches_grants_by_party_asset_and_restriction_text(books, client):
    client.force_login(books.clearance)
    by_party = client.get("/registers/grants/", {"q": "blue harb"})
    assert by_party.status_code == 200
    assert names(by_party) == [f"Grant {books.harbour.pk}"]
    by_note = client.get("/registers/grants/", {"q": "advertising"})
    assert names(by_note) == [f"Grant {books.lighthouse.pk}"]
    assert "Salt Road" not in client.get("/registers/grants/", {"q": "salt"}).content.decode()
    assert names(client.get("/registers/grants/", {"q": "salt"})) == []


def test_grant_filters_by_status_use_medium_territory_and_end(books, client):
    w = books
    client.force_login(w.clearance)
    get = lambda **p: names(client.get("/registers/grants/", p))  # noqa: E731
    assert get(status="revoked") == [f"Grant {w.revoked.replaces_id}"]
    assert get(status="expired") == [f"Grant {w.old.pk}"]
    assert set(get(status="active")) == {f"Grant {w.lighthouse.pk}", f"Grant {w.harbour.pk}"}
    assert get(use="distribution", status="active") == [f"Grant {w.harbour.pk}"]
    assert get(medium="svod", status="active") == [f"Grant {w.lighthouse.pk}"]
    # Worldwide less China covers France; the lighthouse grant (GB, US) does not.
    assert get(territory="FR", status="active") == [f"Grant {w.harbour.pk}"]
    assert get(territory="CN", status="active") == []
    assert f"Grant {w.lighthouse.pk}" in get(territory="GB")
    before = (TODAY + datetime.timedelta(days=30)).isoformat()
    assert get(ends_before=before, status="active") == [f"Grant {w.lighthouse.pk}"]


def test_a_revoked_grant_keeps_its_first_number_and_reads_revoked(books, client):
    client.force_login(books.clearance)
    response = client.get("/registers/grants/", {"status": "revoked"})
    (row,) = response.context["rows"]
    assert row.name == f"Grant {books.revoked.replaces_id}" and row.pk == books.revoked.pk
    assert row.status == "revoked"
    assert f'href="/records/grant/{books.revoked.pk}/"' in response.content.decode()


def test_grants_sort_by_their_columns_both_ways(books, client):
    w = books
    client.force_login(w.clearance)
    ascending = names(client.get("/registers/grants/", {"sort": "ends"}))
    assert ascending[0] == f"Grant {w.old.pk}" and ascending[-1] == f"Grant {w.harbour.pk}"
    assert names(client.get("/registers/grants/", {"sort": "-ends"})) == ascending[::-1]
    page = client.get("/registers/grants/", {"sort": "ends", "status": "active"}).content.decode()
    # The column's link turns the order round and keeps the filters.
    assert 'aria-sort="ascending"' in page and "sort=-ends" in page and "status=active" in page


def test_a_filter_it_cannot_read_is_a_400_that_says_what_to_change(books, client):
    client.force_login(books.clearance)
    response = client.get("/registers/grants/", {"ends_before": "next week", "medium": "cinema"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter a valid date." in text and "Select a valid choice." in text
    assert response.context["rows"] == []


def test_pages_split_a_long_list_and_keep_the_filters(books, client, monkeypatch):
    monkeypatch.setattr(registers, "PAGE_SIZE", 2)
    client.force_login(books.clearance)
    first = client.get("/registers/grants/", {"sort": "name"})
    second = client.get("/registers/grants/", {"sort": "name", "page": 2})
    assert first.context["page"].paginator.num_pages == 2
    assert len(names(first)) == 2 and len(names(second)) == 2
    assert not set(names(first)) & set(names(second))
    assert "sort=name&amp;page=2" in first.content.decode()


def test_a_producer_of_another_production_sees_nothing_of_it(books, client):
    w = books
    client.force_login(w.producer_b)
    for kind in registers.REGISTERS:
        response = client.get(f"/registers/{kind}/")
        assert response.status_code == 200
        assert "The Long Night" not in response.content.decode(), kind
    assert names(client.get("/registers/grants/")) == [f"Grant {w.other.pk}"]
    # Naming production A in the address shows nothing of it either.
    assert client.get(f"/productions/{w.prod_a.pk}/registers/grants/").status_code == 404
    assert client.get("/registers/grants/", {"production": w.prod_a.pk}).status_code == 400


def test_a_guild_representative_has_no_registers_and_a_stranger_must_sign_in(books, client):
    client.force_login(books.guild_rep)
    assert client.get("/registers/consents/").status_code == 403
    client.logout()
    assert client.get("/registers/consents/").status_code == 302
    client.force_login(books.clearance)
    assert client.get("/registers/contracts/").status_code == 404


def test_one_production_register_and_the_production_filter(books, client):
    w = books
    client.force_login(w.admin)  # both productions
    everything = names(client.get("/registers/consents/"))
    assert len(everything) == 3
    of_b = client.get(f"/productions/{w.prod_b.pk}/registers/consents/")
    assert names(of_b) == [f"Consent {w.maria_b.pk}"]
    assert names(client.get("/registers/consents/", {"production": w.prod_a.pk})) == [
        f"Consent {w.tomas_consent.pk}",
        f"Consent {w.maria_consent.pk}",
    ]


def test_consents_search_performers_and_filter_by_use_and_flag(books, client):
    w = books
    client.force_login(w.clearance)
    assert names(client.get("/registers/consents/", {"q": "alva"})) == [f"Consent {w.maria_consent.pk}"]
    assert names(client.get("/registers/consents/", {"use": "dubbing"})) == [f"Consent {w.tomas_consent.pk}"]
    services.consent_flag(actor=w.guild_rep, consent=w.maria_consent, guild=w.guild, reason="Scope unclear")
    assert names(client.get("/registers/consents/", {"flagged": "yes"})) == [f"Consent {w.maria_consent.pk}"]
    assert names(client.get("/registers/consents/", {"flagged": "no"})) == [f"Consent {w.tomas_consent.pk}"]


def test_search_never_reads_an_erased_performers_fields(books, client):
    w = books
    client.force_login(w.clearance)
    assert names(client.get("/registers/consents/", {"q": "rooftop"})) == [
        f"Consent {w.tomas_consent.pk}",
        f"Consent {w.maria_consent.pk}",
    ]
    services.talent_erase(actor=w.admin, talent=w.maria, basis="performer_request")
    assert names(client.get("/registers/consents/", {"q": "rooftop"})) == [f"Consent {w.tomas_consent.pk}"]
    assert names(client.get("/registers/consents/", {"q": "alvarez"})) == []


def test_the_other_registers_search_and_filter(books, client, django_capture_on_commit_callbacks):
    w = books
    shot = f.make_shot(w.prod_a, "EP102_SH0040", sequence="Rooftop chase")
    f.make_shot(w.prod_a, "EP102_SH0050")
    services.reservation_create(
        actor=None,
        subject_type="asset",
        asset=w.matte,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
        note="Vendor reserves training",
    )
    client.force_login(w.clearance)
    assert names(client.get("/registers/shots/", {"q": "rooftop"})) == [f"Shot {shot.code}"]
    assert names(client.get("/registers/shots/", {"q": "sh0050"})) == ["Shot EP102_SH0050"]
    assert len(names(client.get("/registers/reservations/", {"q": "vendor", "use": "ai_training"}))) == 1
    assert names(client.get("/registers/reservations/", {"use": "data_mining"})) == []
    assert len(names(client.get("/registers/reservations/", {"status": "active"}))) == 1
    assert names(client.get("/registers/reservations/", {"status": "revoked"})) == []
    assets = client.get("/registers/assets/", {"kind": "plate", "sort": "name"})
    assert [r.pk for r in assets.context["rows"]] == [w.plate.pk, w.matte.pk]
    assert assets.context["rows"][0].picture_url == f"/assets/{w.plate.pk}/"
    assert client.get("/registers/requests/", {"status": "approved"}).status_code == 200


def test_export_writes_the_selected_rows_with_named_columns(books, client):
    w = books
    client.force_login(w.clearance)
    response = client.post("/registers/grants/export.csv", {"selected": [w.lighthouse.pk, w.other.pk]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Grant", "Version", "Status", "Grantor"]
    assert len(rows) == 2  # production B's grant, not the user's to see, is left out
    record = dict(zip(rows[0], rows[1]))
    assert record["Grant"] == f"Grant {w.lighthouse.pk}"
    assert record["Territories"] == "United Kingdom and United States"
    assert record["Media"] == "SVOD" and record["Uses"] == "input to AI generation"
    assert record["Restrictions"] == "No use in advertising."


def test_export_with_nothing_selected_says_so(books, client):
    client.force_login(books.clearance)
    response = client.post("/registers/consents/export.csv", {})
    assert response.status_code == 400
    assert "Select at least one consent to export" in response.content.decode()
    bad = client.post("/registers/consents/export.csv", {"selected": ["1; DROP"]})
    assert bad.status_code == 400 and "could not be read" in bad.content.decode()


def test_clearance_acknowledges_only_the_selected_notices(books, client):
    w = books
    keep, read = services.notify(users=[w.clearance, w.clearance], subject="Term ending")
    client.force_login(w.clearance)
    client.post("/notifications/read/", {"selected": [read.pk]})
    assert Notification.objects.get(pk=read.pk).read_at is not None
    assert Notification.objects.get(pk=keep.pk).read_at is None


@pytest.mark.parametrize("kind", list(registers.REGISTERS))
def test_a_register_page_costs_the_same_queries_for_few_rows_as_for_many(world, client, kind):
    w = world
    client.force_login(w.clearance)

    def grow(n):
        for _ in range(n):
            shot = f.make_shot(w.prod_a, f"EP1_SH{w.prod_a.shots.count():04d}")
            asset = f.make_asset(w.prod_a, seed=100 + shot.pk, owner=w.party)
            f.make_grant(w.prod_a, w.party, [asset, f.make_asset(w.prod_a, seed=500 + shot.pk)])
            talent = f.make_talent(f"Performer {shot.pk}", guild=w.guild, member_id=f"S-{shot.pk}")
            consent = f.make_consent(w.prod_a, talent)
            services.consent_flag(actor=w.guild_rep, consent=consent, guild=w.guild, reason="Check")
            services.reservation_create(
                actor=None,
                subject_type="asset",
                asset=asset,
                uses=["ai_training"],
                source="contract",
                effective_date=datetime.date(2026, 1, 1),
                note="A long-standing reservation",
            )
            gen.request_submit(
                actor=w.producer_a,
                production=w.prod_a,
                shot=shot,
                engine="atmosphere",
                seed=1,
                intended_use="atmosphere",
                media=["theatrical"],
                territories=["US"],
                release_start=datetime.date(2026, 6, 1),
                release_end=datetime.date(2026, 12, 31),
                inputs=[{"asset": asset, "role": "plate"}],
            )

    def cost():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/registers/{kind}/", {"q": "long", "sort": "-name"})
        assert response.status_code == 200
        return len(queries), len(response.context["rows"])

    grow(1)
    few, rows = cost()
    assert rows >= 1
    grow(5)
    many, more = cost()
    assert more > rows
    assert many == few


# --- The guild representative's list -------------------------------------------------------------


def test_the_guild_representative_lists_only_the_members_consents(books, client):
    w = books
    client.force_login(w.guild_rep)
    response = client.get("/guild/consents/")
    assert response.status_code == 200
    # Maria is a member (both productions); Tomas belongs to another guild.
    assert names(response) == [f"Consent {w.maria_b.pk}", f"Consent {w.maria_consent.pk}"]
    assert "Tomas" not in response.content.decode()
    # Only the productions of its members' records are offered, and another is refused.
    offered = [c for c, _ in response.context["filterset"].form.fields["production"].choices if c]
    assert sorted(offered) == sorted([str(w.prod_a.pk), str(w.prod_b.pk)])
    assert client.get("/guild/consents/", {"production": w.prod_other.pk}).status_code == 400


def test_the_guild_searches_filters_sorts_and_pages_its_list(books, client, monkeypatch):
    w = books
    services.consent_flag(actor=w.guild_rep, consent=w.maria_b, guild=w.guild, reason="Scope unclear")
    # Another guild's flag on a consent the rep sees does not count as the rep's.
    client.force_login(w.guild_rep)
    get = lambda **p: names(client.get("/guild/consents/", p))  # noqa: E731
    assert get(production=w.prod_b.pk) == [f"Consent {w.maria_b.pk}"]
    assert get(flagged="yes") == [f"Consent {w.maria_b.pk}"]
    assert get(flagged="no") == [f"Consent {w.maria_consent.pk}"]
    assert get(q="rooftop", status="active") == [f"Consent {w.maria_b.pk}", f"Consent {w.maria_consent.pk}"]
    assert get(q="tomas") == []
    assert get(sort="ends") == [f"Consent {w.maria_consent.pk}", f"Consent {w.maria_b.pk}"]
    monkeypatch.setattr(registers, "PAGE_SIZE", 1)
    page = client.get("/guild/consents/", {"sort": "ends", "page": 2})
    assert names(page) == [f"Consent {w.maria_b.pk}"]
    assert "Page 2 of 2" in page.content.decode()


# --- Terms ending: the calendar and its feed -----------------------------------------------------


def month(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def test_the_calendar_shows_each_term_ending_on_its_day(books, client):
    w = books
    client.force_login(w.clearance)
    ends = w.lighthouse.term_end
    response = client.get("/registers/calendar/", {"month": month(ends)})
    assert response.status_code == 200
    text = response.content.decode()
    assert f"{ends:%B %Y}" in text
    cell = next(c for week in response.context["weeks"] for c in week if c["day"] == ends)
    assert f"Grant {w.lighthouse.pk}" in [e.name for e in cell["endings"]]
    assert f'href="/records/grant/{w.lighthouse.pk}/"' in text
    # A revoked grant's term no longer ends: it is not shown.
    assert not any(
        e.name == f"Grant {w.revoked.replaces_id}"
        for week in response.context["weeks"]
        for c in week
        for e in c["endings"]
    )
    previous = (ends.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    assert f'href="?month={previous}"' in text
    assert client.get("/registers/calendar/", {"month": "December"}).status_code == 400


def test_the_calendar_of_another_production_is_empty(books, client):
    client.force_login(books.producer_b)
    response = client.get("/registers/calendar/", {"month": month(books.lighthouse.term_end)})
    assert response.status_code == 200 and response.context["count"] == 0
    assert f"Grant {books.lighthouse.pk}" not in response.content.decode()


def feed_token(client) -> str:
    """Make the signed-in user's feed address through the calendar page; return its token."""
    page = client.post("/registers/calendar/feed/", {"action": "renew"}, follow=True)
    token = page.context["token"]
    assert f"/calendar/{token}.ics" in page.content.decode()
    return token


def test_the_feed_lists_the_users_terms_as_icalendar_events(books, client):
    import icalendar

    w = books
    client.force_login(w.clearance)
    token = feed_token(client)
    client.logout()
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    lighthouse = events[f"Grant {w.lighthouse.pk} ends: Northlight Stock Ltd to The Long Night"]
    assert lighthouse.decoded("dtstart") == w.lighthouse.term_end
    assert f"Consent {w.maria_consent.pk} ends: Maria Alvarez for The Long Night" in events
    assert not any("Salt Road" in s for s in events)  # production B is not the user's
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))  # RFC 5545 folding
    # The token is kept only as its hash.
    assert not CalendarFeed.objects.filter(token_sha256=token).exists()


def test_a_revoked_or_replaced_feed_answers_404(books, client):
    client.force_login(books.clearance)
    first = feed_token(client)
    second = feed_token(client)
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    client.post("/registers/calendar/feed/", {"action": "revoke"})
    assert client.get(f"/calendar/{second}.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_a_user_who_lost_the_role_sees_less_in_the_feed(books, client):
    w = books
    client.force_login(w.admin)
    token = feed_token(client)
    assert b"Salt Road" in client.get(f"/calendar/{token}.ics").content
    role = w.admin.rl_roles.get(kind="studio_admin", replaced_by__isnull=True)
    services.role_revoke(actor=None, role=role, reason="Left the studio")
    w.admin.refresh_from_db()
    body = client.get(f"/calendar/{token}.ics").content
    assert b"VCALENDAR" in body and b"VEVENT" not in body
