"""The ledger's hash tiles answered in front of Django: GET and HEAD of /ledger/tile/<L>/<N>[.p/<W>]
are public, the same for everyone, and need no session, CSRF check, template or ORM, so they
skip Django's middleware stack and URL resolution and cost one indexed read.

This mirrors rightsledger.api.tile_views.tile for hash tiles: the answer itself is that module's
`hash_tile_answer` (the same path parsing and tile_read), and the headers are those the Django
stack adds to it (`_stack_headers`, from the middleware's own code). Everything else goes to
Django: entry bundles (their reader is checked there), other methods (405 there), a Host outside
ALLOWED_HOSTS (400), plain HTTP where HTTPS is required (the redirect), and any request met by a
database error (the connection is dropped here; Django reconnects, or answers 503).

One difference, on purpose: Django marks what it answers a signed-in user `no-store` and adds
`Vary: Cookie` because its middleware reads the session. A hash tile is public and the same for
everyone, so it is answered here as to anyone. And a 404 here is not logged as a warning by
django.request (the server's access log has it). tests/rightsledger/test_tile_wsgi.py holds the
two answers side by side.
"""

import functools
import io
from http import HTTPStatus

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

from rightsledger.api.tile_views import hash_tile_answer

from .middleware import PERMISSIONS_POLICY

PREFIX = "/ledger/tile/"
BUNDLES = PREFIX + "entries/"


def _unused(request):
    raise AssertionError("only the middlewares' process_response is called")


@functools.cache
def _stack_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """Return the headers Django's middleware adds to an answer that reads no session: those of
    SecurityMiddleware (HSTS over HTTPS, nosniff, Referrer- and Cross-Origin-Opener-Policy),
    django-csp's Content-Security-Policy, X-Frame-Options and our Permissions-Policy. They depend
    on the settings and on the scheme alone, so they are made once per process and scheme, by
    passing an empty answer through those middlewares."""
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": PREFIX,
            "wsgi.url_scheme": "https" if secure else "http",
            "wsgi.input": io.BytesIO(),
            **({"HTTP_X_FORWARDED_PROTO": "https"} if secure else {}),
        }
    )
    response = HttpResponse()
    before = set(response.headers)
    for middleware in (SecurityMiddleware, CSPMiddleware, XFrameOptionsMiddleware):
        response = middleware(_unused).process_response(request, response)
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    return tuple((k, v) for k, v in response.items() if k not in before)


def _scheme_if_ours(environ) -> bool | None:
    """Return None when Django's stack must answer this request (as the module's docstring lists),
    else whether it came over HTTPS."""
    path = environ.get("PATH_INFO", "")
    if (
        environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
        or not path.startswith(PREFIX)
        or path == PREFIX
        or path.startswith(BUNDLES)
        or not path.isascii()
    ):
        return None
    request = WSGIRequest(environ)
    try:
        request.get_host()
    except DisallowedHost:
        return None
    secure = request.is_secure()
    return None if settings.SECURE_SSL_REDIRECT and not secure else secure


class TilesFirst:
    """A WSGI application that answers hash tiles itself and hands every other request to
    Django's."""

    def __init__(self, django):
        self.django = django

    def __call__(self, environ, start_response):
        secure = _scheme_if_ours(environ)
        if secure is None:
            return self.django(environ, start_response)
        try:
            answer = hash_tile_answer(environ["PATH_INFO"][len(PREFIX) :])
        except (OperationalError, InterfaceError):
            connection.close()
            return self.django(environ, start_response)
        if answer is None:  # an entry bundle, spelt in a way the prefix test above did not see
            return self.django(environ, start_response)
        headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
        if answer.cache_control:
            headers.append(("Cache-Control", answer.cache_control))
        headers += _stack_headers(secure)
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", headers)
        return [answer.body]
