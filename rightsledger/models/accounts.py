"""Who signs in how: a user's account at the studio's OpenID Connect provider."""

from django.conf import settings
from django.db import models


class SsoIdentity(models.Model):
    """A user's account at the studio's identity provider: the provider (its issuer) and the
    subject it names the person by (`sub`, stable for life at that provider). Single sign-on
    finds the user by this pair, never by a name, and by an e-mail address only where the
    provider says it verified it and the studio allows it (OIDC_MATCH_VERIFIED_EMAIL).

    Not a ledger fact: it grants nothing. What a user may do is their roles, which are."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")]
