"""How the API knows a machine by its token: the authentication of API tokens (rl_…), beside
DRF's older one token per user, and the permission that holds a token to its scope.

`Authorization: Bearer rl_…` and `Authorization: Token rl_…` both work (clients send "Token"
today); an older 40-character token still works, as `Token …`, until it is rotated."""

import hmac

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from .. import apitokens, selectors, services, words
from ..models import ApiToken

KEYWORDS = (b"bearer", b"token")
MADE_IN = "make a new one in the portal, under API tokens"


class ApiTokenAuthentication(BaseAuthentication):
    """An API token: found by its public id, checked against its hash, refused with why when it
    is revoked or expired. Its last use is recorded at most once a minute."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise AuthenticationFailed(
                f"Give one token after “{header[0].decode(errors='replace')}”, with no spaces in it."
            )
        try:
            text = header[1].decode()
        except UnicodeError:
            raise AuthenticationFailed(
                "This token holds characters no token has: check it was copied whole."
            ) from None
        if not apitokens.looks_like_ours(text):
            if header[0].lower() == b"token":
                # An older, unscoped token: DRF's own class checks it, as it did before.
                return TokenAuthentication().authenticate_credentials(text)
            # Another kind of bearer token (an identity provider's, say): another class's to check.
            return None
        return self.authenticate_token(text)

    def authenticate_token(self, text: str):
        public_id = apitokens.public_id_of(text)
        token = (
            ApiToken.objects.select_related("user").filter(public_id=public_id).first() if public_id else None
        )
        if token is None or not hmac.compare_digest(token.token_sha256, apitokens.token_hash(text)):
            raise AuthenticationFailed(
                f"This API token is not known: check it was copied whole, or {MADE_IN}."
            )
        if token.revoked_at is not None:
            raise AuthenticationFailed(
                f"This token was revoked on {words.moment(token.revoked_at)}; {MADE_IN}."
            )
        if selectors.token_state(token) == "expired":
            raise AuthenticationFailed(f"This token expired on {words.moment(token.expires_at)}; {MADE_IN}.")
        if not token.user.is_active:
            raise AuthenticationFailed("This token's user can no longer sign in, so neither can the token.")
        services.api_token_used(token=token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenScope(BasePermission):
    """Hold a request made with an API token to the token's scope; any other request passes.

    A view says what it is with two attributes: `training_clearance = True` (it answers whether
    files may be used for training, or resolves a copy to its Content Credentials), and
    `writes_nothing = True` (its POST only carries a question). Every API view has this
    permission: the default classes hold it, and the views open to anyone name it
    (tests/rightsledger/test_api_tokens_scope.py walks the URLs to check)."""

    message = apitokens.REFUSED_TRAINING_ONLY

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        refusal = apitokens.scope_refusal(
            token.scope,
            method=request.method,
            training_clearance=getattr(view, "training_clearance", False),
            writes_nothing=getattr(view, "writes_nothing", False),
        )
        if refusal:
            self.message = refusal
        return refusal is None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's word for API tokens: a bearer token (the older tokens go under "Token")."""

    target_class = "rightsledger.api.tokens.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token (rl_…), sent as `Authorization: Bearer rl_…` (or `Token rl_…`). "
                "An older 40-character token is sent as `Authorization: Token …` until it is rotated."
            ),
        }
