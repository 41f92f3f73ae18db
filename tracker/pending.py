"""An edit checked in a dry run, kept for a short while under a random key, so that clearance
imports it from the dry run's page without choosing the file again. Kept in the cache (shared by
every process where CACHE_URL names Redis), for one user and one production, until imported."""

import secrets
from dataclasses import dataclass

from django.core.cache import cache

KEEP_SECONDS = 30 * 60


@dataclass(frozen=True)
class KeptEdit:
    data: bytes
    name: str


def _key(token: str) -> str:
    return f"tracker:edit:{token}"


def edit_keep(*, data: bytes, name: str, production_id: int, user_id: int) -> str:
    """Keep a checked edit for KEEP_SECONDS; return the key it is kept under."""
    token = secrets.token_urlsafe(24)
    cache.set(_key(token), (production_id, user_id, data, name), KEEP_SECONDS)
    return token


def edit_kept(*, token: str, production_id: int, user_id: int) -> KeptEdit | None:
    """Return the edit kept under token for this user and production; None when there is none
    (expired, imported already, or kept for another)."""
    found = cache.get(_key(token)) if token else None
    if found is None or tuple(found[:2]) != (production_id, user_id):
        return None
    return KeptEdit(data=found[2], name=found[3])


def edit_forget(token: str) -> None:
    """Forget a kept edit once it is imported: the dry run's button does not import it twice."""
    cache.delete(_key(token))
