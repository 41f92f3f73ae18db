"""Signing in: the portal's pages, single sign-on through the studio's OpenID Connect provider,
two-factor sign-in for local accounts, the throttling of failed sign-ins, API tokens' lifetime, and
the address people reach the portal at."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import CONTENT_SECURITY_POLICY, DEMO, env_bool, env_int, env_list

# The cache counts login attempts (and API throttles): shared by every process when CACHE_URL
# names a Redis database, per process otherwise (the demo).
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Failed sign-ins (portal form and API token; successful ones are not counted) allowed per client
# address and per account, as "count/period" ("50/15min"); past either, 429 until the window slides
# on. The address's ceiling is well above one person's, so an office behind one NAT address signs
# in, and a spray of passwords across accounts is still stopped. NUM_PROXIES: the proxies in front.
LOGIN_RATE = os.environ.get("LOGIN_RATE", "50/15min")
LOGIN_ACCOUNT_RATE = os.environ.get("LOGIN_ACCOUNT_RATE", "10/15min")
NUM_PROXIES = env_int("NUM_PROXIES", 0)
# The longest an API token for a machine may last; a longer-lived pipeline gets a new token.
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)

# The portal: where people land after logging in, and the address e-mails link to.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"
# Single sign-on through the studio's OpenID Connect provider (mozilla-django-oidc): on when
# OIDC_RP_CLIENT_ID is set, off otherwise (no button, no backend; the demo signs in with local
# accounts). The library reads no discovery document: the provider's endpoints are given, as its
# /.well-known/openid-configuration lists them. Signing in grants no role (README, "Single sign-on").
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
SSO_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
# The provider's end_session_endpoint, where it has one: signing out of a session that began at the
# provider signs out there too, and the provider sends the browser back to /accounts/signed-out/
# (register that address with the provider as a post-logout redirect URI). Empty: signing out ends
# only Rightsledger's session. The session keeps the ID token, to name the sign-in to end.
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_STORE_ID_TOKEN = True
OIDC_OP_LOGOUT_URL_METHOD = "portal.sso.provider_logout_url"
if OIDC_OP_LOGOUT_ENDPOINT:
    # The log-out form's answer sends the browser on to the provider: a form may go there.
    _provider = urlsplit(OIDC_OP_LOGOUT_ENDPOINT)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_provider.scheme}://{_provider.netloc}")
# The provider as the login page's button names it: "Sign in with Okta".
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your studio's account")
# Link a first sign-in to an existing local account with the same e-mail address, only when the
# provider says it verified that address. Off: a first sign-in always makes a new account.
OIDC_MATCH_VERIFIED_EMAIL = env_bool("OIDC_MATCH_VERIFIED_EMAIL", False)
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT_SECONDS") or 10)
# Seconds of clock difference with the provider allowed when reading an ID token's times.
OIDC_CLOCK_LEEWAY_SECONDS = env_int("OIDC_CLOCK_LEEWAY_SECONDS", 30)
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
if SSO_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_ISSUER",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"OIDC_RP_CLIENT_ID is set, so single sign-on is on, but {', '.join(_missing)} "
            "is not: copy each from the provider's /.well-known/openid-configuration."
        )
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if SSO_ENABLED:
    AUTHENTICATION_BACKENDS.append("portal.sso.StudioOIDCBackend")
# Where people reach the portal: links in e-mails and those posted to the tracker point here.
# RIGHTSLEDGER_URL is the name this setting had for the tracker's links; it is still read.
PORTAL_URL = os.environ.get("PORTAL_URL") or os.environ.get("RIGHTSLEDGER_URL") or "http://127.0.0.1:8000"
# Two-factor sign-in: the roles whose holders must have a second factor (an authenticator app or a
# passkey) on a local account, comma-separated. On by default; the demo turns it off (README,
# "Two-factor sign-in"), and OTP_REQUIRED_ROLES= (empty) turns it off anywhere. Those who sign in
# through the studio's provider rely on its second factor (portal.auth.signs_in_elsewhere).
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "" if DEMO else "studio_admin,clearance,guild_rep")
# What the authenticator app shows beside the account, and the passkey's relying party.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Rightsledger")
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
# The passkey's relying party is the host the portal is reached at (PORTAL_URL's, unless given);
# the browser's origin must be PORTAL_URL's (or one of OTP_WEBAUTHN_ALLOWED_ORIGINS).
OTP_WEBAUTHN_RP_ID_CALLABLE = "portal.two_factor.relying_party_id"
# (The address a page was reached at, which ALLOWED_HOSTS checks, is allowed too: see
# portal.two_factor.PortalWebAuthnHelper. A passkey needs a host name, not an IP address: the demo
# makes them at http://localhost:8000.)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("OTP_WEBAUTHN_ALLOWED_ORIGINS") or [
    PORTAL_URL.rstrip("/")
    if PORTAL_URL.startswith(("https://", "http://localhost"))
    else "http://localhost:8000"
]
OTP_WEBAUTHN_HELPER_CLASS = "portal.two_factor.PortalWebAuthnHelper"
# A passkey is the second step after the password, never a sign-in by itself.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
