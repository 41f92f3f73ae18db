"""Hash tiles answered in front of Django (config.tile_wsgi) are the answers Django's view gives:
the same statuses, bytes and headers, for every kind of tile path; what they cannot answer the
same way (entry bundles, other methods, a wrong Host, plain HTTP where HTTPS is required, a
database that went away) is handed to Django's stack."""

import io
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.db import OperationalError, connection
from django.test import Client

from config import tile_wsgi
from config.wsgi import application
from rightsledger.ledger import checkpoints
from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType
from tests import tlog_tools

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_key")]

PATHS = [
    "0/000",  # full, immutable
    "0/001.p/{width}",  # the partial tile of the tree
    "0/001.p/10",  # narrower than stored: a prefix
    "0/001.p/{wider}",  # wider than the tree: not there yet
    "0/001",  # not full yet
    "1/000.p/1",  # level 1
    "0/x001/000",  # far beyond the tree
    "0/1",  # not a tile path: each of these is a 404 that says what a tile path is
    "0/000.p/256",
    "64/000",
    "0/000/",
]


def _append(n: int) -> None:
    with recording(actor="system") as rec:
        rec.append_many([(EntryType.PARTY_CREATED, {"party": k}, {"record_type": "party"}) for k in range(n)])


def _wsgi(app, path: str, method: str = "GET", **extra) -> tuple[int, dict, bytes]:
    """Return the status, headers (lower-case names) and body a WSGI application answers."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        **extra,
    }
    got = {}

    def start_response(status, headers, exc_info=None):
        got.update(status=int(status.split()[0]), headers={k.lower(): v for k, v in headers})

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return got["status"], got["headers"], body


def _not_django(environ, start_response):
    raise AssertionError(f"{environ['PATH_INFO']} went to Django")


def _handed_on(environ, start_response):
    start_response("299 Django", [("X-Answered-By", "django")])
    return [b""]


@pytest.fixture
def ledger() -> int:
    """Return the width of the partial level-0 tile of a ledger of some 300 entries."""
    _append(300)
    width = checkpoints.ledger_publish().size - 256
    assert 44 <= width < 256
    return width


@pytest.mark.parametrize("secure", [False, True])
def test_every_hash_tile_path_is_answered_as_the_view_answers_it(ledger, secure):
    fast = tile_wsgi.TilesFirst(_not_django)
    https = {"HTTP_X_FORWARDED_PROTO": "https"} if secure else {}
    for path in (p.format(width=ledger, wider=ledger + 1) for p in PATHS):
        for method in ("GET", "HEAD"):
            status, headers, body = _wsgi(fast, f"/ledger/tile/{path}", method, **https)
            view = Client().generic(method, f"/ledger/tile/{path}", secure=secure, **https)
            # Django's session middleware adds Vary: Cookie, since its stack reads the session;
            # a hash tile does not depend on it. Each answer names its own request (X-Request-ID).
            expected = {
                k.lower(): v for k, v in view.headers.items() if k.lower() not in ("vary", "x-request-id")
            }
            headers = {k: v for k, v in headers.items() if k != "x-request-id"}
            assert (status, headers) == (view.status_code, expected), (path, method)
            if method == "GET":
                assert body == view.content, path
    status, headers, _ = _wsgi(fast, "/ledger/tile/0/000", **https)
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (
        headers["x-content-type-options"] == "nosniff"
        and "frame-ancestors 'none'" in (headers["content-security-policy"])
    )
    assert ("strict-transport-security" in headers) == secure


def test_what_the_front_cannot_answer_the_same_way_goes_to_django(ledger, settings, monkeypatch):
    front = tile_wsgi.TilesFirst(_handed_on)
    for path, method, extra in [
        ("/ledger/tile/0/000", "POST", {}),
        (f"/ledger/tile/entries/000.p/{ledger}", "GET", {}),
        ("/ledger/tile/entries/000", "HEAD", {}),
        ("/ledger/tile/entries/01", "GET", {}),
        ("/ledger/tile/", "GET", {}),
        ("/ledger/tile/0/000", "GET", {"HTTP_HOST": "elsewhere.example"}),
        ("/ledger/checkpoint", "GET", {}),
    ]:
        assert _wsgi(front, path, method, **extra)[0] == 299, (path, method, extra)
    settings.SECURE_SSL_REDIRECT = True
    assert _wsgi(front, "/ledger/tile/0/000")[0] == 299
    assert _wsgi(front, "/ledger/tile/0/000", HTTP_X_FORWARDED_PROTO="https")[0] == 200
    settings.SECURE_SSL_REDIRECT = False

    def gone(tile):
        raise OperationalError("the server closed the connection")

    monkeypatch.setattr("rightsledger.api.tile_views.tile_read", gone)
    assert _wsgi(front, "/ledger/tile/0/000")[0] == 299


def test_the_served_application_answers_tiles_in_front_and_the_rest_through_django(ledger):
    assert isinstance(application, tile_wsgi.TilesFirst)
    status, headers, body = _wsgi(application, f"/ledger/tile/0/001.p/{ledger}")
    assert status == 200 and len(body) == ledger * 32 and "vary" not in headers
    status, headers, body = _wsgi(application, f"/ledger/tile/entries/000.p/{ledger}")
    assert status == 403 and b"operators" in body and headers["vary"] == "Cookie"
    assert _wsgi(application, "/ledger/tile/0/000", "DELETE")[0] == 405
    connection.ensure_connection()


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def test_aics_tlog_audits_the_hash_tiles_the_served_application_answers(ledger, ledger_key):
    """The independent client (aics-tlog, a process of its own) over real HTTP, against the
    application gunicorn serves: hash tiles from the front, the checkpoint from Django."""
    if tlog_tools.venv() is None:
        pytest.skip(tlog_tools.MISSING)
    server = make_server("127.0.0.1", 0, application, WSGIServer, _Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        report = tlog_tools.audit(f"http://127.0.0.1:{server.server_port}/ledger/", ledger_key)
    finally:
        server.shutdown()
        server.server_close()
    assert report["ok"] and report["size"] == ledger + 256 and report["tiles"] >= 3, report
