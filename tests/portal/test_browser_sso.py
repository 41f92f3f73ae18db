"""Single sign-on through a real OpenID Connect provider: django-oidc-provider in a small project
of the tests' own (tests/oidc_provider), run in its own process over HTTP, signed in through in
headless Chromium. Signing in grants no role; a wrong state, an ID token made out for another
client, and an expired one are each refused with a page a person reads."""

import html
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from rightsledger import access, services, vocab
from rightsledger.models import LedgerEntry, Role, SsoIdentity

from .test_browser import AXE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(django_settings.BASE_DIR)
SHOTS = Path(os.environ.get("SSO_SCREENSHOTS") or ROOT / "var" / "test-artifacts" / "screenshots")
CLIENT_ID = "rightsledger-portal"
CLIENT_SECRET = "rightsledger-portal-secret-2026"
PROVIDER_PASSWORD = "provider-password-2026"
PROVIDER_NAME = "Harbour ID"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed: `make test` installs it (apt-get install chromium)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    """The studio's identity provider, in its own process on a free port, with Rightsledger's
    client registered (redirecting to the live server) and its people; its discovery document."""
    folder = tmp_path_factory.mktemp("oidc-provider")
    url = f"http://127.0.0.1:{_free_port()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "OIDC_PROVIDER_DB": str(folder / "provider.sqlite3"),
        "OIDC_PROVIDER_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    callback = f"{live_server.url}/accounts/sso/callback/"
    signed_out = f"{live_server.url}/accounts/signed-out/"
    subprocess.run(
        [sys.executable, "-m", "tests.oidc_provider.prepare", callback, CLIENT_ID, CLIENT_SECRET, signed_out],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    log = open(folder / "provider.log", "wb")  # closed once the process has ended
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", "--noreload", url.removeprefix("http://")],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    config, deadline = None, time.monotonic() + 60
    while config is None:
        try:
            with urllib.request.urlopen(f"{url}/openid/.well-known/openid-configuration", timeout=2) as r:
                config = json.load(r)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                pytest.fail(f"The test provider did not start: {(folder / 'provider.log').read_text()}")
            time.sleep(0.2)
    yield config
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def sso(settings, provider):
    """Rightsledger with single sign-on on, configured as the environment would configure it."""
    settings.SSO_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = provider["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = provider["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = provider["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = provider["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = provider["jwks_uri"]
    settings.OIDC_PROVIDER_NAME = PROVIDER_NAME
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "portal.sso.StudioOIDCBackend"]
    return provider


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def studio(transactional_db):
    """Harbour Pictures, its admin Dana Okafor, and a production with a clearance user."""
    from ..conftest import World

    world = World()
    world.admin.first_name, world.admin.last_name = "Dana", "Okafor"
    world.admin.email = "dana.okafor@harbour.example"
    world.admin.save()
    return world


def _page(browser, width=1366):
    context = browser.new_context(viewport={"width": width, "height": 900})
    return context, context.new_page()


def _axe_clean(page) -> list:
    page.evaluate(AXE.read_text() + "\n;0")
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => v.id)"
    )


def _shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def _sign_in(page, base, username, *, tamper_state=False):
    """Start at the login page, take the provider's button, sign in there; return the response
    Rightsledger's callback gave and the seconds from the button to the page that followed."""
    page.goto(f"{base}/accounts/login/")
    started = time.perf_counter()
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.wait_for_selector("#id_username")
    if tamper_state:
        # The provider's login page carries the authorization request in `next`: send the
        # provider a state this browser's session never started.
        parts = urlsplit(page.url)
        query = dict(parse_qsl(parts.query))
        inner = urlsplit(query["next"])
        inner_query = dict(parse_qsl(inner.query))
        inner_query["state"] = "a-state-nobody-started"
        query["next"] = urlunsplit(inner._replace(query=urlencode(inner_query)))
        page.goto(urlunsplit(parts._replace(query=urlencode(query))))
    page.fill("#id_username", username)
    page.fill("#id_password", PROVIDER_PASSWORD)
    with page.expect_response(lambda r: "/accounts/sso/callback/" in r.url) as answer:
        page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return answer.value, time.perf_counter() - started


