"""/healthz and /readyz: no sign-in, JSON, each readiness check timed and held to its timeout, 503
when one fails, and no URL or secret in the answer."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections

from provenance.models import SigningIdentity

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def each_call_runs_the_checks(settings, monkeypatch):
    """Each test here sees the checks run for its own call (the cache has tests of its own)."""
    from config import health

    settings.READYZ_CACHE_SECONDS = 0
    monkeypatch.setattr(health, "_last", None)  # no answer kept from an earlier test


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free once closed: nothing listens there


def _ready(client):
    response = client.get("/readyz")
    return response, response.json()


def _failed(body) -> set[str]:
    return {name for name, check in body["checks"].items() if check["status"] != "ok"}


def test_healthz_answers_without_a_sign_in_and_touches_nothing(client, monkeypatch):
    # Liveness says the process answers: with the database unreachable it still says ok.
    monkeypatch.setitem(connections.settings["default"], "PORT", str(_closed_port()))
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_readyz_reports_every_check_ok_with_its_time_and_no_secret(client, settings):
    settings.CACHE_URL = settings.CELERY_BROKER_URL  # the cache is checked when it is Redis too
    response, body = _ready(client)
    assert response.status_code == 200 and body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage", "signing_identity", "broker", "cache", "tsa"}
    for check in body["checks"].values():
        assert check["status"] == "ok" and 0 <= check["seconds"] < settings.READYZ_TIMEOUT_SECONDS
    text = response.content.decode()
    for secret in (settings.SECRET_KEY, settings.CELERY_BROKER_URL, settings.C2PA_TSA_URL, "127.0.0.1"):
        assert secret not in text


def test_readyz_leaves_no_object_in_the_storage(client, settings, tmp_path):
    from pathlib import Path

    assert _ready(client)[0].status_code == 200
    written = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert written == []


def test_a_stopped_redis_fails_the_broker_check_alone(client, settings):
    settings.CELERY_BROKER_URL = f"redis://:hunter2@127.0.0.1:{_closed_port()}/0"
    response, body = _ready(client)
    assert response.status_code == 503 and body["status"] == "fail" and response["Retry-After"]
    assert _failed(body) == {"broker"}
    assert "did not answer" in body["checks"]["broker"]["error"]
    assert "hunter2" not in response.content.decode() and "redis://" not in response.content.decode()


def test_a_stopped_cache_fails_the_cache_check(client, settings):
    settings.CACHE_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response, body = _ready(client)
    assert response.status_code == 503 and _failed(body) == {"cache"}


def test_an_unreachable_database_fails_the_database_check(client, monkeypatch):
    # Each check runs in a thread of its own, with a connection of its own: made to the wrong port.
    monkeypatch.setitem(connections.settings["default"], "PORT", str(_closed_port()))
    response, body = _ready(client)
    assert response.status_code == 503 and "database" in _failed(body)
    assert body["checks"]["database"]["error"].startswith("The database did not answer.")


def test_an_unreachable_tsa_fails_the_tsa_check(client, settings):
    settings.C2PA_TSA_URL = f"http://127.0.0.1:{_closed_port()}/tsa"
    response, body = _ready(client)
    assert response.status_code == 503 and _failed(body) == {"tsa"}
    assert "time-stamp authority did not answer" in body["checks"]["tsa"]["error"]


class _Silent(BaseHTTPRequestHandler):
    """A server that takes the query and never answers it (until the test ends)."""

    release = threading.Event()

    def do_POST(self):  # noqa: N802
        self.release.wait(30)

    def log_message(self, *args):
        pass


class _NotATsa(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = b"<html>a login page</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    servers = []

    def start(handler):
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    _Silent.release.set()
    for server in servers:
        server.shutdown()
        server.server_close()
    _Silent.release.clear()


def test_a_tsa_that_hangs_is_cut_off_at_the_checks_timeout(client, settings, http_server):
    import time

    settings.C2PA_TSA_URL = http_server(_Silent)
    settings.READYZ_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    response, body = _ready(client)
    assert time.monotonic() - started < 3
    assert response.status_code == 503 and _failed(body) == {"tsa"}
    assert body["checks"]["tsa"]["seconds"] <= 1.0
    # The other checks were not held by it.
    assert all(body["checks"][name]["seconds"] < 0.5 for name in ("database", "storage", "broker"))


def test_a_server_that_is_not_a_tsa_fails_the_tsa_check(client, settings, http_server):
    settings.C2PA_TSA_URL = http_server(_NotATsa)
    response, body = _ready(client)
    assert response.status_code == 503 and _failed(body) == {"tsa"}


def test_no_tsa_configured_is_no_tsa_check(client, settings):
    settings.C2PA_TSA_URL = ""
    response, body = _ready(client)
    assert response.status_code == 200 and "tsa" not in body["checks"]


def test_storage_that_cannot_be_written_fails_the_storage_check(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker / "media"  # a folder cannot be made under a file, even by root
    response, body = _ready(client)
    assert response.status_code == 503 and _failed(body) == {"storage"}


def test_no_active_signing_identity_fails_its_check(client):
    SigningIdentity.objects.update(active=False)
    response, body = _ready(client)
    assert response.status_code == 503 and _failed(body) == {"signing_identity"}


def test_a_signing_key_that_does_not_load_fails_its_check(client):
    from pathlib import Path

    identity = SigningIdentity.objects.get(active=True)
    Path(identity.key_path).write_text("not a key")
    response, body = _ready(client)
    assert response.status_code == 503 and _failed(body) == {"signing_identity"}
    assert "not a key" not in response.content.decode()


def test_probes_are_not_throttled_or_redirected(client, settings):
    for _ in range(30):
        assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True  # production: plain HTTP is redirected, probes are not
    behind_tls = Client()  # SecurityMiddleware reads the setting when a client first loads it
    assert behind_tls.get("/healthz").status_code == 200 and behind_tls.get("/readyz").status_code == 200
    assert behind_tls.get("/accounts/login/").status_code == 301


class _Counting(BaseHTTPRequestHandler):
    """Counts the queries it is sent; answers each as no TSA would."""

    queries = 0

    def do_POST(self):  # noqa: N802
        type(self).queries += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"not a time-stamp")

    def log_message(self, *args):
        pass


def test_a_flood_of_calls_runs_the_checks_once_a_window(client, settings, http_server):
    settings.C2PA_TSA_URL = http_server(_Counting)
    settings.READYZ_CACHE_SECONDS = 60
    _Counting.queries = 0
    answers = [_ready(client) for _ in range(20)]
    assert _Counting.queries == 1  # one time-stamp query (and one storage write) for twenty calls
    assert {response.status_code for response, _ in answers} == {503}
    assert all(_failed(body) == {"tsa"} for _, body in answers)
    settings.READYZ_CACHE_SECONDS = 0  # the window over: the next call runs them again
    _ready(client)
    assert _Counting.queries == 2


def test_an_outside_caller_gets_the_status_alone(client, settings):
    settings.METRICS_BEARER_TOKEN = "probe-secret-0123456789"
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    response = client.get("/readyz", **outside)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    SigningIdentity.objects.update(active=False)
    response = client.get("/readyz", **outside)
    assert response.status_code == 503 and response.json() == {"status": "fail"}
    assert "signing" not in response.content.decode()
    # The operator's own caller (the metrics' bearer token) reads which check failed.
    response = client.get("/readyz", HTTP_AUTHORIZATION="Bearer probe-secret-0123456789", **outside)
    assert response.status_code == 503 and _failed(response.json()) == {"signing_identity"}
