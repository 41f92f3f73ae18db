"""Each person's journey through the portal, end to end: headless Chromium (Debian's, driven by
Playwright) against a live server, with a real Celery worker on a real Redis broker. Every page
visited is checked with axe-core, and screenshotted into var/test-artifacts/screenshots/."""

import datetime
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from pypdf import PdfReader

from generation import services as gen
from generation.models import GenerationRequest
from provenance.selectors import verify
from rightsledger import words
from rightsledger.ledger import checkpoints
from rightsledger.models import RightsGrant

from .. import factories as f
from ..workers import Worker, wait_for, worker_environment

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).with_name("axe-4.14.1.min.js")
ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "test-artifacts"
PASSWORD = "a-long-portal-password-2026"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed: `make test` installs it (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # synchronous all the same.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def portal(live_server, broker, settings, transactional_db):
    """A studio on a live server, with a worker running its Celery tasks."""
    from ..conftest import World
    from ..generation.conftest import Gate

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = World()
    gate = Gate(world)
    gate.consent = f.make_consent(world.prod_a, gate.talent, permitted_uses=["likeness", "atmosphere"])
    for user in (world.admin, world.clearance, world.producer_a, world.guild_rep, world.auditor):
        user.set_password(PASSWORD)
        user.save()
    worker = Worker(worker_environment()).start()
    gate.url = live_server.url
    yield gate
    worker.stop()


class Visit:
    """A logged-in browser tab that checks each page with axe-core and screenshots it."""

    results: dict = {}

    def __init__(self, browser, base, user=None):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        self.page = self.context.new_page()
        self.base = base
        # Anything the Content-Security-Policy blocks is a defect of the page.
        self.blocked = []
        self.page.on(
            "console", lambda m: self.blocked.append(m.text) if "Content Security Policy" in m.text else None
        )
        if user is not None:
            self.go("/accounts/login/")
            self.page.fill("#id_username", user.username)
            self.page.fill("#id_password", PASSWORD)
            self.page.click("main button[type=submit]")
            self.page.wait_for_load_state("networkidle")

    def go(self, path):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def check(self, name):
        """Run axe-core on the page as it is; fail on any violation, whatever its impact."""
        # Evaluated through the browser's debugging protocol: the page's CSP (no inline script) stays on.
        self.page.evaluate(AXE.read_text() + "\n;0")
        found = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help}))"
        )
        Visit.results[name] = {"url": self.page.url.replace(self.base, ""), "violations": found}
        shots = ARTIFACTS / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        (ARTIFACTS / "axe.json").write_text(json.dumps(Visit.results, indent=2))
        assert found == [], f"{name}: {found}"
        assert self.blocked == [], f"{name}: the CSP blocked {self.blocked}"

    def close(self):
        self.context.close()


def fill_request(page, gate, *, likeness=False):
    page.select_option("#f-shot", str(gate.shot.pk))
    page.select_option("#f-engine", "atmosphere")
    page.check(f"input[name=asset][value='{gate.plate.pk}']")
    if likeness:
        page.check(f"input[name=asset][value='{gate.likeness.pk}']")
    page.fill("#f-param_fog_density", "0.4")
    page.select_option("#f-intended_use", "atmosphere")
    page.fill("#f-territories", "US, FR")
    page.fill("#f-release_start", "2026-06-01")
    page.fill("#f-release_end", "2026-12-31")
    page.dispatch_event("#f-release_end", "change")


def signed_by_the_worker(portal, *, seed: int) -> GenerationRequest:
    """Submit and queue a request as the producer, and wait for the worker to sign its output."""
    req = portal.submit(seed=seed)
    gen.request_queue(actor=portal.world.producer_a, request=req)
    wait_for(
        lambda: GenerationRequest.objects.get(pk=req.pk).status == "succeeded",
        90,
        "the worker to run the request",
    )
    return GenerationRequest.objects.get(pk=req.pk)


