"""Signing out of a session that began at the studio's provider signs out there too (OpenID Connect
RP-Initiated Logout), against the tests' own django-oidc-provider in its own process: the browser
goes through the provider's end-session endpoint and lands on the signed-out page, and the next
sign-in through the provider asks for the password again. A local account signs out as before."""

import copy
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model

from portal.sso import SSO_BACKEND

from .test_browser_sso import (  # noqa: F401 (fixtures)
    PROVIDER_NAME,
    PROVIDER_PASSWORD,
    _axe_clean,
    _page,
    _settings_from,
    _sign_in,
    browser,
    provider,
    pytestmark,
    sso,
    studio,
)


@pytest.fixture
def sso_logout(settings, sso):  # noqa: F811
    """Single sign-on with the provider's end-session endpoint given, as the environment gives it
    (config.settings also lets the log-out form's answer go on to the provider's origin)."""
    settings.OIDC_OP_LOGOUT_ENDPOINT = sso["end_session_endpoint"]
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    endpoint = urlsplit(sso["end_session_endpoint"])
    policy["DIRECTIVES"]["form-action"].append(f"{endpoint.scheme}://{endpoint.netloc}")
    settings.CONTENT_SECURITY_POLICY = policy
    return sso


def _log_out(page):
    menu = page.locator("summary", has_text="Menu")
    if menu.is_visible():  # the navigation folds on a narrow window
        menu.click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")


def test_signing_out_signs_out_at_the_provider_too(browser, live_server, sso_logout, studio):  # noqa: F811
    context, page = _page(browser)
    answer, _ = _sign_in(page, live_server.url, "sam")
    assert answer.status == 302
    assert "Your account has no role yet" in page.inner_text("main")

    ends = []
    page.on(
        "request",
        lambda r: ends.append(r.url) if r.url.startswith(sso_logout["end_session_endpoint"]) else None,
    )
    _log_out(page)

    # The browser went through the provider's end-session endpoint with the ID token as the hint,
    # and came back to the signed-out page.
    (end,) = ends
    query = parse_qs(urlsplit(end).query)
    assert query["post_logout_redirect_uri"] == [f"{live_server.url}/accounts/signed-out/"]
    assert query["id_token_hint"][0].count(".") == 2  # a JWT
    assert page.url == f"{live_server.url}/accounts/signed-out/"
    body = page.inner_text("main")
    assert "You have signed out" in body
    assert f"You are signed out of Rightsledger and of {PROVIDER_NAME}" in body
    assert page.get_by_role("link", name="Log in").first.is_visible()
    assert _axe_clean(page) == []

    # Rightsledger's session is over.
    page.goto(f"{live_server.url}/account/two-factor/")
    assert urlsplit(page.url).path == "/accounts/login/"
    # And the provider's: signing in through it again asks for the password.
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.wait_for_selector("#id_username")
    assert page.url.startswith(sso_logout["issuer"].rsplit("/openid", 1)[0] + "/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PROVIDER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/account/two-factor/"  # the page asked for, signed in again
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor sign-in"
    context.close()


def test_without_the_providers_end_session_endpoint_signing_out_ends_only_our_session(
    browser,  # noqa: F811
    live_server,
    sso,  # noqa: F811
    studio,  # noqa: F811
):
    context, page = _page(browser)
    _sign_in(page, live_server.url, "sam")
    _log_out(page)
    assert urlsplit(page.url).path == "/accounts/login/"
    # The provider still knows the browser: the next sign-in through it asks for no password.
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/") == live_server.url
    assert page.locator("#id_password").count() == 0
    context.close()


def test_a_local_account_signs_out_as_before(client, settings, studio):  # noqa: F811
    settings.OIDC_OP_LOGOUT_ENDPOINT = "https://id.harbour.example/end-session"
    client.force_login(studio.producer_a)
    gone = client.post("/accounts/logout/")
    assert gone.status_code == 302 and gone["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_signing_out_of_a_session_from_the_provider_names_it_to_the_provider(
    client, settings, transactional_db
):
    settings.OIDC_OP_LOGOUT_ENDPOINT = "https://id.harbour.example/end-session?ui_locales=en"
    settings.OIDC_RP_CLIENT_ID = "rightsledger-portal"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, SSO_BACKEND]
    person = get_user_model().objects.create_user("sam")
    client.force_login(person, backend=SSO_BACKEND)
    session = client.session
    session["oidc_id_token"] = "header.claims.signature"
    session.save()

    assert client.get("/accounts/logout/").status_code == 405  # a link cannot sign anyone out
    assert "_auth_user_id" in client.session

    gone = client.post("/accounts/logout/")
    assert gone.status_code == 302
    target = urlsplit(gone["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://id.harbour.example/end-session"
    assert parse_qs(target.query) == {
        "ui_locales": ["en"],
        "id_token_hint": ["header.claims.signature"],
        "client_id": ["rightsledger-portal"],
        "post_logout_redirect_uri": ["http://testserver/accounts/signed-out/"],
    }
    assert "_auth_user_id" not in client.session and "oidc_id_token" not in client.session
    assert gone["Cache-Control"].startswith("max-age=0")


def test_logging_out_needs_the_forms_csrf_token(settings, studio):  # noqa: F811
    from django.test import Client

    browser_client = Client(enforce_csrf_checks=True)
    browser_client.force_login(studio.producer_a)
    refused = browser_client.post("/accounts/logout/")
    assert refused.status_code == 403
    assert "_auth_user_id" in browser_client.session


def test_the_environment_lets_the_log_out_form_go_on_to_the_provider():
    code = (
        "from django.conf import settings; "
        "print(*settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    given = _settings_from({"OIDC_OP_LOGOUT_ENDPOINT": "https://id.harbour.example/oauth2/logout"}, code)
    assert given.stdout.split() == ["'self'", "https://id.harbour.example"], given.stderr
    none = _settings_from({"OIDC_OP_LOGOUT_ENDPOINT": ""}, code)
    assert none.stdout.split() == ["'self'"], none.stderr
