"""The registers and the calendar of terms ending as a person uses them, in headless Chromium: a
clearance user finds grants by words and filters, exports the ticked ones, opens the calendar and
makes a calendar address; a guild representative searches the members' consents. Each page is
checked with axe-core and screenshotted at 1,366 and 390 pixels wide, and none is wider than the
screen."""

import csv
import datetime
import io

import icalendar

from .. import factories as f
from .test_browser import PASSWORD, Visit, browser, portal, pytestmark  # noqa: F401 (fixtures)

WIDTHS = (1366, 390)


def look(visit, name):
    """Check and screenshot the page at each width; fail if it is wider than the screen."""
    for width in WIDTHS:
        visit.page.set_viewport_size({"width": width, "height": 900})
        overflow = visit.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = visit.page.evaluate(
            "[...document.querySelectorAll('main *, header *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".filter(e => !e.closest('.table-box'))"
            ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"
        )
        assert overflow <= 0, f"{name} at {width} px is {overflow} px wider than the screen: {wide}"
        visit.check(f"{name}-{width}")
    visit.page.set_viewport_size({"width": 1366, "height": 900})


def test_clearance_finds_filters_and_exports_grants_and_follows_terms_ending(
    browser,  # noqa: F811
    portal,  # noqa: F811
):
    w = portal.world
    ending = datetime.date.today() + datetime.timedelta(days=12)
    harbour = f.make_party(w.studio, name="Blue Harbour VFX")
    matte = f.make_asset(w.prod_a, seed=77, owner=harbour)
    wanted = f.make_grant(w.prod_a, harbour, [matte], media=["svod"], term_end=ending)
    f.make_grant(w.prod_a, w.party, [portal.plate], media=["theatrical"])
    visit = Visit(browser, portal.url, w.clearance)
    page = visit.page
    visit.go("/clearance/")
    page.click("nav[aria-label=Main] >> text=Registers")
    page.wait_for_load_state("networkidle")
    page.fill("#filter-q", "blue harbour")
    page.select_option("#filter-status", "active")
    page.select_option("#filter-medium", "svod")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "q=blue+harbour" in page.url and "medium=svod" in page.url  # a view one can bookmark
    rows = page.locator("table.register tbody tr")
    assert rows.count() == 1 and f"Grant {wanted.pk}" in rows.first.inner_text()
    look(visit, "register-grants")
    page.check(f"#sel-{wanted.pk}")
    with page.expect_download() as download:
        page.click("#bulk button[type=submit]")
    exported = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert exported[0][0] == "Grant" and len(exported) == 2 and exported[1][3] == "Blue Harbour VFX"

    page.click("nav[aria-label=Registers] >> text=Terms ending")
    page.wait_for_load_state("networkidle")
    if ending.month != datetime.date.today().month:
        page.click("a[rel=next]")
        page.wait_for_load_state("networkidle")
    assert page.locator(f"table.month >> text=Grant {wanted.pk} ends").count() == 1
    look(visit, "terms-ending-calendar")
    page.click("text=Make my calendar address")
    page.wait_for_load_state("networkidle")
    address = page.input_value("input[aria-label='Your calendar address']")
    feed = page.request.get(address)
    assert feed.status == 200
    events = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    assert any(str(e["summary"]).startswith(f"Grant {wanted.pk} ends") for e in events)
    page.click("text=Stop my calendar address")
    page.wait_for_load_state("networkidle")
    assert page.request.get(address).status == 404
    visit.close()


def test_a_guild_representative_searches_the_members_consents(
    browser,  # noqa: F811
    portal,  # noqa: F811
):
    w = portal.world
    other = f.make_talent("Ines Okafor", guild=w.guild, member_id="SAG-9")
    f.make_consent(w.prod_a, other, permitted_uses=["dubbing"])
    visit = Visit(browser, portal.url, w.guild_rep)
    page = visit.page
    visit.go("/guild/consents/")
    page.fill("#filter-q", "okafor")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    body = page.locator("main table tbody").inner_text()
    assert "Ines Okafor" in body and "Álvarez" not in body
    look(visit, "guild-consents-search")
    visit.close()
