"""Every portal page, as every role, on a desktop (1,366 px) and on a phone (390 px, in
test_browser_layout_phone.py): no page is wider than the window, axe-core finds no violation of any
impact, and each page is screenshotted into var/test-artifacts/screenshots/<role>-<page>-<width>.png
for a person to look at.

One browser for the module, one context per role and width, pages visited in sequence."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from generation import services as gen
from generation.models import GenerationRequest
from rightsledger import services, vocab
from rightsledger.ledger import checkpoints
from rightsledger.models import RightsGrant

from .. import factories as f
from .test_browser import AXE, PASSWORD, browser, pytestmark  # noqa: F401  (one browser, chromium or a skip)

SHOTS = Path(django_settings.BASE_DIR) / "var" / "test-artifacts" / "screenshots"


@pytest.fixture
def studio(live_server, settings, transactional_db):
    """The gate's world with every kind of record a page can show: a signed output, a request
    waiting for a sign-off, a consent flagged by the guild, a reservation and a checkpoint."""
    from ..conftest import World
    from ..generation.conftest import Gate

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    world = World()
    gate = Gate(world)
    gate.consent = f.make_consent(world.prod_a, gate.talent, permitted_uses=["likeness", "atmosphere"])
    gate.reservation = services.reservation_create(
        actor=None,
        subject_type="asset",
        asset=gate.plate,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
    )
    common = dict(
        actor=world.producer_a,
        production=world.prod_a,
        shot=gate.shot,
        engine="atmosphere",
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
    )
    done = gen.request_submit(seed=1, inputs=[{"asset": gate.plate, "role": "plate"}], **common)
    gen.request_queue(actor=world.producer_a, request=done)  # eager: runs when the queueing commits
    gate.done = GenerationRequest.objects.get(pk=done.pk)
    assert gate.done.status == "succeeded", gate.done.failure
    f.make_grant(
        world.prod_a,
        world.party,
        [gate.likeness],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
    )
    gate.waiting = gen.request_submit(
        seed=2,
        inputs=[{"asset": gate.plate, "role": "plate"}, {"asset": gate.likeness, "role": "likeness"}],
        **common,
    )
    assert gate.waiting.status == "needs_clearance"
    services.consent_flag(
        actor=world.guild_rep,
        consent=gate.consent,
        guild=world.guild,
        reason="The performer did not see the final description of the intended use.",
    )
    # The performer rules page with something on it: two rules on, a strike in force, one ended.
    services.production_performer_rules_set(
        actor=world.clearance, production=world.prod_a, rules=["labour_action", "minor_sign_off"]
    )
    services.labour_action_record(
        actor=world.clearance,
        production=world.prod_a,
        guild=world.guild,
        started_on=datetime.date(2026, 11, 20),
        note="The strike over digital replicas in theatrical productions.",
    )
    ended = services.labour_action_record(
        actor=world.admin,
        production=world.prod_a,
        guild=world.other_guild,
        started_on=datetime.date(2026, 3, 2),
    )
    services.labour_action_end(actor=world.admin, action=ended, ended_on=datetime.date(2026, 4, 14))
    # The token list with a token in force and one revoked (its card has no action left).
    for name in ("Render farm B", "Nightly dataset check"):
        token, _ = services.api_token_create(
            actor=world.clearance,
            user=world.clearance,
            name=name,
            scope=vocab.TOKEN_SCOPE_READ_ONLY,
            expires_at=datetime.date.today() + datetime.timedelta(days=30),
        )
    services.api_token_revoke(actor=world.clearance, token=token)
    checkpoints.ledger_publish()
    # Someone signed in with no role yet, as after a first sign-in through the studio's provider.
    gate.newcomer = f.UserFactory(username="newcomer", first_name="Sam", last_name="Newcomer")
    users = (world.admin, world.clearance, world.producer_a, world.guild_rep, world.auditor, gate.newcomer)
    for user in users:
        user.set_password(PASSWORD)
        user.save()
    gate.url = live_server.url
    return gate


def pages_by_role(s) -> dict[str, list[tuple[str, str]]]:
    """Return, for each role, the (name, path) of every portal page it can reach (portal/urls.py,
    with real objects); downloads (CSV, PDF, PROV, OTIO, the output's bytes) are not pages."""
    w, a = s.world, s.world.prod_a.pk
    grant = RightsGrant.objects.filter(production=w.prod_a).first()
    public = [("landing", "/"), ("verify", "/verify/"), ("ledger", "/ledger/")]
    reader = [
        ("productions", "/productions/"),
        ("shots", f"/productions/{a}/shots/"),
        ("assets", f"/productions/{a}/assets/"),
        ("asset", f"/assets/{s.plate.pk}/"),
        ("likeness-asset", f"/assets/{s.likeness.pk}/"),
        ("output-asset", f"/assets/{s.done.output.asset_id}/"),
        ("request-succeeded", f"/requests/{s.done.pk}/"),
        ("request-waiting", f"/requests/{s.waiting.pk}/"),
        ("grant", f"/records/grant/{grant.pk}/"),
        ("consent", f"/records/consent/{s.consent.pk}/"),
        ("reservation", f"/records/reservation/{s.reservation.pk}/"),
        ("shot-audit", f"/shots/{s.shot.pk}/audit/"),
        ("performer-rules", f"/productions/{a}/performers/"),
        ("continuity", f"/productions/{a}/continuity/"),
        ("tokens", "/account/tokens/"),
        ("token-new", "/account/tokens/new/"),
        ("password-change", "/accounts/password_change/"),
        # With two-factor sign-in off (tests/conftest.py); its pages with it on are checked in
        # test_browser_two_factor.py, at both widths.
        ("two-factor", "/account/two-factor/"),
        *public[1:],
    ]
    producer = [*reader, ("request-new", f"/productions/{a}/requests/new/")]
    clearance = [
        ("queue", "/clearance/"),
        *producer,
        ("timeline", f"/productions/{a}/timeline/"),
        ("grant-new", f"/productions/{a}/records/grant/new/"),
        ("consent-new", f"/productions/{a}/records/consent/new/"),
        ("reservation-new", f"/productions/{a}/records/reservation/new/"),
        ("grant-amend", f"/records/grant/{grant.pk}/amend/"),
        ("grant-revoke", f"/records/grant/{grant.pk}/revoke/"),
        ("consent-amend", f"/records/consent/{s.consent.pk}/amend/"),
    ]
    guild = [
        ("guild-consents", "/guild/consents/"),
        ("guild-consent", f"/guild/consents/{s.consent.pk}/"),
        ("guild-members", "/guild/members/"),
        ("guild-member", f"/guild/members/{s.talent.pk}/"),
        ("tokens", "/account/tokens/"),
        ("productions", "/productions/"),
        ("password-change", "/accounts/password_change/"),
        ("two-factor", "/account/two-factor/"),
        *public[1:],
    ]
    return {
        "admin": clearance,
        "clearance": clearance,
        "producer": producer,
        "auditor": reader,
        "guild-rep": guild,
        # The page a signed-in person with no role sees (public/no_role.html): their start page.
        "no-role": [("no-role", "/"), *public[1:]],
        "anonymous": [*public, ("login", "/accounts/login/")],
    }


class Tab:
    """One role's browser context at one width."""

    def __init__(self, chromium, base, role, width, user=None):
        self.context = chromium.new_context(viewport={"width": width, "height": 844 if width < 500 else 900})
        self.page = self.context.new_page()
        self.base, self.role, self.width = base, role, width
        self.problems = []
        self.linked = set()  # the paths the pages seen so far link to
        if user is not None:
            self.page.goto(base + "/accounts/login/")
            self.page.fill("#id_username", user.username)
            self.page.fill("#id_password", PASSWORD)
            self.page.click("main button[type=submit]")
            self.page.wait_for_load_state("networkidle")

    def check(self, name):
        """Check the page as it is now: its width, then axe-core; screenshot it."""
        page, label = self.page, f"{self.role} {name} at {self.width} px"
        widths = page.evaluate(
            "() => ({page: document.documentElement.scrollWidth, window: window.innerWidth,"
            " wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            " > window.innerWidth + 1 && !e.closest('.table-scroll')).slice(0, 5)"
            ".map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))})"
        )
        if self.width < 768 and (
            flat := page.locator(".table-scroll > table:has(thead):not(.cards)").count()
        ):
            self.problems.append(f"{label}: {flat} list table(s) not laid out as cards")
        # A card's line is a label with its value: never a label beside nothing.
        bare = page.evaluate(
            "() => [...document.querySelectorAll('table.cards [data-label]')]"
            ".filter(e => e.offsetParent !== null && !e.textContent.trim() && !e.querySelector('img, svg'))"
            ".map(e => e.dataset.label)"
        )
        if self.width < 768 and bare:
            self.problems.append(f"{label}: card lines with a label and nothing beside it: {bare}")
        if widths["page"] > widths["window"]:
            self.problems.append(
                f"{label}: {widths['page']} px wide in a {widths['window']} px window {widths['wide']}"
            )
        # Evaluated through the browser's debugging protocol: the page's CSP (no inline script) stays on.
        page.evaluate(AXE.read_text() + "\n;0")
        found = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => `${v.id} (${v.impact}): ${v.help}: `"
            " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"
        )
        self.problems += [f"{label}: {v}" for v in found]
        self.linked |= set(page.evaluate("() => [...document.links].map(a => new URL(a.href).pathname)"))
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{self.role}-{name}-{self.width}.png"), full_page=True)

    def open_menu(self):
        """On a phone the navigation is one "Menu" button; opened, every link and "Log out" are
        inside the window. On a desktop the links show without it."""
        page, menu = self.page, self.page.locator("header nav summary")
        logout = page.get_by_role("button", name="Log out")
        if self.width < 768:
            assert logout.is_hidden(), f"{self.role}: the navigation is not folded at {self.width} px"
            menu.click()
            self.check("menu")
        else:
            assert menu.is_hidden()
        box = logout.bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= self.width, (
            f"{self.role}: Log out at {box}"
        )

    def visit(self, name, path):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        if response.status != 200:
            self.problems.append(f"{self.role} {name}: {path} answered {response.status}")
        self.check(name)


