"""A production's performer rules page: who reads it, who switches a rule (a ledger entry, and the
gate's answer changes), labour actions recorded and ended, and bad input answered on the form."""

import datetime

import pytest

from rightsledger.models import LabourAction, LedgerEntry, Production

from ..generation.conftest import Gate


@pytest.fixture
def gate(world):
    return Gate(world)


def page_url(world):
    return f"/productions/{world.prod_a.pk}/performers/"


def switch(client, world, rule, on=True):
    return client.post(f"{page_url(world)}rules/", {"rule": rule, "on": "1" if on else "0"})


def record(client, world, **fields):
    data = {"guild": world.guild.pk, "started_on": "2026-01-05", "note": "The strike over AI replicas."}
    return client.post(f"{page_url(world)}labour-actions/", {**data, **fields})


def rules_of(world):
    return Production.objects.get(pk=world.prod_a.pk).performer_rules


def submit(gate):
    """Producer A's request with the performer's likeness, through the service, as the production
    stands now (the page changed it in the database, not in the test's copy)."""
    gate.world.prod_a.refresh_from_db()
    return gate.submit(likeness=True)


@pytest.mark.parametrize(
    "who,status,may_switch",
    [
        ("admin", 200, True),  # a studio admin acts on every production of the studio
        ("clearance", 200, True),  # clearance of production A switches its rules
        ("producer_a", 200, False),  # production A's producer reads them, to know what the gate asks
        ("auditor", 200, False),  # the auditor reads them
        ("producer_b", 404, False),  # production B's producer never sees production A
        ("guild_rep", 404, False),  # a guild representative sees members' consents, not productions
    ],
)
def test_who_reads_the_page_and_who_sees_the_switches(world, client, who, status, may_switch):
    client.force_login(getattr(world, who))
    response = client.get(page_url(world))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "No digital replica of a striking union&#x27;s members during a labour action" in html
        assert "What it refuses:" in html and "All 6 rules are off." in html
        assert ("Switch this rule on" in html) is may_switch
        assert ("Record a labour action" in html) is may_switch


def test_anonymous_is_sent_to_log_in(world, client):
    response = client.get(page_url(world))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("who", ["producer_a", "auditor"])
def test_a_reader_cannot_switch_a_rule_nor_record_a_labour_action(world, client, who):
    client.force_login(getattr(world, who))
    before = LedgerEntry.objects.count()
    assert switch(client, world, "labour_action").status_code == 403
    assert record(client, world).status_code == 403
    assert LedgerEntry.objects.count() == before
    assert rules_of(world) == [] and not LabourAction.objects.exists()


def test_switching_a_rule_records_it_and_changes_the_gates_answer(world, client, gate):
    gate.consent_and_grant()
    # The performer is a member of SAG-AFTRA, whose strike clearance records first.
    client.force_login(world.clearance)
    assert record(client, world).status_code == 302
    held = submit(gate)
    assert held.status == "needs_clearance"  # the rule is off: the strike changes nothing yet

    response = switch(client, world, "labour_action")
    assert response.status_code == 302 and response["Location"].endswith("#rule-labour_action")
    assert rules_of(world) == ["labour_action"]
    entry = LedgerEntry.objects.filter(entry_type="production.performer_rules_set").get()
    assert '"switched_on":["labour_action"]' in bytes(entry.body).decode()
    assert entry.actor == f"user:{world.clearance.pk}"

    refused = submit(gate)
    assert refused.status == "refused"
    html = client.get(page_url(world)).content.decode()
    assert "Switched on by clearance" in html and '<span class="badge ok">On</span>' in html

    # Switching it on again writes nothing; switching another leaves this one on.
    before = LedgerEntry.objects.count()
    assert switch(client, world, "labour_action").status_code == 302
    assert LedgerEntry.objects.count() == before
    assert switch(client, world, "minor_sign_off").status_code == 302
    assert rules_of(world) == ["labour_action", "minor_sign_off"]
    assert switch(client, world, "labour_action", on=False).status_code == 302
    assert rules_of(world) == ["minor_sign_off"]
    assert submit(gate).status == "needs_clearance"


def test_the_request_page_says_why_a_strike_refused_it_and_what_to_do(world, client, gate):
    gate.consent_and_grant()
    client.force_login(world.clearance)
    record(client, world)
    switch(client, world, "labour_action")
    refused = submit(gate)
    client.force_login(world.producer_a)
    html = client.get(f"/requests/{refused.pk}/").content.decode()
    assert (
        "Mara Vega is a member of SAG-AFTRA, whose labour action against this production has been in force "
        "since 5 January 2026: no digital replica of its members may be used while it lasts."
    ) in html
    assert "To pass: Wait until clearance records the end of the labour action" in html
    assert f'href="/productions/{world.prod_a.pk}/performers/#labour-action-' in html
    assert "SAG-AFTRA&#x27;s labour action, in force since 5 January 2026" in html


