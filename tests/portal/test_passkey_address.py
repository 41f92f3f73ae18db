"""Passkeys at an IP address: WebAuthn names a passkey's site by its domain name, so where the portal
is reached at an address such as 127.0.0.1 the enrolment pages say so in words, offer no passkey
button and load no passkey script, while an authenticator app still works; at localhost the passkey
pages are as before."""

import html

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from .test_two_factor import _app, _code, _signed_in, people  # noqa: F401 (fixture)

pytestmark = pytest.mark.two_factor
SCRIPT = "django-otp-webauthn-0.10.3/otp_webauthn_register.js"
NAME_NEEDED = "Passkeys need the site to be reached by its name"


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_at_an_ip_address_the_first_device_page_offers_only_an_app(people):  # noqa: F811
    client = _signed_in(people.clearance, Client(HTTP_HOST="127.0.0.1:8000"))

    setup = _text(client.get("/account/two-factor/set-up/"))
    assert NAME_NEEDED in setup
    assert "this page was reached at the address 127.0.0.1" in setup
    assert "Open http://localhost:8000/account/two-factor/set-up/ instead to add or use a passkey." in setup
    assert "An authenticator app works at any address." in setup
    assert 'href="/account/two-factor/passkey/"' not in setup
    assert "Use an authenticator app" in setup

    passkey = client.get("/account/two-factor/passkey/")
    assert passkey.status_code == 200
    page = _text(passkey)
    assert NAME_NEEDED in page
    assert SCRIPT not in page and 'id="passkey-registration-placeholder"' not in page
    assert 'id="otp_webauthn_config"' not in page

    # The authenticator app is added as anywhere.
    client.get("/account/two-factor/app/")
    device = TOTPDevice.objects.get(user=people.clearance, confirmed=False)
    added = client.post("/account/two-factor/app/", {"code": _code(device)})
    assert added.status_code == 200
    assert "Authenticator app added" in _text(added)
    device.refresh_from_db()
    assert device.confirmed

    devices = _text(client.get("/account/two-factor/"))
    assert NAME_NEEDED in devices
    assert 'href="/account/two-factor/passkey/"' not in devices
    assert 'href="/account/two-factor/app/"' in devices


def test_at_localhost_the_passkey_is_offered_and_nothing_is_said(people):  # noqa: F811
    client = _signed_in(people.clearance, Client(HTTP_HOST="localhost"))

    setup = _text(client.get("/account/two-factor/set-up/"))
    assert NAME_NEEDED not in setup
    assert 'href="/account/two-factor/passkey/"' in setup
    page = _text(client.get("/account/two-factor/passkey/"))
    assert NAME_NEEDED not in page
    assert SCRIPT in page and 'id="passkey-registration-placeholder"' in page


def test_at_an_ip_address_the_second_step_says_why_the_passkey_is_not_offered(people):  # noqa: F811
    user = people.clearance
    device = _app(user)
    WebAuthnCredential.objects.create(
        user=user, name="Laptop", confirmed=True, credential_id=b"c" * 16, public_key=b"k", sign_count=0
    )
    at_address = _signed_in(user, Client(HTTP_HOST="127.0.0.1:8000"))
    step = _text(at_address.get("/account/two-factor/sign-in/"))
    assert "With your passkey" in step and NAME_NEEDED in step
    assert "otp_webauthn_auth.js" not in step
    assert 'id="passkey-verification-placeholder"' not in step
    # The code from the app still signs in.
    signed = at_address.post("/account/two-factor/sign-in/", {"code": _code(device)})
    assert signed.status_code == 302
    assert at_address.get("/account/two-factor/").status_code == 200

    at_name = _signed_in(user, Client(HTTP_HOST="localhost"))
    step = _text(at_name.get("/account/two-factor/sign-in/"))
    assert NAME_NEEDED not in step and "otp_webauthn_auth.js" in step


def test_at_another_address_the_portals_name_is_suggested(people, settings):  # noqa: F811
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "10.0.0.5"]
    settings.PORTAL_URL = "https://rights.harbour.example"
    client = _signed_in(people.clearance, Client(HTTP_HOST="10.0.0.5"))
    setup = _text(client.get("/account/two-factor/set-up/"))
    assert "Open https://rights.harbour.example/account/two-factor/set-up/ instead" in setup

    settings.PORTAL_URL = "http://10.0.0.5"
    setup = _text(client.get("/account/two-factor/set-up/"))
    assert "Ask your studio's IT for Rightsledger's address by name" in setup
