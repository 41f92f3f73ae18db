"""Two-factor sign-in for local accounts: who must have a second factor, enrolling an authenticator
app (with recovery codes shown once), the second step of signing in (a code, a recovery code, a
passkey's options), counting its failures in the sign-in throttling, removing a device, and the
API's password token for those who must have one. Codes come from django-otp's own TOTP, made
from the device's key."""

import base64
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import auth
from rightsledger import services, vocab
from rightsledger.models import SsoIdentity

from .. import factories as f

pytestmark = pytest.mark.two_factor
PASSWORD = "correct horse battery 2026"


def _code(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():0{device.digits}d}"


def _wrong(device: TOTPDevice) -> str:
    right = _code(device)
    return "000000" if right != "000000" else "111111"


def _with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def _signed_in(user, client=None) -> Client:
    """A browser that has given the user's password at the login page (and nothing more)."""
    client = client or Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:400]
    return client


def _app(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Dana's phone", confirmed=True)


def _recovery(user, codes=("abcd2345", "efgh6723")) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    for c in codes:
        StaticToken.objects.create(device=device, token=c)
    return device


@pytest.fixture
def people(world):
    for user in (world.clearance, world.producer_a, world.guild_rep, world.admin):
        _with_password(user)
    return world


def test_a_clearance_user_without_a_device_is_made_to_enrol_before_any_page(people):
    client = _signed_in(people.clearance)

    response = client.get("/productions/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/set-up/?next=%2Fproductions%2F"
    for page in ("/", "/clearance/", "/account/tokens/", "/registers/grants/", "/accounts/password_change/"):
        answer = client.get(page)
        assert answer.status_code == 302 and answer["Location"].startswith("/account/two-factor/set-up/")
    # The API, reached with the session's cookie, answers in words too.
    api = client.get("/api/me/")
    assert api.status_code == 403
    assert "set up an authenticator app or a passkey" in api.json()["errors"][0]["message"]

    setup = client.get(response["Location"])
    assert setup.status_code == 200
    assert b"Productions</a>" not in setup.content  # the menu offers no page that would not open
    assert b"Your role in Rightsledger opens performers' consent records" in setup.content
    # Logging out still works.
    assert client.post("/accounts/logout/").status_code == 302


def test_enrolling_an_app_shows_its_qr_code_and_secret_then_recovery_codes_once(people):
    user = people.clearance
    client = _signed_in(user)

    page = client.get("/account/two-factor/app/?next=/productions/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    text = page.content.decode()
    assert 'src="data:image/svg+xml;charset=utf-8,' in text
    secret = re.search(r'<p class="mono secret" id="secret">([A-Z2-7 ]+)</p>', text).group(1)
    assert (
        base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
        == device.bin_key
    )

    # A code the app does not show is refused next to the field, and nothing is confirmed.
    wrong = client.post("/account/two-factor/app/", {"code": _wrong(device), "next": "/productions/"})
    assert wrong.status_code == 400
    assert b"That code is not the one your app shows now" in wrong.content
    device.refresh_from_db()
    assert not device.confirmed and not StaticToken.objects.filter(device__user=user).exists()
    # django-otp makes a device wait a second after a wrong code (two after two, ...), and says so.
    hasty = client.post("/account/two-factor/app/", {"code": _code(device)})
    assert "After a wrong code the next one waits a little: wait 1 second" in hasty.content.decode()
    time.sleep(1.1)

    done = client.post("/account/two-factor/app/", {"code": _code(device), "next": "/productions/"})
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    shown = set(re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode()))
    assert shown == codes
    assert b"shown only this once" in done.content

    # The session passed its second step while enrolling: the portal opens.
    assert client.get("/productions/").status_code == 200
    # The codes are not shown again anywhere: the list says only how many are left.
    listing = client.get("/account/two-factor/").content.decode()
    assert "10 unused recovery codes" in listing
    assert not any(c in listing for c in codes)


def test_with_an_app_a_clearance_user_signs_in_with_its_code(people):
    user = people.clearance
    device = _app(user)
    client = _signed_in(user)

    going = client.get("/productions/")
    assert going["Location"] == "/account/two-factor/sign-in/?next=%2Fproductions%2F"
    step = client.get(going["Location"])
    assert step.status_code == 200 and b"The code from your app, or a recovery code" in step.content

    answer = client.post("/account/two-factor/sign-in/", {"code": _code(device), "next": "/productions/"})
    assert answer.status_code == 302 and answer["Location"] == "/productions/"
    assert client.get("/productions/").status_code == 200
    device.refresh_from_db()
    assert device.last_used_at is not None


def test_a_wrong_code_is_refused_and_counted_against_the_account(people, settings):
    settings.LOGIN_ACCOUNT_RATE = "3/15min"
    user = people.clearance
    device = _app(user)
    client = _signed_in(user)

    for _ in range(3):
        refused = client.post("/account/two-factor/sign-in/", {"code": _wrong(device)})
        assert refused.status_code == 400
        assert b"That code was not accepted" in refused.content
    assert client.get("/productions/").status_code == 302  # not signed in all the way

    # The fourth try is refused even with the right code, and so is the password from elsewhere.
    throttled = client.post("/account/two-factor/sign-in/", {"code": _code(device)})
    assert throttled.status_code == 429 and "Retry-After" in throttled
    assert b"too many wrong passwords or sign-in codes in a short time" in throttled.content
    again = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert again.status_code == 429
    assert client.get("/productions/").status_code == 302


def test_the_password_alone_does_not_wipe_the_count_of_wrong_codes(people, settings):
    settings.LOGIN_ACCOUNT_RATE = "4/15min"
    user = people.clearance
    device = _app(user)
    for _ in range(2):
        client = _signed_in(user)
        for _ in range(2):
            assert client.post("/account/two-factor/sign-in/", {"code": _wrong(device)}).status_code == 400
    assert (
        Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code
        == 429
    )


def test_a_recovery_code_works_once(people):
    user = people.guild_rep
    _app(user)
    _recovery(user)

    client = _signed_in(user)
    answer = client.post("/account/two-factor/sign-in/", {"code": "ABCD 2345", "next": "/guild/consents/"})
    assert answer.status_code == 302 and answer["Location"] == "/guild/consents/"
    assert client.get("/guild/consents/").status_code == 200
    assert list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == ["efgh6723"]

    client.post("/accounts/logout/")
    client = _signed_in(user)
    used = client.post("/account/two-factor/sign-in/", {"code": "abcd2345"})
    assert used.status_code == 400
    time.sleep(2.1)  # django-otp's own wait after a wrong code, on each device
    assert client.post("/account/two-factor/sign-in/", {"code": "efgh-6723"}).status_code == 302
    assert not StaticToken.objects.filter(device__user=user).exists()


def test_new_recovery_codes_replace_the_old_ones(people):
    user = people.clearance
    device = _app(user)
    _recovery(user)
    client = _signed_in(user)
    client.post("/account/two-factor/sign-in/", {"code": _code(device)})

    page = client.post("/account/two-factor/recovery-codes/")
    assert page.status_code == 200
    shown = set(re.findall(r"<li>([a-z2-7]{8})</li>", page.content.decode()))
    assert shown == set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(shown) == 10 and "abcd2345" not in shown


def test_removing_a_device_after_a_confirmation_and_never_the_last_one(people):
    user = people.admin
    phone = _app(user)
    spare = TOTPDevice.objects.create(user=user, name="Spare phone", confirmed=True)
    client = _signed_in(user)
    client.post("/account/two-factor/sign-in/", {"code": _code(phone)})

    confirm = client.get(f"/account/two-factor/app/{spare.pk}/remove/")
    assert confirm.status_code == 200 and "Remove “Spare phone”" in confirm.content.decode()
    assert TOTPDevice.objects.filter(pk=spare.pk).exists()
    gone = client.post(f"/account/two-factor/app/{spare.pk}/remove/")
    assert gone.status_code == 302 and gone["Location"] == "/account/two-factor/?removed=1"
    assert not TOTPDevice.objects.filter(pk=spare.pk).exists()

    last = client.post(f"/account/two-factor/app/{phone.pk}/remove/")
    assert last.status_code == 409
    assert "is your only authenticator app or passkey" in last.content.decode()
    assert TOTPDevice.objects.filter(pk=phone.pk).exists()

    # Another person's device is not one of yours.
    theirs = _app(people.clearance)
    assert client.post(f"/account/two-factor/app/{theirs.pk}/remove/").status_code == 404
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_a_session_that_has_not_passed_its_second_step_cannot_add_a_device(people):
    user = people.clearance
    _app(user)
    client = _signed_in(user)

    page = client.get("/account/two-factor/app/")
    assert page.status_code == 302 and page["Location"].startswith("/account/two-factor/sign-in/")
    assert TOTPDevice.objects.filter(user=user).count() == 1
    begin = client.post("/accounts/passkeys/registration/begin/", content_type="application/json")
    assert begin.status_code == 403
    assert client.post("/account/two-factor/recovery-codes/").status_code == 302
    assert not StaticToken.objects.filter(device__user=user).exists()


def test_a_producer_is_not_asked_for_a_second_factor(people):
    client = _signed_in(people.producer_a)
    page = client.get("/productions/")
    assert page.status_code == 200
    assert b"Two-factor sign-in" not in page.content
    assert client.get("/account/two-factor/sign-in/")["Location"] == "/"
    assert client.get("/account/two-factor/app/")["Location"] == "/account/two-factor/"
    assert not TOTPDevice.objects.filter(user=people.producer_a).exists()
    listing = client.get("/account/two-factor/")
    assert b"Your role does not need a second factor" in listing.content


def test_with_the_setting_off_nobody_is_asked(people, settings):
    settings.OTP_REQUIRED_ROLES = []
    client = _signed_in(people.clearance)
    assert client.get("/productions/").status_code == 200


def test_a_studio_sso_user_relies_on_the_providers_second_factor(people):
    sso = f.UserFactory(username="dana.sso")
    sso.set_unusable_password()
    sso.save()
    SsoIdentity.objects.create(user=sso, issuer="https://id.harbour.example", subject="dana-1")
    services.role_grant(actor=None, user=sso, kind=vocab.ROLE_CLEARANCE, production=people.prod_a)
    sso = get_user_model().objects.get(pk=sso.pk)
    assert auth.signs_in_elsewhere(sso)
    assert not auth.must_verify(sso)
    assert auth.must_verify(people.clearance)

    client = Client()
    client.force_login(sso, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/productions/").status_code == 200


def test_a_session_that_came_through_the_provider_is_not_asked_again(people, settings):
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, auth.SSO_BACKEND]
    client = Client()
    client.force_login(people.clearance, backend=auth.SSO_BACKEND)
    assert client.get("/productions/").status_code == 200
    # The same person with their password is asked.
    assert _signed_in(people.clearance).get("/productions/").status_code == 302


def test_the_api_gives_no_password_token_to_one_who_must_have_a_second_factor(people, api):
    refused = Client().post("/api/auth/token/", {"username": "clearance", "password": PASSWORD})
    assert refused.status_code == 403
    error = refused.json()["errors"][0]
    assert error["code"] == "second_factor_required"
    assert "set up an authenticator app or a passkey there" in error["message"]
    _app(people.clearance)
    refused = Client().post("/api/auth/token/", {"username": "clearance", "password": PASSWORD})
    assert "make a token under API tokens" in refused.json()["errors"][0]["message"]

    given = Client().post("/api/auth/token/", {"username": "producer_a", "password": PASSWORD})
    assert given.status_code == 200 and given.json()["token"]
    # Tokens already made keep working until they are revoked or rotated.
    assert api(people.clearance).get("/api/me/").status_code == 200


def test_passkey_options_and_the_pages_that_load_the_script(people, settings):
    user = people.clearance
    device = _app(user)
    client = _signed_in(user, Client(HTTP_HOST="localhost"))
    step = client.get("/account/two-factor/sign-in/").content.decode()
    assert "otp_webauthn_auth.js" not in step  # no passkey yet: no passkey button
    client.post("/account/two-factor/sign-in/", {"code": _code(device)})

    page = client.get("/account/two-factor/passkey/").content.decode()
    assert 'src="/static/portal/vendor/django-otp-webauthn-0.10.3/otp_webauthn_register.js"' in page
    assert 'id="otp_webauthn_config" type="application/json"' in page
    assert 'id="passkey-registration-placeholder"' in page

    begin = client.post("/accounts/passkeys/registration/begin/", content_type="application/json")
    assert begin.status_code == 200, begin.content
    options = begin.json()
    assert options["rp"] == {"id": "localhost", "name": "Rightsledger"}
    assert options["user"]["name"] == "clearance"
    assert len(options["challenge"]) >= 40
    assert client.session["otp_webauthn_register_state"]

    auth_begin = client.post("/accounts/passkeys/authentication/begin/", content_type="application/json")
    assert auth_begin.status_code == 200
    assert auth_begin.json()["rpId"] == "localhost" and auth_begin.json()["challenge"]

    # A passkey sign-in that fails its checks is refused, and counted like a wrong code: with one
    # failure allowed, the account is closed to sign-ins after it.
    settings.LOGIN_ACCOUNT_RATE = "1/15min"
    complete = client.post(
        "/accounts/passkeys/authentication/complete/", {"id": "nothing"}, content_type="application/json"
    )
    assert complete.status_code == 422
    again = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert again.status_code == 429
    settings.LOGIN_ACCOUNT_RATE = "10/15min"
    from django.core.cache import cache

    cache.clear()

    # Someone with a passkey gets the passkey button at the second step.
    from django_otp_webauthn.models import WebAuthnCredential

    WebAuthnCredential.objects.create(
        user=user, name="Laptop", confirmed=True, credential_id=b"c" * 16, public_key=b"k", sign_count=0
    )
    client.post("/accounts/logout/")
    client = _signed_in(user, Client(HTTP_HOST="localhost"))
    step = client.get("/account/two-factor/sign-in/").content.decode()
    assert 'src="/static/portal/vendor/django-otp-webauthn-0.10.3/otp_webauthn_auth.js"' in step
    assert 'id="passkey-verification-placeholder"' in step
