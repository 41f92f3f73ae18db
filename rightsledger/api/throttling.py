"""Sign-in throttling that an office behind one address survives, for the portal's login form
(portal.auth) and the API's token endpoint alike, counted in the shared cache.

Only failed sign-ins are counted (django-axes' design, kept here in a few functions on the cache
rather than axes' tables and authentication backend): per account, LOGIN_ACCOUNT_RATE (10 in 15
minutes), so one account's password cannot be guessed; and per client address, LOGIN_RATE (50 in
15 minutes), well above one person's, so a spray of one password across many accounts stops too.
Fifty people signing in from one NAT address at 9 a.m. are not counted at all. A successful sign-in
through the portal clears its account's count; the address's count stays (an attacker who holds one
account must not wipe the count of the spray). Past a limit: 429 with Retry-After, and a sentence
saying when to try again."""

import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import APIException, Throttled
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from rightsledger.access import second_factor_required

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (count, seconds) of a rate such as "10/min" or "50/15min"."""
    match = RATE.match(rate)
    if match is None:
        raise ValueError(f"{rate!r} is not a rate such as 10/min or 50/15min")
    count, times, unit = match.groups()
    return int(count), int(times or 1) * PERIODS[unit]


def client_address(request) -> str:
    """The caller's address: the last hop's, or (behind NUM_PROXIES trusted proxies) the one they saw."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = settings.NUM_PROXIES
    if hops and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(hops, len(addresses))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _account(username) -> str:
    # Hashed: a user name is free text, a cache key is not (and names stay out of Redis).
    name = str(username or "").strip().casefold()
    return hashlib.sha256(name.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in is refused for now, and for how many seconds."""

    reason: str  # "account" or "address"
    wait: int

    @property
    def wait_words(self) -> str:
        return wait_words(self.wait)

    @property
    def message(self) -> str:
        who = "this account" if self.reason == "account" else "this network address"
        return (
            f"Too many failed sign-ins for {who}. Try again in {wait_words(self.wait)}. "
            "If you have forgotten your password, ask your studio's admin to reset it."
        )


def wait_words(seconds: int) -> str:
    """Return a wait in words: "45 seconds", "1 minute", "12 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _counts(key: str, period: int, now: float) -> tuple[float, str]:
    """Return the failures a sliding window holds now, and this window's key.

    The window's own failures, plus the previous window's in proportion to how much of it the last
    `period` seconds still cover, so that a burst across the turn of a window is counted whole."""
    window = int(now // period)
    current = cache.get(f"{key}:{window}") or 0
    previous = cache.get(f"{key}:{window - 1}") or 0
    covered = 1 - (now % period) / period
    return previous * covered + current, f"{key}:{window}"


def _over(key: str, rate: str, now: float) -> int | None:
    """Return the seconds until one more failure would be within the rate, or None if it is now."""
    limit, period = parse_rate(rate)
    window = int(now // period)
    current = cache.get(f"{key}:{window}") or 0
    previous = cache.get(f"{key}:{window - 1}") or 0
    into = now % period
    if previous * (1 - into / period) + current + 1 <= limit:
        return None
    if current + 1 <= limit:
        # The previous window's share slides out: free once it has shrunk to what is left.
        free_at = period * (1 - (limit - current - 1) / previous)
    else:
        # Not within this window: the next one starts with this one's count as its previous share.
        free_at = period + (period * (1 - (limit - 1) / current) if limit - 1 < current else 0)
    return max(1, math.ceil(free_at - into))


def login_refusal(request, username) -> Refusal | None:
    """Return why a sign-in from this request for this account is refused now, else None.

    Counts nothing: only failures count (login_failed)."""
    now = time.time()
    wait = _over(f"login-failures:account:{_account(username)}", settings.LOGIN_ACCOUNT_RATE, now)
    if wait is not None:
        return Refusal("account", wait)
    wait = _over(f"login-failures:address:{client_address(request)}", settings.LOGIN_RATE, now)
    return Refusal("address", wait) if wait is not None else None


def _count(key: str, rate: str, now: float) -> None:
    _, period = parse_rate(rate)
    _, window_key = _counts(key, period, now)
    cache.add(window_key, 0, 2 * period + 1)
    try:
        cache.incr(window_key)
    except ValueError:  # expired between add and incr
        cache.set(window_key, 1, 2 * period + 1)


def login_failed(sender=None, credentials=None, request=None, **kwargs) -> None:
    """Count a failed sign-in against its account and its address (Django's user_login_failed).

    Without a request (a management command, the test client's login()) there is no address:
    nothing is counted."""
    if request is None:
        return
    now = time.time()
    username = (credentials or {}).get("username")
    _count(f"login-failures:account:{_account(username)}", settings.LOGIN_ACCOUNT_RATE, now)
    _count(f"login-failures:address:{client_address(request)}", settings.LOGIN_RATE, now)


def second_step_failed(request, username) -> None:
    """Count a wrong code or a failed passkey at the second sign-in step, like a wrong password."""
    now = time.time()
    _count(f"login-failures:account:{_account(username)}", settings.LOGIN_ACCOUNT_RATE, now)
    _count(f"login-failures:address:{client_address(request)}", settings.LOGIN_RATE, now)


def account_failures_clear(username) -> None:
    """Forget an account's failures once its owner has signed in all the way."""
    _, period = parse_rate(settings.LOGIN_ACCOUNT_RATE)
    window = int(time.time() // period)
    key = f"login-failures:account:{_account(username)}"
    cache.delete_many([f"{key}:{window}", f"{key}:{window - 1}"])


def login_succeeded(sender=None, request=None, user=None, **kwargs) -> None:
    """Clear the account's failures once its owner has signed in (Django's user_logged_in).

    Not yet for an account with a second step to pass: its wrong codes are counted against the
    account too, and the password alone must not wipe them (portal.views.two_factor clears them
    when the second step passes)."""
    if user is None:
        return
    if second_factor_required(user):
        return
    account_failures_clear(user.get_username())


class SignInThrottled(Throttled):
    """429 with the refusal's own sentence (DRF's Throttled would add its "Expected available in
    N seconds", in figures, to it)."""

    def __init__(self, refusal: Refusal):
        APIException.__init__(self, refusal.message, "throttled")
        self.wait = refusal.wait


class LoginRateThrottle(BaseThrottle):
    """The same refusal for the API's token endpoint, in the API's error shape."""

    def allow_request(self, request, view):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        refusal = login_refusal(request, username)
        if refusal is not None:
            raise SignInThrottled(refusal)
        return True


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped rate, with the caller known by client_address: DRF's own guess takes a whole
    X-Forwarded-For header as the address when no proxy count is set, so an anonymous caller who
    sends a new one each time would never be counted twice."""

    def get_ident(self, request):
        return client_address(request)
