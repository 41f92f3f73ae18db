"""Journey 2, as people do it in the browser: the guild representative flags a consent; the
producer's live preview and clearance's sign-off page then show the flag; clearance cannot approve
over it without ticking; clearance resolves it with a reply; the representative reads the reply."""

import pytest

from generation.models import GenerationRequest, SignOff
from rightsledger.models import ConsentFlag

from .. import factories as f
from .test_browser import ARTIFACTS, Visit, browser, fill_request, portal  # noqa: F401  (the fixtures)

pytestmark = [pytest.mark.django_db(transaction=True)]

REASON = "Mara Vega withdrew her consent to crowd scenes at the audition."
REPLY = "Her agent confirmed in writing that the consent stands for this atmosphere shot."


def _both_widths(tab, name):
    """Screenshot the page as it is at a laptop's width and a phone's, then go back to the tab's."""
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 900), (390, 844)):
        tab.page.set_viewport_size({"width": width, "height": height})
        tab.page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    tab.page.set_viewport_size({"width": 1280, "height": 900})


def test_a_guild_flag_is_seen_where_decisions_are_made_and_answered(browser, portal):  # noqa: F811
    w = portal.world
    f.make_grant(
        w.prod_a,
        w.party,
        [portal.likeness],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
    )

    # The guild's representative flags the performer's consent.
    guild = Visit(browser, portal.url, w.guild_rep)
    page = guild.page
    page.get_by_role("link", name="Mara Vega").click()
    page.wait_for_load_state("networkidle")
    page.fill("#f-reason", REASON)
    page.get_by_role("button", name="Send to the production's clearance team").click()
    page.wait_for_load_state("networkidle")
    flag = ConsentFlag.objects.get()
    assert flag.state == "open" and "Open" in page.inner_text(f"#flag-{flag.pk}")
    guild.check("flags-guild-flagged")

    # The producer's live preview warns of it before anything is submitted.
    producer = Visit(browser, portal.url, w.producer_a)
    page = producer.page
    page.get_by_role("button", name="Request a generation").click()
    fill_request(page, portal, likeness=True)
    page.wait_for_selector("#preview .flag-warning", timeout=20_000)
    assert "SAG-AFTRA flagged" in page.inner_text("#preview") and REASON in page.inner_text("#preview")
    producer.check("flags-producer-preview")
    _both_widths(producer, "flags-producer-preview")
    page.get_by_role("button", name="Submit the request").click()
    page.wait_for_load_state("networkidle")
    req = GenerationRequest.objects.get()
    assert req.status == "needs_clearance" and "SAG-AFTRA flagged" in page.inner_text("main")

    # Clearance sees the flag on the dashboard and on the sign-off page, and cannot approve unticked.
    clearance = Visit(browser, portal.url, w.clearance)
    page = clearance.page
    assert "Open flags (1)" in page.inner_text("main")
    clearance.check("flags-clearance-dashboard")
    page.get_by_role("link", name=f"Review request {req.pk}").click()
    page.wait_for_load_state("networkidle")
    assert REASON in page.inner_text("main")
    clearance.check("flags-sign-off")
    _both_widths(clearance, "flags-sign-off")
    page.fill("#f-comment", "The consent covers an atmosphere shot.")
    page.click("button[value=approve]")
    page.wait_for_load_state("networkidle")
    assert "tick that you approve over it" in page.inner_text("main")
    assert (
        GenerationRequest.objects.get(pk=req.pk).status == "needs_clearance" and not SignOff.objects.exists()
    )

    # Clearance resolves the flag with a reply, from the consent's page.
    page.get_by_role("link", name=f"consent {flag.consent_id}").first.click()
    page.wait_for_load_state("networkidle")
    clearance.check("flags-consent-record")
    page.fill(f"#reply-{flag.pk}", REPLY)
    page.get_by_label("Resolve the flag: no change to the consent").check()
    page.get_by_role("button", name="Send to SAG-AFTRA").click()
    page.wait_for_load_state("networkidle")
    flag.refresh_from_db()
    assert (flag.state, flag.outcome) == ("resolved", "no_change")
    assert "Resolved" in page.inner_text(f"#flag-{flag.pk}")
    _both_widths(clearance, "flags-consent-resolved")

    # The guild's representative reads the reply and the outcome.
    page = guild.page
    page.get_by_role("link", name="Members' consents").click()
    page.wait_for_load_state("networkidle")
    assert "Your flag was resolved" in page.inner_text("main")
    page.get_by_role("link", name="Mara Vega").click()
    page.wait_for_load_state("networkidle")
    text = page.inner_text(f"#flag-{flag.pk}")
    assert REPLY in text and "Resolved" in text and "No change to the consent" in text
    guild.check("flags-guild-answered")
    _both_widths(guild, "flags-guild-answered")
    for tab in (guild, producer, clearance):
        tab.close()