def test_a_producer_requests_runs_and_downloads_a_signed_output(browser, portal):
    w = portal.world
    tab = Visit(browser, portal.url, w.producer_a)
    page = tab.page
    assert page.url.endswith(f"/productions/{w.prod_a.pk}/shots/")
    tab.check("producer-shots")
    page.get_by_role("button", name="Request a generation").click()
    fill_request(page, portal)
    # The decision is previewed live through the check path, which records nothing.
    page.wait_for_selector("#preview .badge.ok", timeout=20_000)
    assert "R1 · passes" in page.inner_text("#preview") and GenerationRequest.objects.count() == 0
    tab.check("producer-request-form")
    page.uncheck("#f-run_when_approved")  # queued by hand below
    page.get_by_role("button", name="Submit the request").click()
    page.wait_for_load_state("networkidle")
    req = GenerationRequest.objects.get()
    assert page.url.endswith(f"/requests/{req.pk}/") and req.status == "approved"
    page.get_by_role("button", name="Queue it to run").click()
    # The status updates live while it is queued and running; the worker runs it.
    page.wait_for_selector("#status .badge.ok:has-text('Succeeded')", timeout=90_000)
    page.wait_for_selector("figure.preview img")
    tab.check("producer-request-output")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the signed file").click()
    data = Path(download.value.path()).read_bytes()
    report = verify(data, "image/png")
    assert report["validation_state"] == "trusted" and report["rightsledger"]["request"] == req.pk
    assert report["training_mining"]["ai_training"] == "notAllowed"
    tab.close()


def test_clearance_signs_off_revokes_with_the_impact_shown_and_exports_the_audit(browser, portal):
    w = portal.world
    portal.grant_likeness()
    req = gen.request_submit(
        actor=w.producer_a,
        production=w.prod_a,
        shot=portal.shot,
        engine="atmosphere",
        seed=3,
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
        inputs=[{"asset": portal.plate, "role": "plate"}, {"asset": portal.likeness, "role": "likeness"}],
    )
    assert req.status == "needs_clearance"
    tab = Visit(browser, portal.url, w.clearance)
    page = tab.page
    assert page.url.endswith("/clearance/")
    tab.check("clearance-queue")
    page.get_by_role("link", name=f"Review request {req.pk}").click()
    tab.check("clearance-request")
    page.fill("#f-comment", "The consent covers an atmosphere shot with her likeness.")
    page.click("button[value=approve]")
    page.wait_for_load_state("networkidle")
    assert GenerationRequest.objects.get(pk=req.pk).status == "approved"
    # Before revoking the grant of the plate, the page lists what relied on it.
    tab.go(f"/records/grant/{portal.grant.pk}/")
    tab.check("clearance-grant")
    page.get_by_role("button", name="Revoke…").click()
    impact = page.inner_text("main")
    assert f"Request {req.pk}" in impact and "would stop at run time" in impact and portal.shot.code in impact
    tab.check("clearance-revoke-impact")
    page.fill("#f-reason", "Licence terminated by the vendor's letter of 2026-06-01.")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    revoked = RightsGrant.objects.get(replaces=portal.grant)
    assert revoked.status == "revoked" and page.url.endswith(f"/records/grant/{revoked.pk}/")
    # The grant keeps its name: the revocation is its version 2, not a new grant.
    record = page.inner_text("main")
    assert f"Grant {portal.grant.pk}" in record and f"Grant {revoked.pk}" not in record
    assert f"Version 2 · Revoked · revoked on {words.day(revoked.created_at)}" in record
    # The approved request now stops at run time: nothing runs, and it says why.
    tab.go(f"/requests/{req.pk}/")
    page.get_by_role("button", name="Queue it to run").click()
    page.wait_for_selector("#status .badge.bad:has-text('Stopped')", timeout=90_000)
    assert "has been revoked" in page.inner_text("#status")
    # The shot's audit, and its PDF report.
    tab.go(f"/shots/{portal.shot.pk}/audit/")
    tab.check("clearance-shot-audit")
    audit = page.inner_text("main")
    assert f"Grant {portal.grant.pk}, version 1, from" in audit
    assert f"Revoked on {words.day(revoked.created_at)}" in audit
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF report").click()
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages
    )
    assert f"shot {portal.shot.code}" in text and f"Request {req.pk}" in text and "stopped" in text.lower()
    assert f"Revoked on {words.day(revoked.created_at)}" in " ".join(text.split())
    tab.go(f"/productions/{w.prod_a.pk}/assets/")
    tab.check("clearance-assets")
    tab.go(f"/productions/{w.prod_a.pk}/records/consent/new/")
    tab.check("clearance-record-new")
    tab.go(f"/records/consent/{portal.consent.pk}/amend/")
    tab.check("clearance-record-amend")
    tab.go("/productions/")
    tab.check("productions")
    tab.go("/accounts/password_change/")
    tab.check("account-password-change")
    tab.go(f"/assets/{portal.plate.pk}/")
    tab.check("clearance-asset")
    tab.close()