def test_a_new_person_signs_in_gets_no_role_and_is_told_whom_to_ask(browser, live_server, sso, studio):
    users_before = set(get_user_model().objects.values_list("pk", flat=True))
    entries_before = LedgerEntry.objects.count()
    context, page = _page(browser)
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("button", name="Sign in with Harbour ID").is_visible()
    assert _axe_clean(page) == []
    _shoot(page, "sso-login")

    answer, seconds = _sign_in(page, live_server.url, "sam")
    print(f"\nSign-in through the OpenID provider, button to start page: {seconds:.2f} s")

    assert answer.status == 302
    assert page.url.rstrip("/") == live_server.url
    body = page.inner_text("main")
    assert "Your account has no role yet" in body
    assert "signed in as Sam Rivera (sam@harbour.example) through Harbour ID" in body
    assert "Dana Okafor, studio admin of Harbour Pictures" in body
    assert page.get_by_role("link", name="dana.okafor@harbour.example").is_visible()
    assert page.locator("a[title='Change your password']").count() == 0  # no password of ours
    assert _axe_clean(page) == []
    _shoot(page, "sso-whom-to-ask")
    context.close()

    (new,) = get_user_model().objects.exclude(pk__in=users_before)
    assert (new.username, new.get_full_name(), new.email) == ("sam", "Sam Rivera", "sam@harbour.example")
    assert not new.has_usable_password()
    identity = SsoIdentity.objects.get(user=new)
    assert (identity.issuer, identity.subject) == (sso["issuer"], "harbour-000001")
    # Signing in granted nothing and recorded nothing: no role, no ledger entry.
    assert not Role.objects.filter(user=new).exists()
    new._rl_roles = None
    assert access.roles_of(new).productions == {} and not access.roles_of(new).any_studio_role
    assert LedgerEntry.objects.count() == entries_before


def test_an_existing_user_with_roles_reaches_their_dashboard(browser, live_server, sso, studio):
    # The clearance user of The Long Night is Dana at the provider (subject harbour-000002).
    SsoIdentity.objects.create(user=studio.clearance, issuer=sso["issuer"], subject="harbour-000002")
    users_before = get_user_model().objects.count()
    roles_before = Role.objects.count()
    context, page = _page(browser)

    answer, seconds = _sign_in(page, live_server.url, "dana")
    print(f"\nSign-in through the OpenID provider, button to dashboard: {seconds:.2f} s")

    assert answer.status == 302
    assert page.url == f"{live_server.url}/clearance/"
    assert page.get_by_role("heading", level=1).inner_text() != "Your account has no role yet"
    context.close()
    assert get_user_model().objects.count() == users_before
    assert Role.objects.count() == roles_before
    studio.clearance.refresh_from_db()
    assert studio.clearance.email == "dana@harbour.example"  # kept as the provider gives it


def test_a_wrong_state_is_refused(browser, live_server, sso, studio):
    users_before = get_user_model().objects.count()
    context, page = _page(browser)

    answer, _ = _sign_in(page, live_server.url, "sam", tamper_state=True)

    assert answer.status == 400
    body = page.inner_text("main")
    assert "Sign-in with Harbour ID refused" in body
    assert "does not belong to a sign-in started in this browser" in body
    assert page.get_by_role("link", name="Log in").first.is_visible()  # still signed out
    assert _axe_clean(page) == []
    context.close()
    assert get_user_model().objects.count() == users_before
    assert not SsoIdentity.objects.exists()


@pytest.mark.parametrize(
    "username, sentence",
    [
        ("wrong-audience", "was made out for another application, not for Rightsledger"),
        ("expired", "had already expired when it reached Rightsledger"),
    ],
)
def test_an_id_token_for_another_client_or_expired_is_refused(
    browser, live_server, sso, studio, username, sentence
):
    users_before = get_user_model().objects.count()
    context, page = _page(browser)

    answer, _ = _sign_in(page, live_server.url, username)

    assert answer.status == 403
    body = page.inner_text("main")
    assert "Sign-in with Harbour ID refused" in body
    assert sentence in body
    assert _axe_clean(page) == []
    _shoot(page, f"sso-refused-{username}")
    context.close()
    assert get_user_model().objects.count() == users_before
    assert not SsoIdentity.objects.exists()


def test_without_single_sign_on_there_is_no_button_and_no_way_in(client, settings, transactional_db):
    settings.SSO_ENABLED = False
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b"Sign in with" not in page.content
    assert client.get("/accounts/sso/start/").status_code == 404
    assert client.get("/accounts/sso/callback/?code=x&state=y").status_code == 404
    assert "portal.sso.StudioOIDCBackend" not in django_settings.AUTHENTICATION_BACKENDS


