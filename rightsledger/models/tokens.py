"""API tokens for machines: named, scoped, with an expiry; kept as the SHA-256 of the token."""

from django.conf import settings
from django.db import models

from .. import vocab


class ApiToken(models.Model):
    """A token a machine (a dataset builder's pipeline, a render farm's script) uses for the API
    as its user, within a scope. Only the token's SHA-256 is kept; the public id names it without
    its secret. Revoked, never deleted. Not a fact of the ledger: like a password or a calendar
    feed it is a credential, and what it may do is its user's roles, which are on the ledger."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=20, choices=vocab.choices(vocab.TOKEN_SCOPES))
    public_id = models.CharField(max_length=8, unique=True)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    # Written at most once a minute per token (rightsledger.services.tokens.api_token_used).
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_made"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (rl_{self.public_id}_…)"
