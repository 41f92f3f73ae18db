"""Two-factor sign-in as a person goes through it, in headless Chromium: a clearance user signs in
with a password, is made to set up an authenticator app (codes from django-otp's own TOTP, made
from the device's key), keeps the recovery codes, signs in again with a code, adds a passkey with
Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain), signs in with it, and
removes a device. Each step's time is printed (a hang shows; nothing is asserted on time). Each
page is checked with axe-core and screenshotted at 1,366 and 390 pixels wide."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from .test_browser import PASSWORD, Visit, browser, pytestmark  # noqa: F401 (fixtures)
from .test_browser_registers import look

pytestmark = [*pytestmark, pytest.mark.two_factor]


@pytest.fixture
def studio(live_server, settings, transactional_db):
    """The tests' studio on a live server (at localhost: a passkey needs a host name), each person
    with a password."""
    from ..conftest import World

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = World()
    for user in (world.clearance, world.producer_a):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    world.url = live_server.url
    return world


def _code(device: TOTPDevice, ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + ahead * device.step
    return f"{totp.token():0{device.digits}d}"


class Steps:
    """Each step's time, printed at the end."""

    def __init__(self):
        self.times, self.start = [], time.perf_counter()

    def go(self):
        self.start = time.perf_counter()

    def done(self, name):
        now = time.perf_counter()
        self.times.append((name, now - self.start))
        self.start = now

    def print(self):
        for name, seconds in self.times:
            print(f"two-factor sign-in, {name}: {seconds * 1000:.0f} ms")


def _password(visit, user, going="/clearance/"):
    page = visit.page
    visit.go(f"/accounts/login/?next={going}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_clearance_user_sets_up_an_app_and_a_passkey_and_signs_in_with_each(browser, studio):  # noqa: F811
    user = studio.clearance
    steps = Steps()
    visit = Visit(browser, studio.url)
    page = visit.page
    steps.go()
    _password(visit, user)
    steps.done("password, first time")
    assert "/account/two-factor/set-up/" in page.url
    look(visit, "two-factor-setup")
    # Nothing else opens before a second factor is set up.
    visit.go("/clearance/")
    assert "/account/two-factor/set-up/" in page.url

    steps.go()
    page.click("text=Use an authenticator app")
    page.wait_for_load_state("networkidle")
    steps.done("the app's page (QR code)")
    assert page.locator("figure.qr img").evaluate("i => i.naturalWidth") > 0
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.inner_text("#secret").replace(" ", "")[:8].isalnum()
    look(visit, "two-factor-app")
    page.fill("#f-code", "000000" if _code(device) != "000000" else "111111")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "That code is not the one your app shows now" in page.inner_text("main")
    look(visit, "two-factor-app-wrong")
    time.sleep(1.1)  # django-otp's own wait after a wrong code
    steps.go()
    page.fill("#f-code", _code(device))
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    steps.done("the app's code confirmed")
    codes = page.locator("ol.recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    look(visit, "two-factor-added")
    page.click("text=I have kept my recovery codes: continue")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/clearance/")

    # Signing in again: the password, then a code from the app (the next one: the enrolment used
    # this one, and django-otp takes a code only once).
    visit.context.clear_cookies()
    steps.go()
    _password(visit, user)
    steps.done("password")
    assert "/account/two-factor/sign-in/" in page.url
    look(visit, "two-factor-verify")
    steps.go()
    page.fill("#f-code", _code(device, ahead=1))
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    steps.done("the app's code")
    assert page.url.endswith("/clearance/")

    # A passkey, made and used with Chromium's virtual authenticator.
    cdp = visit.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.click("nav[aria-label=Main] >> text=Two-factor sign-in")
    page.wait_for_load_state("networkidle")
    look(visit, "two-factor-devices")
    page.click("text=Make new recovery codes")
    page.wait_for_load_state("networkidle")
    renewed = page.locator("ol.recovery-codes li").all_inner_texts()
    assert len(renewed) == 10 and not set(renewed) & set(codes)
    look(visit, "two-factor-recovery-codes")
    page.click("text=Back to two-factor sign-in")
    page.wait_for_load_state("networkidle")
    page.click("text=Add a passkey")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#passkey-register-button")
    look(visit, "two-factor-passkey")
    steps.go()
    page.click("#passkey-register-button")
    page.wait_for_url("**/account/two-factor/passkey/added/")
    page.wait_for_load_state("networkidle")
    steps.done("a passkey added")
    assert WebAuthnCredential.objects.filter(user=user, confirmed=True).count() == 1
    # The virtual authenticator names no maker: the passkey is named after the day it was added.
    assert "“Passkey added " in page.inner_text("main")
    look(visit, "two-factor-passkey-added")

    visit.context.clear_cookies()
    steps.go()
    _password(visit, user)
    steps.done("password, before the passkey")
    page.wait_for_selector("#passkey-verification-button")
    look(visit, "two-factor-verify-passkey")
    steps.go()
    page.click("#passkey-verification-button")
    page.wait_for_url("**/clearance/")
    page.wait_for_load_state("networkidle")
    steps.done("the passkey")
    assert WebAuthnCredential.objects.get(user=user).last_used_at is not None

    # Removing the app, after a confirmation; the passkey, now the last, is kept.
    visit.go("/account/two-factor/")
    page.locator("table.cards tbody tr", has_text="Authenticator app").locator("text=Remove").click()
    page.wait_for_load_state("networkidle")
    look(visit, "two-factor-remove")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "The device was removed" in page.inner_text("main")
    assert not TOTPDevice.objects.filter(user=user).exists()
    page.locator("table.cards tbody tr", has_text="Passkey").locator("text=Remove").click()
    page.wait_for_load_state("networkidle")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "“Passkey added " in page.inner_text("main")
    assert "is your only authenticator app or passkey" in page.inner_text("main")
    look(visit, "two-factor-remove-refused")
    assert WebAuthnCredential.objects.filter(user=user).exists()
    visit.context.close()
    steps.print()


def test_a_producer_signs_in_with_a_password_alone(browser, studio):  # noqa: F811
    visit = Visit(browser, studio.url)
    _password(visit, studio.producer_a, "/productions/")
    assert visit.page.url.endswith("/productions/")
    assert "Two-factor sign-in" not in visit.page.inner_text("nav[aria-label=Main]")
    visit.context.close()
