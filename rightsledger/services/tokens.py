"""API tokens for machines: made (the token shown once, only its hash kept), revoked, and their
last use recorded. Not ledger entries: a token is a credential, as a password or a calendar feed
is, and what it may do is its user's roles, which are on the ledger."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .. import apitokens, vocab, words
from .. import validation as v
from ..errors import Conflict, Errors
from ..models import ApiToken

MAX_NAME_CHARS = 100
# The last use is written at most this often per token, so a busy pipeline does not write on
# every call.
LAST_USE_EVERY = datetime.timedelta(minutes=1)


def _expiry(errors: Errors, value, *, now: datetime.datetime, latest: datetime.datetime | None):
    """Return the moment a token expires, from a date (it lasts to the end of that day, UTC) or a
    time; add an error if there is none, it has passed, or it is later than a token may last."""
    most = settings.API_TOKEN_MAX_DAYS
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                (
                    datetime.date.fromisoformat(text)
                    if len(text) == 10
                    else datetime.datetime.fromisoformat(text)
                )
                if text
                else None
            )
        except ValueError:
            errors.add("expires_at", "invalid", "Give the expiry as a date, such as 2027-03-31.")
            return None
    if value is None or value == "":
        errors.add(
            "expires_at",
            "required",
            f"Give the date the token expires, at most {most} days from today.",
        )
        return None
    if isinstance(value, datetime.datetime):
        expires = value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)
    else:
        expires = datetime.datetime.combine(value, datetime.time(23, 59, 59), tzinfo=datetime.UTC)
    limit = datetime.datetime.combine(
        (now + datetime.timedelta(days=most)).astimezone(datetime.UTC).date(),
        datetime.time(23, 59, 59),
        tzinfo=datetime.UTC,
    )
    if expires <= now:
        errors.add("expires_at", "expiry_passed", "That date has passed: give a date from today on.")
    elif expires > limit:
        errors.add(
            "expires_at",
            "expiry_too_far",
            f"A token lasts at most {most} days: give a date no later than {words.day(limit)}.",
        )
    elif latest is not None and expires > latest:
        errors.add(
            "expires_at",
            "expiry_after_creator",
            f"A token made with a token may not outlast it: give a date no later than {words.day(latest)}.",
        )
    return expires


def api_token_create(
    *,
    actor,
    user,
    name: str,
    scope: str,
    expires_at,
    revoke_legacy: bool = False,
    outlasting: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Make an API token for the user; return it and its text, which is shown once and kept
    nowhere. expires_at is a date (the token lasts to the end of it, UTC) or a time.
    revoke_legacy: also revoke the user's older, unscoped token (rotating to the new kind).
    outlasting: the expiry of the token the request came with, which the new one may not pass."""
    now = timezone.now()
    errors = Errors()
    name = v.text(errors, "name", name, limit=MAX_NAME_CHARS)
    if not name:
        errors.add("name", "required", "Give the token a name: the pipeline or machine that will use it.")
    if scope not in vocab.TOKEN_SCOPES:
        errors.add(
            "scope",
            "invalid_choice",
            "Choose what the token may do: " + words.prose(vocab.TOKEN_SCOPE_LABELS.values()).lower() + ".",
        )
    expires = _expiry(errors, expires_at, now=now, latest=outlasting)
    if revoke_legacy and scope != vocab.TOKEN_SCOPE_FULL:
        errors.add(
            "revoke_legacy",
            "legacy_needs_full_token",
            "Only a token that may do everything your roles allow replaces your older token: "
            "choose that, or keep the older token for now.",
        )
    if (
        name
        and ApiToken.objects.filter(
            user=user, name=name, revoked_at__isnull=True, expires_at__gt=now
        ).exists()
    ):
        errors.add(
            "name",
            "token_name_taken",
            f"A token named “{name}” is already in use: give this one another name.",
        )
    errors.raise_if_any()
    made = apitokens.token_new()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            scope=scope,
            public_id=made.public_id,
            token_sha256=made.sha256,
            created_at=now,
            created_by=actor,
            expires_at=expires,
        )
        if revoke_legacy:
            legacy_token_revoke(user=user)
    return token, made.text


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token from now on; return it. A token already revoked is refused (409)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict(
                f"The token “{token.name}” was already revoked on {words.moment(token.revoked_at)}.",
                code="token_revoked",
            )
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_used(*, token: ApiToken, now: datetime.datetime | None = None) -> bool:
    """Record that the token was used now, unless that was recorded less than a minute ago;
    return whether it wrote. The update is conditional, so two processes at once write once."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_EVERY:
        return False
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .exclude(last_used_at__gt=now - LAST_USE_EVERY)
        .update(last_used_at=now)
    )
    if written:
        token.last_used_at = now
    return bool(written)


def legacy_token_revoke(*, user) -> bool:
    """Revoke the user's older, unscoped API token (DRF's one token per user); return whether
    there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
