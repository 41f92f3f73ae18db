"""A user's iCalendar feed of terms ending: the token in its URL is made here, shown once, and
kept only as its SHA-256; renewing revokes the old one, and a revoked token answers 404."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from ..models import CalendarFeed


def calendar_token_hash(token: str) -> str:
    """Return the SHA-256 (hex) that a feed's token is kept and looked up as."""
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_revoke(*, user) -> int:
    """Revoke the user's calendar feed (every token still in force); return how many."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def calendar_feed_renew(*, user) -> str:
    """Revoke the user's feed, if any, and make a new one; return its token (shown once)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        calendar_feed_revoke(user=user)
        CalendarFeed.objects.create(user=user, token_sha256=calendar_token_hash(token))
    return token
