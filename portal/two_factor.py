"""Second factors of local accounts (django-otp): authenticator apps (TOTP), passkeys (WebAuthn,
django-otp-webauthn) and recovery codes (django-otp's static device); enrolling, listing, removing
and checking them. Who must have one: portal.auth.must_verify.

A device's secret never leaves the server except once, on the page that enrols it (the QR code and
its text), and a recovery code is shown only on the page that makes it. Django-otp keeps a code
from being used twice: a TOTP device remembers the last step it accepted, and a recovery code is
deleted as it is used."""

import base64
import ipaddress
import math
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from rightsledger.api.throttling import wait_words

RECOVERY_CODES = 10
APP = "app"
PASSKEY = "passkey"
KINDS = {APP: TOTPDevice, PASSKEY: WebAuthnCredential}
KIND_LABELS = {APP: "Authenticator app", PASSKEY: "Passkey"}


def relying_party_id(request) -> str:
    """The passkey's relying party: the host name the portal is reached at (OTP_WEBAUTHN_RP_ID_CALLABLE).

    The request's host, which ALLOWED_HOSTS has already checked, so that the demo on 127.0.0.1, a
    test's live server and the studio's own name all work without another setting."""
    return request.get_host().rsplit(":", 1)[0].strip("[]")


def passkey_refusal(request) -> str:
    """Return why passkeys cannot be added or used at the address this page was reached at, or "".

    WebAuthn names the site a passkey belongs to by its domain name, and a browser refuses an IP
    address (the demo's 127.0.0.1) as that name: the page says so instead of failing obscurely."""
    host = relying_party_id(request)
    address = _ip_address(host)
    if address is None:
        return ""
    named = _named_address(request, address)
    where = (
        f"Open {named} instead to add or use a passkey."
        if named
        else "Ask your studio's IT for Rightsledger's address by name to add or use a passkey."
    )
    return (
        f"Passkeys need the site to be reached by its name, such as localhost or your studio's "
        f"name for Rightsledger, and this page was reached at the address {host}. {where} "
        "An authenticator app works at any address."
    )


