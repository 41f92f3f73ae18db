"""The exports and the edit import as a person uses them, in Chromium against a live server with a
real Celery worker: an auditor zooms the lineage drawing and exports every shot's audit from the
production's page (the progress updates by itself, then the ZIP downloads); clearance checks an
edit and imports it from the dry run's page. Each page is checked with axe-core and screenshotted
at 1,366 and 390 px wide."""

import io
import zipfile
from pathlib import Path

import opentimelineio as otio
import pytest

from generation import services as gen
from generation.models import GenerationRequest
from rightsledger.models import ProductionExport, Shot

from ..workers import wait_for
from .test_browser import Visit, browser, portal  # noqa: F401  (the browser and the live studio)

pytestmark = [pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 390)


def check_at_both_widths(tab, name, part):
    """Check and screenshot the page at a desktop's and a phone's width; at each, nothing of the
    part this change made (a selector) is wider than the window, its overflow included."""
    for width in WIDTHS:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.page.wait_for_timeout(100)
        tab.check(f"{name}-{width}")
        wide = tab.page.locator(part).evaluate("el => el.getBoundingClientRect().left + el.scrollWidth")
        assert wide <= width, f"{name}: {part} is {wide} px wide in a {width} px window"
    tab.page.set_viewport_size({"width": 1366, "height": 900})


def test_an_auditor_zooms_the_lineage_and_exports_every_shots_audit(browser, portal):  # noqa: F811
    w = portal.world
    req = portal.submit(seed=3)  # over the plate, for the gate's shot
    gen.request_queue(actor=w.producer_a, request=req)  # the worker runs it
    wait_for(lambda: GenerationRequest.objects.get(pk=req.pk).status == "succeeded", 120, "the run")
    tab = Visit(browser, portal.url, w.auditor)
    page = tab.page
    tab.go(f"/shots/{portal.shot.pk}/audit/")
    page.wait_for_function("document.querySelector('[data-lineage] img').naturalWidth > 0", timeout=90_000)
    drawing = page.locator("[data-lineage] img")
    before = drawing.bounding_box()["width"]
    page.get_by_role("button", name="Zoom in").click()
    assert drawing.bounding_box()["width"] > before * 1.2
    page.get_by_role("button", name="Actual size").click()
    assert abs(drawing.bounding_box()["width"] - before) <= 1
    check_at_both_widths(tab, "exports-shot-audit", part="[data-lineage]")
    # The whole production, from its page.
    tab.go(f"/productions/{w.prod_a.pk}/shots/")
    page.get_by_role("button", name="Export every shot's audit (ZIP of PDFs and CSVs)").click()
    page.wait_for_load_state("networkidle")
    link = page.get_by_role("button", name="Download the ZIP file")
    link.wait_for(timeout=120_000)  # the page polls until the worker has made it
    export = ProductionExport.objects.get()
    assert export.state == "done" and export.done == export.total == 1
    check_at_both_widths(tab, "exports-production-export", part="#export-status")
    with page.expect_download() as download:
        link.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    code = portal.shot.code
    assert sorted(archive.namelist()) == sorted(
        [f"{code}/{code}-audit.pdf", f"{code}/{code}-audit.csv", "decisions.csv"]
    )
    tab.close()


def test_clearance_checks_an_edit_then_imports_it_from_the_dry_runs_page(browser, portal, tmp_path):  # noqa: F811
    w = portal.world
    rate = 24
    cut = otio.schema.Timeline(name="EP102 cut v4")
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    cut.tracks.append(track)
    for code, start in (("EP102_SH0070", 86400), ("EP102_SH0080", 86448)):
        track.append(
            otio.schema.Clip(
                name=code,
                source_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(48, rate)
                ),
            )
        )
    path = tmp_path / "cut-v4.otio"
    path.write_text(otio.adapters.write_to_string(cut, "otio_json"))
    tab = Visit(browser, portal.url, w.clearance)
    page = tab.page
    tab.go(f"/productions/{w.prod_a.pk}/shots/")
    page.get_by_role("link", name="Import the edit").click()
    page.set_input_files("#timeline-file", str(path))
    page.get_by_role("button", name="Show what would change").click()
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "86400 (01:00:00:00)" in main and "86448 (01:00:02:00)" in main
    assert not Shot.objects.filter(code__in=["EP102_SH0070", "EP102_SH0080"]).exists()
    check_at_both_widths(tab, "exports-timeline-dry-run", part="main article")
    page.get_by_role("button", name="Import these changes").click()
    page.wait_for_load_state("networkidle")
    assert "cut-v4.otio imported" in page.inner_text("main")
    assert Shot.objects.filter(production=w.prod_a, code__in=["EP102_SH0070", "EP102_SH0080"]).count() == 2
    check_at_both_widths(tab, "exports-timeline-imported", part="main article")
    tab.close()