def test_an_unknown_rule_is_refused_on_the_page(world, client):
    client.force_login(world.clearance)
    before = LedgerEntry.objects.count()
    response = switch(client, world, "no_such_rule")
    assert response.status_code == 400
    assert "There is no such performer rule: choose one of those listed." in response.content.decode()
    assert LedgerEntry.objects.count() == before and rules_of(world) == []


def test_a_labour_action_is_recorded_shown_and_ended(world, client):
    client.force_login(world.clearance)
    response = record(client, world)
    assert response.status_code == 302
    action = LabourAction.objects.get()
    assert (action.guild, action.started_on, action.ended_on) == (
        world.guild,
        datetime.date(2026, 1, 5),
        None,
    )
    assert action.note == "The strike over AI replicas."
    assert LedgerEntry.objects.filter(entry_type="labour_action.recorded", record_id=action.pk).exists()
    html = client.get(page_url(world)).content.decode()
    assert "SAG-AFTRA&#x27;s labour action, in force since 5 January 2026" in html
    assert "The strike over AI replicas." in html and "Record its end" in html

    end = f"{page_url(world)}labour-actions/{action.pk}/end/"
    assert client.post(end, {"ended_on": "2026-02-10"}).status_code == 302
    action.refresh_from_db()
    assert action.ended_on == datetime.date(2026, 2, 10)
    assert LedgerEntry.objects.filter(entry_type="labour_action.ended", record_id=action.pk).exists()
    html = client.get(page_url(world)).content.decode()
    assert "from 5 January 2026 to 10 February 2026" in html
    assert "No labour action against this production is in force." in html
    assert "its end recorded by clearance" in html


def test_bad_labour_action_input_is_answered_on_the_form(world, client):
    client.force_login(world.clearance)
    before = LedgerEntry.objects.count()
    # An unknown union (one not listed: a posted id that no union has), and no union at all.
    for guild in ("999999", "", "SAG"):
        response = record(client, world, guild=guild)
        assert response.status_code == 400
        html = response.content.decode()
        assert "Choose the union whose labour action this is, from those listed." in html
        assert "The strike over AI replicas." in html  # what was typed is kept
    # A day that does not exist.
    response = record(client, world, started_on="2026-02-31")
    assert response.status_code == 400
    # The form's date field picks a day: the answer names none of the API's formats.
    assert "Give the day the labour action started." in response.content.decode()
    assert "YYYY" not in response.content.decode()
    assert LedgerEntry.objects.count() == before and not LabourAction.objects.exists()

    # A second one of the same union while the first is in force.
    assert record(client, world).status_code == 302
    again = record(client, world)
    assert again.status_code == 409
    assert (
        "A labour action of SAG-AFTRA against this production is already in force" in again.content.decode()
    )
    assert LabourAction.objects.count() == 1


def test_ending_before_the_start_or_twice_is_answered_on_the_page(world, client):
    client.force_login(world.clearance)
    record(client, world)
    action = LabourAction.objects.get()
    end = f"{page_url(world)}labour-actions/{action.pk}/end/"
    before = LedgerEntry.objects.count()
    response = client.post(end, {"ended_on": "2026-01-01"})
    assert response.status_code == 400
    assert (
        "The labour action started on 5 January 2026: it cannot end before that, on 1 January 2026."
        in response.content.decode()
    )
    response = client.post(end, {"ended_on": ""})
    assert response.status_code == 400
    assert "Give the day the labour action ended." in response.content.decode()
    assert "YYYY" not in response.content.decode()
    assert LedgerEntry.objects.count() == before
    assert client.post(end, {"ended_on": "2026-01-31"}).status_code == 302
    twice = client.post(end, {"ended_on": "2026-02-28"})
    assert twice.status_code == 409
    assert "This labour action already ended, on 31 January 2026." in twice.content.decode()
    action.refresh_from_db()
    assert action.ended_on == datetime.date(2026, 1, 31)


def test_a_labour_action_of_another_production_is_not_found(world, client):
    client.force_login(world.admin)
    record(client, world)
    action = LabourAction.objects.get()
    response = client.post(
        f"/productions/{world.prod_b.pk}/performers/labour-actions/{action.pk}/end/",
        {"ended_on": "2026-02-01"},
    )
    assert response.status_code == 404
    assert LabourAction.objects.get().ended_on is None


def test_the_production_pages_link_to_the_rules(world, client):
    client.force_login(world.clearance)
    url = page_url(world)
    for page in (
        "/productions/",
        f"/productions/{world.prod_a.pk}/shots/",
        f"/productions/{world.prod_a.pk}/disclosure/",
    ):
        assert f'href="{url}"' in client.get(page).content.decode(), page


def test_the_rules_and_the_continuity_pages_link_to_each_other(world, client):
    """Both are about the production's performers: each leads to the other."""
    client.force_login(world.auditor)
    rules, continuity = page_url(world), f"/productions/{world.prod_a.pk}/continuity/"
    assert f'href="{continuity}">Character continuity</a>' in client.get(rules).content.decode()
    assert f'href="{rules}">Performer rules</a>' in client.get(continuity).content.decode()
