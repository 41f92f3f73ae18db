"""A guild member's page (/guild/members/<id>/), as the guild representative reads it: each decision
that relied on the member's consent says which check answered, and what it answered."""

import re

import pytest

from ..generation.conftest import Gate


@pytest.fixture
def gate(world):
    return Gate(world)


def test_a_decision_says_which_check_answered_and_what(world, client, gate):
    gate.consent_and_grant()
    waiting = gate.submit(likeness=True)
    assert waiting.status == "needs_clearance"
    client.force_login(world.guild_rep)
    response = client.get(f"/guild/members/{gate.talent.pk}/")
    assert response.status_code == 200
    html = re.sub(r"\s+", " ", response.content.decode())
    # Not "Needs sign-off by the gate", which reads as if the gate were to sign it off.
    assert '<td>The gate answered: <span class="badge warn">Needs sign-off</span> </td>' in html
    assert "by the gate" not in html
    assert f"{gate.consent.display_name}, version 1</a>" in html


def test_with_no_member_registered_the_list_says_how_one_comes(world, client):
    client.force_login(world.guild_rep)
    html = client.get("/guild/members/").content.decode()
    assert "Your guild has no member registered here yet. A performer is listed here once" in html
    assert 'href="/guild/consents/"' in html


def test_the_members_are_listed_each_linking_to_their_page(world, client, gate):
    client.force_login(world.guild_rep)
    html = client.get("/guild/members/").content.decode()
    assert f'<a href="/guild/members/{gate.talent.pk}/">Mara Vega</a>' in html
    assert "no member registered" not in html
