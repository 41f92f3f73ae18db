"""Journey 4, as a person does it: a producer submits a request that needs a sign-off, with "Run
when approved" left ticked; clearance signs it off in another logged-in tab; the run starts by
itself, and the producer is notified and finds the signed output. The request form's live preview
stays in view at a desktop's width and a phone's. Headless Chromium (Debian's) against a live
server with a real Celery worker, as in test_browser."""

import re
from pathlib import Path

import pytest

from generation.models import GenerationRequest
from provenance.selectors import verify

from ..workers import wait_for
from .test_browser import ARTIFACTS, CHROMIUM, Visit, browser, fill_request, portal  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed: `make test` installs it (apt-get install chromium)",
    ),
]

WIDTHS = {"desktop": 1366, "phone": 390}


def in_view(page, selector: str) -> bool:
    """Whether the element's top shows inside the window."""
    return page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight - 20 && r.height > 0; }",
        selector,
    )


def screenshot(page, name: str) -> None:
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_request_run_when_approved_runs_on_its_sign_off_and_the_producer_is_told(browser, portal):  # noqa: F811
    w = portal.world
    portal.grant_likeness()
    w.clearance.first_name, w.clearance.last_name = "Dana", "Okafor"
    w.clearance.save()

    # The producer fills the form in: a plate, and the performer's likeness, which needs a sign-off.
    producer = Visit(browser, portal.url, w.producer_a)
    page = producer.page
    page.get_by_role("button", name="Request a generation").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".errorlist").count() == 0  # it opens without an error
    # The intended use follows the engine: choosing set extension offers set extension only.
    page.select_option("#f-engine", "set_extension")
    page.wait_for_selector("#f-param_target_aspect")
    assert page.eval_on_selector_all("#f-intended_use option", "os => os.map(o => o.value)") == [
        "set_extension"
    ]
    fill_request(page, portal, likeness=True)
    page.wait_for_selector("#f-param_fog_density")
    page.fill("#f-prompt", "light rain over the harbour at dusk")
    page.wait_for_selector("#preview .badge.warn", timeout=20_000)
    assert "Needs sign-off" in page.inner_text("#preview")
    assert page.is_checked("#f-run_when_approved")
    # At the submit button, the preview is still in view: beside the form, or pinned below it.
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#f-run_when_approved").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, 200)")  # the window, not the panel under the mouse
        page.screenshot(path=str(ARTIFACTS / "screenshots" / f"producer-request-form-at-submit-{label}.png"))
        assert in_view(page, "#preview"), f"the preview is out of view at {width} px"
        page.locator("#f-prompt").scroll_into_view_if_needed()  # half-way: the preview is in view too
        page.screenshot(path=str(ARTIFACTS / "screenshots" / f"producer-request-form-filling-{label}.png"))
        assert in_view(page, "#preview"), f"the preview is out of view at {width} px, half-way"
    page.set_viewport_size({"width": 1280, "height": 900})
    producer.check("producer-request-form-run-when-approved")
    screenshot(page, "producer-request-form")
    page.get_by_role("button", name="Submit the request").click()
    page.wait_for_load_state("networkidle")
    req = GenerationRequest.objects.get()
    assert req.status == "needs_clearance" and req.run_when_approved
    text = page.inner_text("main")
    assert "“light rain over the harbour at dusk”" in text and "Fog density: 0.4" in text
    assert "It runs at once, without anyone queueing it." in text

    # Clearance signs it off, in a tab of their own.
    clearance = Visit(browser, portal.url, w.clearance)
    cpage = clearance.page
    cpage.get_by_role("link", name=f"Review request {req.pk}").click()
    cpage.fill("#f-comment", "The consent covers her likeness in an atmosphere shot.")
    cpage.click("button[value=approve]")
    cpage.wait_for_load_state("networkidle")
    # Nobody queues it: the sign-off did, and the worker runs it.
    wait_for(
        lambda: GenerationRequest.objects.get(pk=req.pk).status == "succeeded",
        90,
        "the sign-off to start the run, and the worker to finish it",
    )
    clearance.close()

    # The producer is told, follows the notice, and finds the signed output.
    producer.go(f"/productions/{w.prod_a.pk}/shots/")
    page.get_by_role("link", name=re.compile(r"^Notifications \(2 new\)")).click()
    page.wait_for_load_state("networkidle")
    notices = page.inner_text("main")
    assert f"Request {req.pk} for shot {portal.shot.code} was approved by Dana Okafor" in notices
    assert f"Request {req.pk} for shot {portal.shot.code} is signed and ready" in notices
    producer.check("producer-notifications")
    screenshot(page, "producer-notifications")
    page.get_by_role("link", name=f"Request {req.pk} for shot {portal.shot.code} is signed and ready").click()
    page.wait_for_selector("#status .badge.ok:has-text('Succeeded')", timeout=30_000)
    page.wait_for_selector("figure.preview img")
    text = page.inner_text("main")
    assert "Approved by Dana Okafor" in text and "Needs sign-off" not in text  # badge and status agree
    producer.check("producer-request-run-when-approved")
    screenshot(page, "producer-request-output")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the signed file").click()
    assert download.value.suggested_filename == f"long-night_EP102_SH0040_atmosphere_r{req.pk}.png"
    report = verify(Path(download.value.path()).read_bytes(), "image/png")
    assert report["rightsledger"]["request"] == req.pk
    producer.close()
