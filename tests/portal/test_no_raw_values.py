"""Every portal page, for every role, speaks words (PORTAL.md): no Python value (`['`, `{'`, True,
False, None), no `user:N`, no vocabulary code and no ledger entry type in the text a person sees.
Codes and hashes may sit only in a "Technical details" disclosure.

The pages are rendered on the demo's world (demo/world.py and its generation requests: a run, a
refusal, a request waiting for a sign-off; a grant amended; a consent partly revoked, amended and
flagged), every URL of portal/urls.py with real objects. A URL added to the portal and not to
PAGES, BINARY or ACTIONS below fails the test, so that a new page is checked too."""

import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver
from django.utils import timezone
from pypdf import PdfReader

from demo.runs import run_requests
from demo.world import seed_world
from generation.models import (
    DECISION_KINDS,
    INPUT_ROLES,
    MATCH_METHODS,
    OUTCOMES,
    STATUSES,
    GenerationRequest,
)
from portal import urls as portal_urls
from portal.exports import production_export_build_now
from portal.registers import REGISTERS
from rightsledger import services, vocab
from rightsledger.ledger.entry_types import ENTRY_TYPES
from rightsledger.models import (
    ApiToken,
    Asset,
    ConsentRecord,
    Guild,
    LabourAction,
    Production,
    ProductionExport,
    RightsGrant,
    Shot,
    Talent,
    TrainingReservation,
)

# Usernames of the demo's world, one per role; None is the visitor with no account.
ROLES = ("admin", "clearance", "producer", "auditor", "guild", None)
# What is not a page: files (checked by the export tests) and POST-only actions.
BINARY = {
    "timeline_export",
    "output",
    "output_preview",
    "shot_audit_csv",
    "shot_audit_pdf",
    "shot_audit_prov",
}
BINARY |= {
    "asset_thumbnail",
    "calendar_ics",
    "register_export",
    "record_document",
    "shot_lineage_svg",
    "production_export_file",
    "disclosure_pack_pdf",
    "disclosure_pack_csv",
    "guild_member_picture",
}
ACTIONS = {
    "request_queue",
    "request_sign_off",
    "notifications_read",
    "guild_flag",
    "flag_answer",
    "calendar_feed",
    "production_export_new",
    "production_label",
    "request_disclosure",
    "performer_rule_switch",
    "labour_action_new",
    "labour_action_end",
    "legacy_token_revoke",
    "production_guild_pictures",
    # Answered pages of these are checked by test_no_two_factor_page_shows_a_program_value.
    "two_factor_passkey_done",
    "two_factor_recovery_codes",
}

GENERATION_VOCABULARIES = (INPUT_ROLES, OUTCOMES, DECISION_KINDS, STATUSES, MATCH_METHODS)
PYTHON_VALUES = re.compile(r"\[\'|\{\'|\bTrue\b|\bFalse\b|\bNone\b|\buser:\d+")


def _codes() -> set[str]:
    """Every code of every vocabulary of rightsledger.vocab that a person should never read as is:
    each with an underscore, and the bare ones whose label is another word (svod -> SVOD)."""
    codes = set()
    for name in dir(vocab):
        value = getattr(vocab, name)
        if (
            name.isupper()
            and isinstance(value, (tuple, frozenset))
            and name not in ("TERRITORIES", "LANGUAGES")
        ):
            codes |= {c for c in value if isinstance(c, str)}
    with_underscore = {c for c in codes if "_" in c}
    # The bare ones: acronyms written as codes (svod for SVOD), and the trade's tags; a code that is
    # also an English word ("edit", "union", "allowed") reads as itself.
    bare = {c for c in codes if "_" not in c and vocab.LABELS.get(c, c) == c.upper()} | {"tv", "tdmrep"}
    # The generation app's vocabularies too: a request's status, a decision's outcome.
    with_underscore |= {c for values in GENERATION_VOCABULARIES for c in values if "_" in c}
    return with_underscore | bare | {"parentOf", "inputTo", "componentOf", "notAllowed"}


CODES = re.compile(
    r"(?<![\w./-])(" + "|".join(sorted(map(re.escape, _codes()), key=len, reverse=True)) + r")(?![\w-])"
)
ENTRY_TYPE = re.compile(r"(?<![\w./-])(" + "|".join(map(re.escape, sorted(ENTRY_TYPES))) + r")(?![\w-])")


