"""Two-factor sign-in: the second step (a code from an app, a passkey, or a recovery code), setting
up a first device, the list of one's devices, removing one after a confirmation, and new recovery
codes. Codes are shown once, on the page that answers the form that made them, and kept nowhere
but in the device that checks them."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.templatetags.otp_webauthn import get_configuration
from django_otp_webauthn.views import CompleteCredentialAuthenticationView

from rightsledger.api.throttling import (
    account_failures_clear,
    login_refusal,
    second_step_failed,
    wait_words,
)

from .. import two_factor
from ..auth import must_verify, safe_next, too_many
from ..forms import field_errors

HOME = "portal:home"


def _may_enrol(request) -> bool:
    """Whether this session may add a device: the user's role needs one (the pages are not offered
    to others, who would never be asked for it), and the session passed its second step or there
    is none to pass yet."""
    user = request.user
    return must_verify(user) and (user.is_verified() or not two_factor.has_second_factor(user))


def _not_yours(request):
    """Where a page of enrolment sends one who may not enrol now."""
    if not must_verify(request.user):
        return redirect("portal:two_factor")
    return redirect(reverse("portal:two_factor_verify") + _next_query(request))


def _required(user) -> bool:
    return must_verify(user)


def _enrolment(view):
    """A page of enrolment, for a signed-in user who may add a device now (_may_enrol); anyone else
    is sent on (_not_yours)."""

    @login_required
    @wraps(view)
    def page(request, *args, **kwargs):
        if not _may_enrol(request):
            return _not_yours(request)
        return view(request, *args, **kwargs)

    return page


@_enrolment
@require_safe
def setup(request):
    """A first device, for one who has none: what a second factor is, and the two kinds."""
    return render(
        request,
        "account/two_factor/setup.html",
        {
            "required": _required(request.user),
            "next": safe_next(request),
            "passkey_refusal": two_factor.passkey_refusal(request),
        },
    )


def _next_query(request) -> str:
    target = safe_next(request)
    return f"?next={target}" if target else ""


@_enrolment
@require_http_methods(["GET", "HEAD", "POST"])
def app(request):
    """Add an authenticator app: its QR code and secret, then one code it shows to confirm it."""
    device = two_factor.app_start(user=request.user)
    errors = {}
    if request.method == "POST":
        try:
            device = two_factor.app_confirm(
                user=request.user, device_pk=device.pk, code=request.POST.get("code", "")
            )
        except ValidationError as exc:
            errors, _ = field_errors(exc)
        else:
            otp_login(request, device)
            account_failures_clear(request.user.get_username())
            return _added(request, two_factor.device_find(request.user, two_factor.APP, device.pk))
    return render(
        request,
        "account/two_factor/app.html",
        {
            "qr": two_factor.app_qr_svg(device),
            "secret": two_factor.app_secret_words(device),
            "errors": errors,
            "next": safe_next(request),
        },
        status=400 if errors else 200,
    )


@_enrolment
@require_safe
def passkey(request):
    """Add a passkey: the browser's own dialogue, started by django-otp-webauthn's script."""
    return render(
        request,
        "account/two_factor/passkey.html",
        {
            "next": safe_next(request),
            "webauthn": get_configuration(request),
            "passkey_refusal": two_factor.passkey_refusal(request),
        },
    )


@login_required
@require_POST
def passkey_done(request):
    """After a passkey was added (the script posts here): recovery codes if the user had none."""
    if not request.user.is_verified():
        return _not_yours(request)
    return _added(request, two_factor.device_find(request.user, two_factor.PASSKEY), two_factor.PASSKEY)


def _added(request, device, kind: str = two_factor.APP):
    """The page that says a device was added, with new recovery codes if the user had none left."""
    codes = two_factor.recovery_codes_ensure(user=request.user)
    return render(
        request,
        "account/two_factor/added.html",
        {
            "device": device,
            "kind": two_factor.KIND_LABELS[device.kind if device else kind],
            "codes": codes,
            "next": safe_next(request, reverse("portal:two_factor")),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    """The second step of signing in: a code from the app or a recovery code, or a passkey."""
    user = request.user
    going = safe_next(request, reverse(HOME))
    if user.is_verified() or not must_verify(user):
        return redirect(going)
    if not two_factor.has_second_factor(user):
        return redirect(reverse("portal:two_factor_setup") + _next_query(request))
    errors = {}
    if request.method == "POST":
        refusal = login_refusal(request, user.get_username())
        if refusal is not None:
            return too_many(request, refusal)
        device = two_factor.code_check(user=user, code=request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            account_failures_clear(user.get_username())
            return redirect(going)
        second_step_failed(request, user.get_username())
        wait = two_factor.codes_wait(user)
        errors = {
            "code": [
                "That code was not accepted. Type the six digits your authenticator app shows now, "
                "or one of your recovery codes you have not used before."
                + (f" After a wrong code, wait {wait_words(wait)} before the next." if wait else "")
            ]
        }
    kinds = {d.kind for d in two_factor.devices_of(user)}
    return render(
        request,
        "account/two_factor/verify.html",
        {
            "errors": errors,
            "next": going,
            "has_app": two_factor.APP in kinds,
            "has_passkey": two_factor.PASSKEY in kinds,
            "passkey_refusal": two_factor.passkey_refusal(request),
            "webauthn": get_configuration(request),
        },
        status=400 if errors else 200,
    )


@login_required
@require_safe
def devices(request):
    """The user's second factors, and what they can do with them."""
    rows = two_factor.devices_of(request.user)
    return render(
        request,
        "account/two_factor/devices.html",
        {
            "devices": rows,
            "codes_left": two_factor.recovery_codes_left(request.user),
            "required": _required(request.user),
            "passkey_refusal": two_factor.passkey_refusal(request),
        },
    )


@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes, replacing the old ones; shown on this answer only."""
    if not request.user.is_verified():
        return _not_yours(request)
    codes = two_factor.recovery_codes_make(user=request.user)
    return render(request, "account/two_factor/recovery_codes.html", {"codes": codes})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def remove(request, kind: str, pk: int):
    """Remove one of one's devices, after a confirmation; refused in words for the last one of a
    user whose role needs a second factor."""
    row = two_factor.device_find(request.user, kind, pk)
    if row is None:
        return render(
            request,
            "account/two_factor/remove.html",
            {"gone": True},
            status=404,
        )
    refusal = ""
    if request.method == "POST":
        try:
            two_factor.device_remove(user=request.user, kind=kind, pk=pk, required=_required(request.user))
        except (PermissionDenied, ValidationError) as exc:
            refusal = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        else:
            return redirect(reverse("portal:two_factor") + "?removed=1")
    return render(
        request,
        "account/two_factor/remove.html",
        {"device": row, "refusal": refusal},
        status=409 if refusal else 200,
    )


class PasskeyThrottled(webauthn_errors.OTPWebAuthnApiError):
    status_code = 429
    default_code = "throttled"


class PasskeyCheckView(CompleteCredentialAuthenticationView):
    """django-otp-webauthn's end of a passkey sign-in, counted like a wrong code when it fails and
    refused while the account or address is throttled."""

    def post(self, *args, **kwargs):
        user = self.request.user
        username = user.get_username() if user.is_authenticated else ""
        refusal = login_refusal(self.request, username)
        if refusal is not None:
            raise PasskeyThrottled(detail=refusal.message)
        try:
            response = super().post(*args, **kwargs)
        except webauthn_errors.OTPWebAuthnApiError:
            second_step_failed(self.request, username)
            raise
        if username:
            account_failures_clear(username)
        return response
