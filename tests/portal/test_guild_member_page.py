"""The guild's pages as its representative reads them: the members list (how often each member's
likeness was used), a member's page (which check answered each decision) and a member's consent."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import selectors

from .. import factories as f
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


def test_each_member_is_listed_with_how_often_their_likeness_was_used(world, client, gate):
    gate.consent_and_grant()
    gate.submit(likeness=True)
    f.make_talent("Ola Berg", guild=world.guild, member_id="SAG-2")
    client.force_login(world.guild_rep)
    html = client.get("/guild/members/").content.decode()
    assert "no member registered" not in html
    assert (
        f'<a href="/guild/members/{gate.talent.pk}/">Mara Vega</a>: 1 decision relied on their consent; '
        "their face was found in no output." in html
    )
    assert "Ola Berg</a>: not used yet." in html
    # However many members, the counts take the same few queries.
    for n in range(3, 6):
        f.make_talent(f"Member {n}", guild=world.guild, member_id=f"SAG-{n}")
    selectors.guild_member_rows(world.guild_rep)
    with CaptureQueriesContext(connection) as few:
        rows = selectors.guild_member_rows(world.guild_rep)
    assert len(rows) == 5 and [r.decisions for r in rows if r.talent == gate.talent] == [1]
    f.make_talent("Member 6", guild=world.guild, member_id="SAG-6")
    selectors.guild_member_rows(world.guild_rep)  # a first call reads the user's roles again
    with CaptureQueriesContext(connection) as more:
        assert len(selectors.guild_member_rows(world.guild_rep)) == 6
    assert len(more.captured_queries) == len(few.captured_queries)


def test_a_consents_page_keeps_the_evidence_hash_in_its_technical_details(world, client, gate):
    """The signed form's hash is for a check offline, not for reading: only under the disclosure."""
    gate.consent_and_grant()
    client.force_login(world.guild_rep)
    html = client.get(f"/guild/consents/{gate.consent.pk}/").content.decode()
    digest = gate.consent.evidence_sha256
    assert html.count(digest) == 1
    technical = html[html.index('<details class="technical">') :]
    assert digest in technical[: technical.index("</details>")]
    assert "Not checked yet</span>" in html  # each ledger check's result, before it runs
