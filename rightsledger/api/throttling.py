"""Login throttling: at most LOGIN_RATE attempts per client address per window, for the portal's
login form (portal.auth) and the API's token endpoint alike, counted in the shared cache, so
passwords cannot be guessed at speed. Past the limit: 429 with Retry-After."""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, per = rate.split("/")
    return int(count), PERIODS[per[0]]


def client_address(request) -> str:
    """The caller's address: the last hop's, or (behind NUM_PROXIES trusted proxies) the one they saw."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = settings.NUM_PROXIES
    if hops and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(hops, len(addresses))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def login_attempt(request) -> int | None:
    """Count a login attempt; return the seconds to wait when over the limit, else None.

    A sliding window: the attempts of this window, plus the previous window's in proportion to
    how much of it the last `period` seconds still cover, so that a burst across the turn of a
    window is counted whole (a fixed window would let twice the limit through there)."""
    limit, period = parse_rate(settings.LOGIN_RATE)
    now = time.time()
    window = int(now // period)
    where = client_address(request)
    key = f"login-attempts:{where}:{window}"
    cache.add(key, 0, 2 * period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 2 * period + 1)
        count = 1
    previous = cache.get(f"login-attempts:{where}:{window - 1}") or 0
    covered = 1 - (now % period) / period
    return int(period - now % period) + 1 if previous * covered + count > limit else None


class LoginRateThrottle(BaseThrottle):
    """The same count for the API's token endpoint."""

    def allow_request(self, request, view):
        self.wait_seconds = login_attempt(request)
        return self.wait_seconds is None

    def wait(self):
        return self.wait_seconds