def _ip_address(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _named_address(request, address) -> str:
    """The same page at a host name: localhost for this machine, else PORTAL_URL's if it is a name."""
    if address.is_loopback:
        port = urlsplit(f"//{request.get_host()}").port
        site = f"{request.scheme}://localhost{f':{port}' if port else ''}"
    else:
        portal = urlsplit(settings.PORTAL_URL)
        if not portal.hostname or _ip_address(portal.hostname) is not None:
            return ""
        site = f"{portal.scheme}://{portal.netloc}"
    return site + request.get_full_path()


class PortalWebAuthnHelper(WebAuthnHelper):
    """The browser's origin must be the portal's own (PORTAL_URL, or the address it was reached at,
    which ALLOWED_HOSTS checked), or one of OTP_WEBAUTHN_ALLOWED_ORIGINS."""

    def get_allowed_origins(self) -> list[str]:
        portal = urlsplit(settings.PORTAL_URL)
        own = f"{self.request.scheme}://{self.request.get_host()}"
        return [*settings.OTP_WEBAUTHN_ALLOWED_ORIGINS, f"{portal.scheme}://{portal.netloc}", own]


@dataclass(frozen=True)
class DeviceRow:
    """One second factor of a user, as the portal lists it."""

    kind: str  # APP or PASSKEY
    pk: int
    name: str
    added: datetime | None
    last_used: datetime | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def devices_of(user) -> list[DeviceRow]:
    """Return the user's confirmed authenticator apps and passkeys, oldest first (recovery codes are
    counted apart: recovery_codes_left)."""
    rows = [
        _row(kind, d)
        for kind, model in KINDS.items()
        for d in model.objects.filter(user=user, confirmed=True)
    ]
    return sorted(rows, key=lambda r: (r.added or timezone.now(), r.kind, r.pk))


def device_find(user, kind: str, pk: int | None = None) -> DeviceRow | None:
    """Return the user's confirmed device of the kind numbered pk (the newest of the kind, without
    pk), or None where there is no such device of theirs."""
    rows = [d for d in devices_of(user) if d.kind == kind and pk in (None, d.pk)]
    return rows[-1] if rows else None


def _row(kind: str, device) -> DeviceRow:
    # A passkey is named after its maker where the authenticator says which it is (its AAGUID);
    # many say nothing, and get a name from the day they were added.
    name = device.name or f"{KIND_LABELS[kind]} added {_day(device.created_at)}"
    return DeviceRow(kind, device.pk, name, device.created_at, device.last_used_at)


def _day(moment) -> str:
    return timezone.localtime(moment or timezone.now()).strftime("%-d %B %Y")


def has_second_factor(user) -> bool:
    """Return whether the user has a confirmed device of any kind (recovery codes included)."""
    return any(True for _ in devices_for_user(user, confirmed=True))


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_codes_make(*, user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones and return them (to show once;
    only the device keeps them, to check one as it is used)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name="Recovery codes", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_ensure(*, user) -> list[str]:
    """Return new recovery codes if the user has none left, else [] (enrolling a second device keeps
    the codes already written down)."""
    return [] if recovery_codes_left(user) else recovery_codes_make(user=user)


def app_start(*, user) -> TOTPDevice:
    """Return the authenticator app being enrolled: the user's unconfirmed one, or a new one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        name = f"Authenticator app added {_day(None)}"
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=False)
    return device


def app_qr_svg(device: TOTPDevice) -> str:
    """Return the device's otpauth:// address as a QR code, a data: URL of an SVG image."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def app_secret_words(device: TOTPDevice) -> str:
    """Return the device's secret in base32, in groups of four for typing into an app."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalised(code: str) -> str:
    """A code as typed: spaces and dashes dropped, lower case (recovery codes are base32)."""
    return re.sub(r"[\s-]+", "", str(code or "")).lower()


def app_confirm(*, user, device_pk: int, code: str) -> TOTPDevice:
    """Confirm the authenticator app being enrolled with a code it shows; ValidationError if the
    code is not one it shows now."""
    device = TOTPDevice.objects.filter(user=user, pk=device_pk, confirmed=False).first()
    if device is None:
        raise ValidationError(
            {"code": "This authenticator app was already added or removed. Start again."}, code="stale"
        )
    wait = device_wait(device)
    if wait:
        raise ValidationError(
            {
                "code": f"After a wrong code the next one waits a little: wait {wait_words(wait)}, then "
                "try again (each wrong code in a row doubles the wait)."
            }
        )
    if not normalised(code).isdigit() or not device.verify_token(normalised(code)):
        raise ValidationError(
            {
                "code": "That code is not the one your app shows now. Type the six digits it shows "
                "for Rightsledger, before they change."
            },
            code="wrong_code",
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def device_wait(device) -> int:
    """Return the seconds django-otp makes the device wait after wrong codes (1, 2, 4, ... seconds
    after each in a row), or 0."""
    allowed, about = device.verify_is_allowed()
    if allowed or not (about or {}).get("locked_until"):
        return 0
    return max(1, math.ceil((about["locked_until"] - timezone.now()).total_seconds()))


def codes_wait(user) -> int:
    """Return the seconds until every device that takes a typed code will check one again."""
    devices = [*TOTPDevice.objects.filter(user=user, confirmed=True), *StaticDevice.objects.filter(user=user)]
    waits = [device_wait(d) for d in devices]
    return min(waits) if waits and all(waits) else 0


def code_check(*, user, code: str):
    """Return the device that accepts the code (an app's current code, or a recovery code, which is
    used up), or None."""
    code = normalised(code)
    return match_token(user, code) if code else None


def device_remove(*, user, kind: str, pk: int, required: bool) -> DeviceRow:
    """Remove one of the user's authenticator apps or passkeys and return what it was.

    Refused (PermissionDenied, in words) when the user must have a second factor and this is their
    last app or passkey: recovery codes alone are for a lost phone, not a way to sign in."""
    model = KINDS.get(kind)
    device = model.objects.filter(user=user, pk=pk, confirmed=True).first() if model else None
    if device is None:
        raise ValidationError("That device is not one of yours, or it was already removed.", code="gone")
    row = _row(kind, device)
    with transaction.atomic():
        others = [d for d in devices_of(user) if (d.kind, d.pk) != (kind, pk)]
        if required and not others:
            raise PermissionDenied(
                f"“{row.name}” is your only authenticator app or passkey, and your role needs a "
                "second factor to sign in. Add another one first, then remove this one."
            )
        device.delete()
    return row