@pytest.mark.heavy(75)
def test_every_page_fits_a_desktop_window_and_passes_axe_for_every_role(browser, studio):  # noqa: F811
    check_every_page(browser, studio, 1366)


def check_every_page(chromium, studio, width):
    """Visit every page of every role at the given width (test_browser_layout_phone.py: at 390 px,
    in a module of its own so that the suite's processes check both widths at once)."""
    w = studio.world
    users = {
        "admin": w.admin,
        "clearance": w.clearance,
        "producer": w.producer_a,
        "auditor": w.auditor,
        "guild-rep": w.guild_rep,
        "no-role": studio.newcomer,
        "anonymous": None,
    }
    output = Path(django_settings.MEDIA_ROOT) / studio.done.output.asset.file.name
    # The pages a role reaches only by their address; every other one is linked from a page it saw.
    by_address = {"admin": {"ledger"}, "clearance": {"ledger"}, "producer": {"ledger"}, "auditor": {"ledger"}}
    by_address["guild-rep"] = {"productions"}
    by_address["no-role"] = {"no-role", "ledger"}
    problems, visited = [], 0
    for role, pages in pages_by_role(studio).items():
        tab = Tab(chromium, studio.url, role, width, users[role])
        if users[role] is not None:
            # The role's start page, where logging in lands.
            tab.check("start")
            tab.open_menu()
        for name, path in pages:
            tab.visit(name, path)
            visited += 1
        if role == "anonymous":
            tab.visit("verify-result", "/verify/")
            tab.page.set_input_files(
                "#f-file",
                files=[{"name": "found-online.png", "mimeType": "image/png", "buffer": output.read_bytes()}],
            )
            tab.page.click("main button[type=submit]")
            tab.page.wait_for_load_state("networkidle")
            assert "May it be used for AI training?" in tab.page.inner_text("main")
            tab.check("verify-result")
        problems += tab.problems
        unlinked = {name for name, path in pages if path not in tab.linked} - by_address.get(role, set())
        assert not unlinked, f"{role}: no page it saw links to {unlinked}"
        tab.context.close()
    assert visited > 50
    assert problems == [], "\n".join(problems)