def test_a_local_user_with_no_role_is_told_whom_to_ask_too(client, studio):
    nobody = get_user_model().objects.create_user("newcomer", first_name="Noor", last_name="Haddad")
    client.force_login(nobody)
    page = client.get("/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Your account has no role yet" in text
    assert "Dana Okafor</strong>, studio admin of Harbour Pictures" in text
    assert " through " not in text.split("signed in as")[1].split("</p>")[0]
    services.role_revoke(
        actor=None,
        role=Role.objects.get(user=studio.admin, kind=vocab.ROLE_STUDIO_ADMIN),
        reason="Left the studio.",
    )
    assert "Rightsledger has no studio admin yet" in client.get("/").content.decode()


SSO_ON = (
    "from django.conf import settings; "
    "print(settings.SSO_ENABLED, 'portal.sso.StudioOIDCBackend' in settings.AUTHENTICATION_BACKENDS)"
)


def _settings_from(env: dict, code: str = SSO_ON) -> subprocess.CompletedProcess:
    """Run `code` in a new process with the settings the environment (plus env) makes."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_environment_turns_single_sign_on_on_and_says_what_is_missing():
    endpoints = {
        "OIDC_OP_ISSUER": "https://id.harbour.example",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://id.harbour.example/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": "https://id.harbour.example/token",
        "OIDC_OP_USER_ENDPOINT": "https://id.harbour.example/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": "https://id.harbour.example/jwks",
    }
    on = _settings_from({"OIDC_RP_CLIENT_ID": "rightsledger", "OIDC_RP_CLIENT_SECRET": "s", **endpoints})
    assert on.stdout.split() == ["True", "True"], on.stderr
    off = _settings_from({"OIDC_RP_CLIENT_ID": ""})
    assert off.stdout.split() == ["False", "False"], off.stderr
    partial = _settings_from({"OIDC_RP_CLIENT_ID": "rightsledger", "OIDC_RP_CLIENT_SECRET": "s"})
    assert partial.returncode != 0
    assert "OIDC_OP_ISSUER, OIDC_OP_AUTHORIZATION_ENDPOINT" in partial.stderr
    assert "/.well-known/openid-configuration" in partial.stderr


def test_an_answer_with_no_sign_in_started_or_an_error_from_the_provider_reads_as_words(
    client, settings, transactional_db
):
    settings.SSO_ENABLED = True
    settings.OIDC_PROVIDER_NAME = PROVIDER_NAME
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "http://127.0.0.1:9/authorize"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "portal.sso.StudioOIDCBackend"]
    stray = client.get("/accounts/sso/callback/?code=abc&state=def")
    assert stray.status_code == 400
    assert "This browser has no sign-in with Harbour ID in progress" in stray.content.decode()
    denied = client.get("/accounts/sso/callback/?error=access_denied&error_description=User+cancelled")
    assert denied.status_code == 403
    assert 'Harbour ID did not sign you in. It said: "User cancelled".' in html.unescape(
        denied.content.decode()
    )
    started = client.get("/accounts/sso/start/?next=/clearance/")
    assert started.status_code == 302
    assert started["Location"].startswith("http://127.0.0.1:9/authorize?")
    assert "code_challenge=" in started["Location"] and "nonce=" in started["Location"]
    # A sign-in in progress, and an answer that carries neither a code nor an error.
    bare = client.get("/accounts/sso/callback/")
    assert bare.status_code == 400
    assert "The sign-in with Harbour ID did not complete" in bare.content.decode()
    assert get_user_model().objects.filter(sso_identities__isnull=False).count() == 0


def test_an_id_token_not_signed_by_the_provider_or_not_a_token_is_refused(sso):
    from cryptography.hazmat.primitives.asymmetric import rsa

    from portal.sso import SignInRefused, StudioOIDCBackend

    with urllib.request.urlopen(sso["jwks_uri"], timeout=5) as r:
        kid = json.load(r)["keys"][0]["kid"]
    now = int(time.time())
    claims = {"iss": sso["issuer"], "aud": CLIENT_ID, "sub": "harbour-000001", "iat": now, "exp": now + 600}
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, forger, algorithm="RS256", headers={"kid": kid})
    backend = StudioOIDCBackend()
    for token in (forged, "not-a-token", None):
        with pytest.raises(SignInRefused) as refused:
            backend.verify_token(token, nonce=None)
        assert "could not be checked against its signing keys" in refused.value.message


def test_where_several_studios_share_the_service_only_the_users_own_admins_are_named(client, studio):
    other = services.studio_create(actor=None, name="Northlight Films", slug="northlight")
    admin = get_user_model().objects.create_user(
        "ines", first_name="Inès", last_name="Marchetti", email="ines@northlight.example"
    )
    services.role_grant(actor=None, user=admin, kind=vocab.ROLE_STUDIO_ADMIN, studio=other)
    newcomer = get_user_model().objects.create_user("sam", first_name="Sam", email="sam@harbour.example")
    client.force_login(newcomer)
    text = client.get("/").content.decode()
    assert "Dana Okafor</strong>, studio admin of Harbour Pictures" in text
    assert "Northlight" not in text and "Marchetti" not in text

    stranger = get_user_model().objects.create_user("kim", first_name="Kim", email="kim@elsewhere.example")
    client.force_login(stranger)
    text = client.get("/").content.decode()
    assert "Okafor" not in text and "Marchetti" not in text
    assert "names only the admins of your own" in text
