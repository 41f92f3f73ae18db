"""Single sign-on through the studio's OpenID Connect provider (mozilla-django-oidc), and the
pages that say, in words, why a sign-in was refused.

The library checks an ID token's signature and nonce; the backend here also checks who it was
made out for (`aud`, `azp`), who made it (`iss`), and when (`exp`, `iat`), and that the user
information the provider serves names the same person (`sub`). A refusal is a SignInRefused with
a sentence for the person signing in, and a 4xx page: never a 500.

Signing out of a session that began at the provider signs out there too (OpenID Connect
RP-Initiated Logout 1.0), where the provider has an end-session endpoint: the browser is sent to it
with the session's ID token as the hint, and comes back to the signed-out page.
"""

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from rightsledger import services

log = logging.getLogger(__name__)


class SignInRefused(Exception):
    """The provider's answer was not accepted; `message` says why to the person signing in."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message = message
        self.status = status


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME


def _refusals() -> dict:
    """The sentence for each way an ID token can fail its checks."""
    p = provider_name()
    again = "Start again from the login page."
    return {
        jwt.ExpiredSignatureError: (
            f"The answer from {p} had already expired when it reached Rightsledger, so it was "
            f"refused. {again} If it happens again, ask your studio's IT to check the server's clock."
        ),
        jwt.InvalidAudienceError: (
            f"The answer from {p} was made out for another application, not for Rightsledger, so "
            f"it was refused. Ask your studio's IT to check Rightsledger's registration at {p}."
        ),
        jwt.InvalidIssuerError: (
            f"The answer came from a sign-in service other than {p}, so it was refused. {again}"
        ),
        jwt.ImmatureSignatureError: (
            f"The answer from {p} is dated in the future, so it was refused. Ask your studio's IT to "
            "check the clocks of Rightsledger's server and the sign-in service."
        ),
        jwt.MissingRequiredClaimError: (
            f"The answer from {p} leaves out who you are or when it was made, so it was refused. "
            f"Ask your studio's IT to check Rightsledger's registration at {p}."
        ),
    }


def _unchecked() -> str:
    return (
        f"The answer from {provider_name()} could not be checked against its signing keys, so it was "
        "refused. Start again from the login page; if it happens again, tell your studio's IT."
    )


class StudioOIDCBackend(OIDCAuthenticationBackend):
    """Sign a person in by the provider's ID token; find or make their account by its `sub`."""

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SignInRefused(
                f"The answer from {provider_name()} was signed in a way Rightsledger does not accept, "
                "so it was refused. Ask your studio's IT to check the signing algorithm (RS256)."
            )
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                leeway=settings.OIDC_CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            log.warning("ID token refused: %s", exc)
            for kind, message in _refusals().items():
                if isinstance(exc, kind):
                    raise SignInRefused(message) from exc
            raise SignInRefused(_unchecked()) from exc
        # OpenID Connect Core 3.1.3.7: a token for several clients names the one it was given to.
        audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audience) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SignInRefused(_refusals()[jwt.InvalidAudienceError])
        return claims

    def verify_token(self, token, **kwargs):
        try:
            return super().verify_token(token, **kwargs)
        except SuspiciousOperation as exc:
            log.warning("ID token refused: %s", exc)
            if "nonce" in str(exc).lower():
                raise SignInRefused(
                    f"The answer from {provider_name()} does not match the sign-in started in this "
                    "browser, so it was refused. Start again from the login page."
                ) from exc
            raise SignInRefused(_unchecked()) from exc
        except (jwt.InvalidTokenError, jwt.PyJWKError) as exc:
            # No token, one that is not a JWT, or a key that cannot be read.
            log.warning("ID token refused: %s", exc)
            raise SignInRefused(_unchecked()) from exc

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 5.3.2: user information about anyone but the token's subject is
        # not to be used.
        if claims.get("sub") != payload["sub"]:
            raise SignInRefused(
                f"{provider_name()} described someone other than the person who signed in, so the "
                "sign-in was refused. Ask your studio's IT to look at the sign-in service."
            )
        return services.sso_sign_in(
            issuer=payload["iss"],
            subject=payload["sub"],
            claims={**payload, **claims},
            match_verified_email=settings.OIDC_MATCH_VERIFIED_EMAIL,
        )


def _require_sso():
    if not settings.SSO_ENABLED:
        raise Http404("Single sign-on is not set up here.")


def refused(request, message: str, status: int):
    return render(
        request,
        "registration/sso_refused.html",
        {"message": message, "provider": provider_name()},
        status=status,
    )


class SsoStartView(OIDCAuthenticationRequestView):
    """Send the browser to the provider's sign-in page, with a fresh state, nonce and PKCE."""

    def dispatch(self, request, *args, **kwargs):
        _require_sso()
        return super().dispatch(request, *args, **kwargs)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Take the provider's answer: check it, sign the person in, and send them to their start
    page; or say why not."""

    def dispatch(self, request, *args, **kwargs):
        _require_sso()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        p = provider_name()
        try:
            return super().get(request)
        except SignInRefused as exc:
            return refused(request, exc.message, exc.status)
        except SuspiciousOperation:
            # The state in the answer is not one this browser's session started.
            return refused(
                request,
                f"The answer from {p} does not belong to a sign-in started in this browser, so it was "
                "refused. This happens when the sign-in was started in another browser or tab that "
                "has since finished, or when the link did not come from Rightsledger. Start again from "
                "the login page.",
                400,
            )
        except requests.RequestException as exc:
            log.warning("The identity provider could not be reached or refused the code: %s", exc)
            return refused(
                request,
                f"Rightsledger could not complete the sign-in with {p}: the sign-in service did not "
                "answer, or refused the sign-in. Try again in a minute; if it goes on, tell your "
                "studio's IT.",
                502,
            )

    def login_failure(self):
        p = provider_name()
        error = self.request.GET.get("error")
        if error:
            described = self.request.GET.get("error_description", "").strip()
            said = f' It said: "{described[:300]}".' if described else ""
            message = f"{p} did not sign you in.{said} Start again from the login page."
        elif "oidc_states" not in self.request.session:
            message = (
                f"This browser has no sign-in with {p} in progress (it may have expired, or cookies "
                "may be blocked), so the answer was refused. Start again from the login page."
            )
            return refused(self.request, message, 400)
        elif getattr(self, "user", None) is not None:
            message = (
                f"Your account in Rightsledger is switched off, so {p} cannot sign you in. Ask your "
                "studio's admin."
            )
        else:
            message = f"The sign-in with {p} did not complete. Start again from the login page."
            return refused(self.request, message, 400)
        return refused(self.request, message, 403)


SSO_BACKEND = "portal.sso.StudioOIDCBackend"


def provider_logout_url(request) -> str:
    """Return where signing out sends the browser (OIDC_OP_LOGOUT_URL_METHOD): the provider's
    end-session endpoint for a session that began there, with its ID token as the hint and the
    signed-out page to come back to; the login page for any other session, as before."""
    endpoint = settings.OIDC_OP_LOGOUT_ENDPOINT
    id_token = request.session.get("oidc_id_token")
    if not (endpoint and id_token and request.session.get(BACKEND_SESSION_KEY) == SSO_BACKEND):
        return resolve_url(settings.LOGOUT_REDIRECT_URL)
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("signed_out")),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


@method_decorator(never_cache, name="dispatch")
class SignOutView(OIDCLogoutView):
    """End this session (a POST, with its CSRF token); at the provider too where it began there."""


@require_safe
def signed_out(request):
    """Where the provider sends the browser back once it has signed the person out there too."""
    return render(request, "registration/signed_out.html", {"provider": provider_name()})
