"""Signing in to the portal: the login page, throttled like the API's token endpoint
(rightsledger.api.throttling: failed sign-ins are counted per account and per address, successful
ones are not), and the second step for those who must pass a second factor.

Who must: a local account whose roles need one (OTP_REQUIRED_ROLES, rightsledger.access). Who
need not: those who sign in through the studio's provider, which asks for its own second factor
(signs_in_elsewhere). Until a session has passed the second step, SecondFactorMiddleware lets it
reach only the second step, the enrolment of a first device, and logging out."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from rightsledger import access
from rightsledger.api.throttling import login_refusal

from . import two_factor
from .sso import SSO_BACKEND


class LoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        refusal = login_refusal(request, request.POST.get("username"))
        if refusal is not None:
            return too_many(request, refusal)
        return super().post(request, *args, **kwargs)


def admin_login(request, extra_context=None):
    """Django admin's login page, refused like the portal's while the account or the address is
    throttled: before the password is checked, so that a guess past the limit learns nothing. Its
    failures are counted by the same signal (user_login_failed) as the portal's."""
    if request.method == "POST":
        refusal = login_refusal(request, request.POST.get("username"))
        if refusal is not None:
            return too_many(request, refusal)
    return admin.site.login(request, extra_context)


def too_many(request, refusal):
    """The 429 page that says when to try again."""
    response = render(request, "registration/too_many.html", {"refusal": refusal}, status=429)
    response["Retry-After"] = str(refusal.wait)
    return response


def signs_in_elsewhere(user) -> bool:
    """Return whether the user signs in through the studio's OpenID Connect provider, which asks
    for its own second factor: this session came through it (the middleware notes the session's
    backend on the user), or the account has a provider's identity and no password of ours."""
    if getattr(user, "signed_in_through", "") == SSO_BACKEND:
        return True
    if user.has_usable_password():
        return False
    return user.sso_identities.exists()


def must_verify(user) -> bool:
    """Return whether the user must pass a second factor to use this session: a local account whose
    roles need one. (Roles are read once per request, and a local account's password is on the
    user row: a user who need not costs no query here.)"""
    return access.second_factor_required(user) and not signs_in_elsewhere(user)


def safe_next(request, default: str = "") -> str:
    """The page the person was going to (?next= or the form's next), if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# Paths a session that has not passed its second step may still reach.
OPEN_NAMES = (
    "portal:two_factor_verify",
    "portal:two_factor_setup",
    "portal:two_factor_app",
    "portal:two_factor_passkey",
    "portal:two_factor_passkey_done",
    "logout",
)


class SecondFactorMiddleware:
    """Send a signed-in user who must pass a second factor, and has not in this session, to the
    second step (or to enrol a first device) before anything else; the API answers 403 in words."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open = None

    def open_paths(self) -> tuple[set[str], str]:
        if self._open is None:
            self._open = (
                {reverse(name) for name in OPEN_NAMES},
                reverse("otp_webauthn:credential-registration-begin").rsplit("registration/", 1)[0],
            )
        return self._open

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user.signed_in_through = request.session.get(BACKEND_SESSION_KEY, "")
            if not user.is_verified() and must_verify(user):
                refusal = self.refuse(request, user)
                if refusal is not None:
                    return refusal
        return self.get_response(request)

    def refuse(self, request, user):
        paths, webauthn_prefix = self.open_paths()
        path = request.path_info
        if path in paths or path.startswith(webauthn_prefix) or path.startswith("/static/"):
            return None
        enrolled = two_factor.has_second_factor(user)
        if path.startswith("/api/"):
            message = (
                "This session has not passed its second sign-in step. Finish signing in to the "
                "portal with your authenticator app, passkey or a recovery code."
                if enrolled
                else "Your role needs a second factor to sign in. Sign in to the portal and set up "
                "an authenticator app or a passkey first."
            )
            return JsonResponse(
                {"errors": [{"code": "second_factor_required", "field": None, "message": message}]},
                status=403,
            )
        target = "portal:two_factor_verify" if enrolled else "portal:two_factor_setup"
        going = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        query = f"?{urlencode({'next': going})}" if going and going != "/" else ""
        return redirect(reverse(target) + query)