class VisibleText(HTMLParser):
    """The text a person reads on a page: less <script>, <style>, <template> and the "Technical
    details" disclosures (a <details> whose <summary> begins with those words)."""

    HIDDEN = {"script", "style", "template"}
    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base", "embed"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[list] = []  # [tag, hidden, is technical details, summary text]
        self.chunks: list[str] = []

    def _hidden(self) -> bool:
        return any(entry[1] for entry in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        self.stack.append([tag, tag in self.HIDDEN, False, ""])

    def handle_endtag(self, tag):
        while self.stack:
            entry = self.stack.pop()
            if entry[0] == tag:
                break

    def handle_data(self, data):
        if not self.stack:
            self.chunks.append(data)
            return
        if self.stack[-1][0] == "summary" and len(self.stack) > 1 and self.stack[-2][0] == "details":
            details = self.stack[-2]
            details[3] += data
            if details[3].strip().startswith("Technical details"):
                details[1] = True
        if not self._hidden():
            self.chunks.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.chunks).split())


def raw_values(text: str) -> list[str]:
    """Return what in a page's visible text is a program's value, not a word."""
    found = [m.group(0) for m in PYTHON_VALUES.finditer(text)]
    found += [m.group(0) for m in CODES.finditer(text)]
    found += [m.group(0) for m in ENTRY_TYPE.finditer(text)]
    return found


def test_the_check_finds_what_it_should_and_reads_past_technical_details():
    page = (
        "<main><p>Uses: ['genai_input'] · exclusivity non_exclusive · by user:3 · svod</p>"
        "<script>var x = {'a': None};</script>"
        "<details><summary>Technical details</summary><p>consent.created user:3 de_aging</p></details>"
        "<details><summary>Every decision</summary><p>needs_clearance stunt_double</p></details>"
        "<p>May be used: False</p></main>"
    )
    found = raw_values(visible_text(page))
    assert "['" in found and "genai_input" in found and "non_exclusive" in found and "user:3" in found
    assert "svod" in found and "False" in found and "needs_clearance" in found and "stunt_double" in found
    assert "consent.created" not in found and "de_aging" not in found and "None" not in found
    assert raw_values("SVOD and theatrical release in the United Kingdom, de-ageing, a stunt double") == []


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks, settings):
    """The demo's world with its three generation requests, as `make demo` seeds it."""
    with django_capture_on_commit_callbacks(execute=True):
        seed_world()
        run_requests(lambda line: None)
    return get_user_model()


def _exports(production) -> list:
    """A production's audit export as its pages show it: queued, made, and failed (made once)."""
    found = list(ProductionExport.objects.filter(production=production).order_by("id"))
    if found:
        return found
    auditor = get_user_model().objects.get(username="auditor")
    queued, made, failed = (
        services.production_export_create(actor=auditor, production=production) for _ in range(3)
    )
    production_export_build_now(made.pk)
    services.production_export_fail(export_id=failed.pk, failure="The export could not be made.")
    return [queued, made, failed]


def _with_labour_actions(*productions) -> tuple:
    """The productions, the first with every performer rule on, a labour action in force and one
    ended (the demo records none), so that their page shows each."""
    clearance = get_user_model().objects.get(username="clearance")
    first = productions[0]
    if not LabourAction.objects.filter(production=first).exists():
        services.production_performer_rules_set(
            actor=clearance, production=first, rules=list(vocab.PERFORMER_RULES)
        )
        guilds = list(Guild.objects.order_by("id")[:2])
        for guild in guilds:
            action = services.labour_action_record(
                actor=clearance,
                production=first,
                guild=guild,
                started_on=datetime.date(2026, 3, 2),
                note="The strike over digital replicas.",
            )
        services.labour_action_end(actor=clearance, action=action, ended_on=datetime.date(2026, 4, 14))
    return productions


