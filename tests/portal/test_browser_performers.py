"""Clearance on a production's performer rules page, in the browser: switches a rule on, records a
labour action after a refused attempt, and ends it after another; each state of the page, errors
included, passes axe-core at 1,366 and 390 px."""

import pytest

from rightsledger.models import LabourAction, Production

from .test_browser import browser, pytestmark  # noqa: F401  (one browser, chromium or a skip)
from .test_browser_layout import Tab, studio  # noqa: F401  (a fixture)


@pytest.mark.parametrize("width", [1366, 390])
def test_clearance_switches_a_rule_and_records_and_ends_a_labour_action(browser, studio, width):  # noqa: F811
    w = studio.world
    tab = Tab(browser, studio.url, "clearance", width, w.clearance)
    page = tab.page
    page.goto(f"{studio.url}/productions/{w.prod_a.pk}/performers/")
    tab.check("performers-before")

    rule = page.locator("#rule-scan_business_reason")
    assert rule.locator(".badge").inner_text() == "Off"
    rule.get_by_role("button", name="Switch this rule on").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#rule-scan_business_reason .badge").inner_text() == "On"
    assert "Switched on by" in page.locator("#rule-scan_business_reason").inner_text()
    assert "scan_business_reason" in Production.objects.get(pk=w.prod_a.pk).performer_rules

    # Equity's earlier action has ended: record a new one, first without a union.
    page.fill("#f-started", "2026-12-01")
    page.fill("#f-note", "Equity's strike over AI replicas.")
    page.get_by_role("button", name="Record the labour action").click()
    page.wait_for_load_state("networkidle")
    assert "Choose the union whose labour action this is" in page.inner_text("main")
    assert page.input_value("#f-note") == "Equity's strike over AI replicas."
    tab.check("performers-action-error")
    page.select_option("#f-guild", label="Equity")
    page.get_by_role("button", name="Record the labour action").click()
    page.wait_for_load_state("networkidle")
    action = LabourAction.objects.get(guild=w.other_guild, ended_on__isnull=True)
    item = page.locator(f"#labour-action-{action.pk}")
    assert "Equity's labour action, in force since 1 December 2026" in item.inner_text()

    # An end before the start is refused on the page, by the action it names.
    item.locator("input[name=ended_on]").fill("2026-11-30")
    item.get_by_role("button", name="Record its end").click()
    page.wait_for_load_state("networkidle")
    assert "it cannot end before that, on 30 November 2026" in page.inner_text(f"#labour-action-{action.pk}")
    tab.check("performers-end-error")
    page.locator(f"#labour-action-{action.pk} input[name=ended_on]").fill("2026-12-03")
    page.locator(f"#labour-action-{action.pk}").get_by_role("button", name="Record its end").click()
    page.wait_for_load_state("networkidle")
    assert "from 1 December 2026 to 3 December 2026" in page.inner_text("main")
    tab.check("performers-after")
    tab.context.close()
    assert tab.problems == [], "\n".join(tab.problems)


@pytest.mark.parametrize("width", [1366, 390])
def test_a_producer_reads_why_a_strike_refused_the_request(browser, studio, width):  # noqa: F811
    w = studio.world
    w.prod_a.refresh_from_db()  # the fixture switched the strike rule on
    refused = studio.submit(likeness=True, seed=9)
    assert refused.status == "refused"
    tab = Tab(browser, studio.url, "producer", width, w.producer_a)
    page = tab.page
    page.goto(f"{studio.url}/requests/{refused.pk}/")
    tab.check("request-refused-by-strike")
    text = page.inner_text("main")
    assert "whose labour action against this production has been in force since 20 November 2026" in text
    assert "To pass: Wait until clearance records the end of the labour action" in text
    page.get_by_role("link", name="SAG-AFTRA's labour action, in force since 20 November 2026").first.click()
    page.wait_for_load_state("networkidle")
    action = LabourAction.objects.get(guild=w.guild)
    assert page.url.endswith(f"/productions/{w.prod_a.pk}/performers/#labour-action-{action.pk}")
    tab.check("performers-read-only")
    assert page.get_by_role("button", name="Switch this rule on").count() == 0
    tab.context.close()
    assert tab.problems == [], "\n".join(tab.problems)
