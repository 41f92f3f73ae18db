"""The demo runs on SQLite, in the environment `make demo` gives it: concurrent writers there wait
for the lock or get a 409, never a 500; it seeds, runs a request end to end and publishes its
checkpoints; and its server runs with DEBUG off, serves its static files and shows no traceback."""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Variables a test's own environment sets that the demo must not inherit.
NOT_THE_DEMOS = (
    "DJANGO_",
    "DATABASE_",
    "CELERY_",
    "C2PA_",
    "LEDGER_",
    "RIGHTSLEDGER_",
    "CACHE_",
    "MEDIA_ROOT",
    "STATIC_ROOT",
)


def demo_environment(var_dir) -> dict:
    """Return the environment `make demo` runs its commands in (the Makefile's DEMO_ENV, as
    `make -n demo` prints it), over this one less the test settings, with its files in var_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_THE_DEMOS) and k != "DEBUG"}
    dry = subprocess.run(
        ["make", "-s", "-n", "demo", "VENV=/nonexistent-venv"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = next(line for line in dry.stdout.splitlines() if "manage.py runserver" in line)
    assignments = [word for word in shlex.split(line) if re.match(r"^[A-Z][A-Z0-9_]*=", word)]
    env.update(word.split("=", 1) for word in assignments)
    # The scripts run from tests/demo/: this checkout's code comes first on the path.
    env.update(
        RIGHTSLEDGER_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT)
    )
    return env


def test_fifty_concurrent_writers_on_sqlite_wait_or_get_a_409_never_a_500(tmp_path):
    env = demo_environment(tmp_path)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("sqlite_revocations.py"))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["writers"] == 50
    assert summary["results"] == {
        "revoke_consent ok": 1,
        "revoke_consent 409": 14,
        "revoke_grant ok": 1,
        "revoke_grant 409": 14,
        "sign_off ok": 5,
        "sign_off 409": 5,
        "run ok": 5,
        "run 409": 5,
    }, summary
    assert (
        summary["consent_versions"],
        summary["grant_revocations"],
        summary["sign_offs"],
        summary["outputs"],
        summary["revocation_entries"],
    ) == (2, 1, 5, 5, 2)


def test_the_demo_runs_with_debug_off_and_keeps_a_development_setting(tmp_path):
    assert demo_environment(tmp_path)["DJANGO_DEBUG"] == "0"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    dry = subprocess.run(
        ["make", "-s", "-n", "demo", "VENV=/nonexistent-venv", "DEBUG=1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "DJANGO_DEBUG=1" in next(line for line in dry.stdout.splitlines() if "manage.py runserver" in line)


@pytest.mark.heavy(55)
def test_the_demo_seeds_runs_a_clip_request_end_to_end_and_serves_with_debug_off(tmp_path):
    """`make demo`'s job: a moving plate in, a signed MP4 out, Trusted, downloadable; a revocation
    covered by a checkpoint at once; its own lines only; then its server, with DEBUG off."""
    env = demo_environment(tmp_path)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("demo_seed.py"))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    token = summary.pop("token")
    # `make demo` prints its own lines only: no Celery "Task ... succeeded", no kombu warning
    # that no broker host was supplied, no line of which faiss build loaded.
    assert summary.pop("stderr") == []
    assert summary == {
        "check": [200, True, 400, "asset_unknown"],
        "status": "succeeded",
        "http": 200,
        "content_type": "video/mp4",
        "frames": 36,
        "verified": "trusted",
        "printed": True,
        "stripped_copy_resolved": True,
        "time_stamped": [True, True],
        "thumbnails": [True, True],
        "held_by_face": ["held", True, True],
        "debug": False,
        "revocation": [201, True],
    }, summary
    _the_server_serves_its_pages_and_static_files_and_no_traceback(env, token, tmp_path)


def log_tail(path) -> str:
    """Return the end of a server's log, for a failure's message."""
    return path.read_text()[-3000:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, headers=None):
    """Return (status, content type, body) of a GET, errors included."""
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def _the_server_serves_its_pages_and_static_files_and_no_traceback(env, token, tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "server.log", "w+")
    serve = [sys.executable, str(Path(__file__).with_name("serve_demo.py")), f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        serve, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None and time.monotonic() < deadline, log_tail(tmp_path / "server.log")
            try:
                status, kind, page = _get(base + "/accounts/login/")
                break
            except OSError:
                time.sleep(0.5)
        # The portal's pages, and every stylesheet and script they name, served by WhiteNoise
        # without a collectstatic step; the API and its documentation page.
        assert status == 200 and kind.startswith("text/html"), (status, kind)
        docs_status, _, docs = _get(base + "/api/docs/")
        assert docs_status == 200
        assets = set(re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page.decode() + docs.decode()))
        assert {a.rsplit(".", 1)[1] for a in assets} == {"css", "js"} and len(assets) >= 4, assets
        for asset in sorted(assets):
            status, kind, body = _get(base + asset)
            expected = "css" if asset.endswith(".css") else "javascript"
            assert status == 200 and body and expected in kind, (asset, status, kind)
        status, kind, body = _get(base + "/api/me/", {"Authorization": f"Token {token}"})
        assert status == 200 and kind == "application/json" and json.loads(body)["username"] == "producer"
        # A server error, to a caller with no account: no traceback, no local variable, no exception.
        for path in ("/forced-error/", "/api/forced-error/"):
            status, kind, body = _get(base + path)
            text = body.decode()
            assert status == 500, (path, status)
            shown = re.search(r"Traceback|RuntimeError|forced server error|local-value|Request info", text)
            assert not shown, (path, text[:3000])
        assert json.loads(_get(base + "/api/forced-error/")[2])["errors"][0]["code"] == "server_error"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