def _tokens() -> list:
    """API tokens of the demo's people as the pages show them: of each scope, one revoked, one
    expired (made once)."""
    found = list(ApiToken.objects.order_by("id"))
    if found:
        return found
    User = get_user_model()
    made = []
    for username, scope in (
        ("producer", vocab.TOKEN_SCOPE_READ_ONLY),
        ("producer", vocab.TOKEN_SCOPE_TRAINING_CLEARANCE),
        ("clearance", vocab.TOKEN_SCOPE_FULL),
        ("guild", vocab.TOKEN_SCOPE_READ_ONLY),
    ):
        user = User.objects.get(username=username)
        token, _ = services.api_token_create(
            actor=user,
            user=user,
            name=f"{username.title()} pipeline {len(made) + 1}",
            scope=scope,
            expires_at=timezone.now().date() + datetime.timedelta(days=30),
        )
        made.append(token)
    services.api_token_used(token=made[0])
    services.api_token_revoke(actor=made[1].user, token=made[1])
    ApiToken.objects.filter(pk=made[2].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    return made


def _pages(client) -> list[tuple[str, str]]:
    """Return (URL name, URL) of every page of the portal, with the demo world's objects."""
    night = Production.objects.get(code="long-night")
    salt = Production.objects.get(code="salt-road")
    requests = list(GenerationRequest.objects.order_by("id"))
    assert {r.status for r in requests} >= {"succeeded", "refused", "needs_clearance"}
    shots = Shot.objects.filter(generation_requests__isnull=False).distinct()
    grants, consents = RightsGrant.objects.order_by("id"), ConsentRecord.objects.order_by("id")
    reservations = TrainingReservation.objects.order_by("id")
    current = {"replaced_by__isnull": True}
    pages = {
        "home": ["/"],
        "productions": ["/productions/"],
        "shots": [f"/productions/{p.pk}/shots/" for p in (night, salt)],
        "timeline": [f"/productions/{night.pk}/timeline/"],
        "request_new": [f"/productions/{night.pk}/requests/new/"],
        "request_preview": [],  # posted below
        "assets": [f"/productions/{p.pk}/assets/" for p in (night, salt)],
        "production_disclosure": [f"/productions/{p.pk}/disclosure/" for p in (night, salt)],
        "performer_rules": [f"/productions/{p.pk}/performers/" for p in _with_labour_actions(night, salt)],
        "production_continuity": [f"/productions/{p.pk}/continuity/" for p in (night, salt)],
        "record_new": [
            f"/productions/{night.pk}/records/{k}/new/" for k in ("grant", "consent", "reservation")
        ],
        "request": [f"/requests/{r.pk}/" for r in requests],
        "request_status": [f"/requests/{r.pk}/status/" for r in requests],
        "clearance": ["/clearance/"],
        "asset": [f"/assets/{a.pk}/" for a in Asset.objects.order_by("id")],
        "record": [f"/records/grant/{g.pk}/" for g in grants]
        + [f"/records/consent/{c.pk}/" for c in consents]
        + [f"/records/reservation/{r.pk}/" for r in reservations],
        "record_amend": [f"/records/grant/{g.pk}/amend/" for g in grants.filter(**current)[:2]]
        + [f"/records/consent/{c.pk}/amend/" for c in consents.filter(**current)[:1]]
        + [f"/records/reservation/{r.pk}/amend/" for r in reservations.filter(**current)[:1]],
        "record_revoke": [f"/records/grant/{g.pk}/revoke/" for g in grants.filter(**current)[:2]]
        + [f"/records/consent/{c.pk}/revoke/" for c in consents.filter(**current)[:1]],
        "shot_audit": [f"/shots/{s.pk}/audit/" for s in shots],
        "guild_consents": ["/guild/consents/"],
        "guild_consent": [f"/guild/consents/{c.pk}/" for c in consents],
        "guild_members": ["/guild/members/"],
        "guild_member": [f"/guild/members/{t.pk}/" for t in Talent.objects.order_by("id")],
        "verify": ["/verify/"],
        "ledger": ["/ledger/"],
        "register": [f"/registers/{k}/" for k in REGISTERS],
        "register_of": [f"/productions/{night.pk}/registers/{k}/" for k in REGISTERS],
        "calendar": ["/registers/calendar/"],
        "notifications": ["/notifications/"],
        "request_engine": [f"/productions/{night.pk}/requests/engine/?engine=atmosphere"],
        "asset_thumbnail_panel": [
            f"/assets/{a.pk}/thumbnail/panel/" for a in Asset.objects.order_by("id")[:3]
        ],
        "production_export": [f"/exports/{e.pk}/" for e in _exports(night)],
        "production_export_status": [f"/exports/{e.pk}/status/" for e in _exports(night)],
        "tokens": ["/account/tokens/"],
        "token_new": ["/account/tokens/new/"],
        # A page of a token the viewer may not see answers 404, and is passed over.
        "token_revoke": [f"/account/tokens/{t.public_id}/revoke/" for t in _tokens()],
        # With two-factor sign-in off (as here), these send everyone on; checked with it on in
        # test_no_two_factor_page_shows_a_program_value.
        "two_factor": ["/account/two-factor/"],
        "two_factor_verify": [],
        "two_factor_setup": [],
        "two_factor_app": [],
        "two_factor_passkey": [],
        "two_factor_remove": [],
        # A studio's people, for its admin; a person of no studio of the viewer's answers 404.
        "people": ["/studio/people/"],
        "people_second_factor_reset": [
            f"/studio/people/{pk}/second-factor/reset/"
            for pk in get_user_model().objects.order_by("pk").values_list("pk", flat=True)
        ],
    }
    names = {p.name for p in get_resolver(portal_urls).url_patterns}
    unchecked = names - set(pages) - BINARY - ACTIONS
    assert not unchecked, f"portal pages the no-raw-values test does not render: {sorted(unchecked)}"
    return [(name, url) for name, urls in pages.items() for url in urls]


def _login(client, User, username):
    client.logout()
    if username is not None:
        client.force_login(User.objects.get(username=username))
    return client


@pytest.mark.heavy(35)
def test_no_portal_page_shows_a_program_value_to_any_role(demo, client):
    pages = _pages(client)
    problems, seen = [], 0
    for username in ROLES:
        _login(client, demo, username)
        for name, url in pages:
            response = client.get(url)
            if response.status_code in (301, 302) or "text/html" not in response.get("Content-Type", ""):
                continue
            seen += 1
            found = raw_values(visible_text(response.content.decode()))
            if found:
                problems.append(f"{username or 'anonymous'} {url} ({name}): {sorted(set(found))}")
    # The live preview of the request form, and the verify page's result for a signed output.
    _login(client, demo, "producer")
    night = Production.objects.get(code="long-night")
    plate = Asset.objects.get(title="Harbour rooftop plate")
    shot = Shot.objects.get(code="EP102_SH0010")
    form = {
        "shot": shot.pk,
        "engine": "set_extension",
        "asset": [plate.pk],
        f"role_{plate.pk}": "plate",
        "intended_use": "set_extension",
        "media": ["theatrical", "svod"],
        "territories": "WORLD",
        "release_start": "2026-09-01",
        "release_end": "2027-08-31",
    }
    for posted in (form, {**form, "intended_use": "de_aging", "territories": "GB, US"}):
        response = client.post(f"/productions/{night.pk}/requests/preview/", posted)
        assert response.status_code == 200
        found = raw_values(visible_text(response.content.decode()))
        if found:
            problems.append(f"producer preview {posted['intended_use']}: {sorted(set(found))}")
    # The answer to the token form: the token made, and the form refused.
    for posted in (
        {"name": "Dailies sync", "scope": vocab.TOKEN_SCOPE_READ_ONLY, "expires_at": "2020-01-01"},
        {"name": "Dailies sync", "scope": "", "expires_at": ""},
        {"name": "Dailies sync", "scope": vocab.TOKEN_SCOPE_FULL, "expires_at": str(timezone.now().date())},
    ):
        response = client.post("/account/tokens/new/", posted)
        found = raw_values(visible_text(response.content.decode()))
        if found:
            problems.append(f"producer token form {posted}: {sorted(set(found))}")
    output = GenerationRequest.objects.filter(status="succeeded").first().output.asset
    with output.file.open("rb") as fh:
        response = _login(client, demo, None).post("/verify/", {"file": fh})
    assert response.status_code == 200
    found = raw_values(visible_text(response.content.decode()))
    if found:
        problems.append(f"anonymous /verify/ result: {sorted(set(found))}")
    # The exports say the same words as the pages: the audit's CSV and its PDF.
    _login(client, demo, "auditor")
    for shot in Shot.objects.filter(generation_requests__isnull=False).distinct():
        csv_text = client.get(f"/shots/{shot.pk}/audit.csv").content.decode()
        pdf = PdfReader(io.BytesIO(client.get(f"/shots/{shot.pk}/audit.pdf").content))
        for name, text in (("CSV", csv_text), ("PDF", " ".join(p.extract_text() for p in pdf.pages))):
            found = raw_values(" ".join(text.split()))
            if found:
                problems.append(f"auditor {shot.code} audit {name}: {sorted(set(found))}")
    assert seen > 200
    assert not problems, "\n".join(problems)


@pytest.mark.two_factor
def test_no_two_factor_page_shows_a_program_value(demo, client):
    """Two-factor sign-in's pages, as a clearance user without a device, then with one, sees them."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = demo.objects.get(username="clearance")
    client.force_login(user)
    problems = []

    def check(label, response):
        assert response.status_code < 500, label
        found = raw_values(visible_text(response.content.decode()))
        if found:
            problems.append(f"{label}: {sorted(set(found))}")

    check("set-up", client.get("/account/two-factor/set-up/"))
    check("app", client.get("/account/two-factor/app/"))
    check("app, wrong code", client.post("/account/two-factor/app/", {"code": "12"}))
    device = TOTPDevice.objects.get(user=user)
    # django-otp's wait after the wrong code, over at once.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    token = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    check("app added, with recovery codes", client.post("/account/two-factor/app/", {"code": f"{token:06d}"}))
    check("devices", client.get("/account/two-factor/"))
    check("passkey", client.get("/account/two-factor/passkey/"))
    check("new recovery codes", client.post("/account/two-factor/recovery-codes/"))
    check("remove", client.get(f"/account/two-factor/app/{device.pk}/remove/"))
    check("remove the last", client.post(f"/account/two-factor/app/{device.pk}/remove/"))
    check("remove what is not there", client.get("/account/two-factor/app/999999/remove/"))
    client.logout()
    client.force_login(user)
    check("second step", client.get("/account/two-factor/sign-in/"))
    check("second step, wrong code", client.post("/account/two-factor/sign-in/", {"code": "000000"}))
    assert not problems, "\n".join(problems)