def test_a_guild_representative_verifies_a_consent_in_the_browser(browser, portal, tmp_path):
    w = portal.world
    checkpoints.ledger_publish()
    tab = Visit(browser, portal.url, w.guild_rep)
    page = tab.page
    assert page.url.endswith("/guild/consents/")
    tab.check("guild-consents")
    page.get_by_role("link", name="Mara Vega").click()
    seq = int(page.get_attribute("button[data-verify-seq]", "data-verify-seq"))
    page.click(f"button[data-verify-seq='{seq}']")
    page.wait_for_selector(f"#result-{seq}.badge.ok", timeout=20_000)
    assert page.inner_text(f"#result-{seq}").startswith(
        f"Verified: This record is entry #{seq} of the ledger"
    )
    tab.check("guild-consent-verified")

    def altered(route):
        response = route.fetch()
        body = bytearray(response.body())
        body[len(body) // 2] ^= 1
        route.fulfill(response=response, body=bytes(body))

    page.route(f"**/api/ledger/entries/{seq}/bytes/", altered)
    page.click(f"button[data-verify-seq='{seq}']")
    page.wait_for_selector(f"#result-{seq}.badge.bad", timeout=20_000)
    assert "the entry was altered" in page.inner_text(f"#result-{seq}")
    # The same check offline, on the bundle the page offers in its technical details.
    page.get_by_text("Technical details: check it offline").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="download the proof bundle").click()
    from rightsledger.tlog.verify import main as verify_offline

    assert (
        verify_offline(
            ["bundle", str(download.value.path()), "--key", checkpoints.signing_key().verifier_key]
        )
        == 0
    )
    tab.close()


def test_anyone_reads_a_files_content_credentials(browser, portal):
    req = signed_by_the_worker(portal, seed=4)
    output = GenerationRequest.objects.get(pk=req.pk).output.asset
    path = Path(django_settings.MEDIA_ROOT) / output.file.name
    tab = Visit(browser, portal.url)
    page = tab.page
    tab.go("/")
    tab.check("public-landing")
    tab.go("/accounts/login/")
    tab.check("login")
    tab.go("/verify/")
    tab.check("public-verify-form")
    page.set_input_files(
        "#f-file", files=[{"name": "found-online.png", "mimeType": "image/png", "buffer": path.read_bytes()}]
    )
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("main")
    assert (
        "Signed by this server's development key: not trusted anywhere else" in text
        and "Trusted" not in text
        and f"decision {req.decisions.get(kind='run_check').pk}" in text
        and "May it be used for AI training? No" in text
    )
    assert "It may not be used to train AI." in text
    tab.check("public-verify-result")
    tab.close()


def teardown_module():
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        docs = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        # Only this module's journeys: the layout test's screenshots of every page stay in var/.
        for name in Visit.results:
            shutil.copy(ARTIFACTS / "screenshots" / f"{name}.png", docs / f"{name}.png")
