"""Sentry: with SENTRY_DSN set, the settings start the SDK and an error reaches the DSN's server
(here a small HTTP listener on this machine, as Sentry's ingest); without it, nothing is started."""

import gzip
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django, sentry_sdk
django.setup()
print("active" if sentry_sdk.get_client().is_active() else "inactive", flush=True)
try:
    1 / 0
except ZeroDivisionError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(timeout=10)
"""


class _Ingest(BaseHTTPRequestHandler):
    received: list

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append((self.path, body.decode(errors="replace")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _run(**env) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_error_reaches_the_sentry_dsns_server():
    received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Ingest", (_Ingest,), {"received": received}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dsn = f"http://public0123456789abcdef@127.0.0.1:{server.server_address[1]}/42"
        done = _run(SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="ops-test")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["active"]
    assert received, "the DSN's server received nothing"
    path, body = received[0]
    assert path.startswith("/api/42/")
    assert "ZeroDivisionError" in body and "ops-test" in body


def test_without_a_dsn_nothing_is_started():
    done = _run()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["inactive"]
