"""The API does what its OpenAPI schema says: Schemathesis generates requests from /api/schema/
and runs every check (no server error, documented status codes, content types and response
bodies, schema-valid requests accepted, invalid ones refused) on PostgreSQL, as a clearance user
of a seeded production: in process, and against a live gunicorn over HTTP, where what the
WSGI handler does not see (the HTTP server's own parsing, headers on the wire) is tested too."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from config.wsgi import application

ROOT = Path(__file__).resolve().parents[2]
# Per operation and generation mode; `make fuzz` raises it. 10 gives some 2,500 cases in all.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
# Over HTTP each case costs more: the live run takes a third as many, unless told otherwise.
LIVE_EXAMPLES = int(os.environ.get("SCHEMATHESIS_LIVE_EXAMPLES") or max(1, EXAMPLES // 3))

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", application, config=SchemathesisConfig.from_path(str(ROOT / "schemathesis.toml"))
)


@pytest.fixture
def token(world):
    """The clearance user's token; requests go through the WSGI application in this process, so
    the database connection is kept between them, as Django's test client keeps it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from rest_framework.authtoken.models import Token

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield Token.objects.get_or_create(user=world.clearance)[0].key
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CASES = {"n": 0}


@pytest.fixture(scope="module", autouse=True)
def count_cases():
    """Write how many cases ran, for docs/reliability.md."""
    import json

    yield
    out = ROOT / "var" / "test-artifacts"
    out.mkdir(parents=True, exist_ok=True)
    (out / "schemathesis.json").write_text(
        json.dumps({"cases": CASES["n"], "operations": len(list(schema.get_all_operations()))})
    )


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_the_api_does_what_its_schema_says(case, token):
    CASES["n"] += 1
    case.call_and_validate(headers={"Authorization": f"Token {token}"})


@pytest.fixture
def live_schema(request, transactional_db, tmp_path, settings):
    """The schema of a gunicorn this test starts on a free port, against the test database, with
    a seeded world committed (the server reads it over its own connections); its clearance token
    is sent with every request. Stops the server at the end."""
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from ..conftest import World

    world = World()
    token = Token.objects.get_or_create(user=world.clearance)[0].key
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = connection.settings_dict
    kept = ("PATH", "HOME", "LANG", "DJANGO_", "PYTHON", "CELERY_")
    env = {k: v for k, v in os.environ.items() if k.startswith(kept)}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        SIGNING_KEYS_DIR=str(settings.SIGNING_KEYS_DIR),
        LEDGER_SIGNING_KEY_FILE=settings.LEDGER_SIGNING_KEY_FILE,
        LEDGER_SIGNING_KEY_CREATE="1",
        C2PA_TRUST_ANCHORS=",".join(settings.C2PA_TRUST_ANCHORS),
        RIGHTSLEDGER_VAR_DIR=str(tmp_path / "var"),
    )
    log = open(tmp_path / "gunicorn.log", "w+")
    serve = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(
        serve, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            started = server.poll() is None and time.monotonic() < deadline
            assert started, (tmp_path / "gunicorn.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(base + "/robots.txt", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        config = SchemathesisConfig.from_path(str(ROOT / "schemathesis.toml"))
        live = schemathesis.openapi.from_url(base + "/api/schema/", config=config)
        LIVE["token"] = token
        # Schemathesis's lazy loader names each operation's subtest through the node's _nodeid,
        # which pytest 9 no longer keeps.
        request.node._nodeid = request.node.nodeid
        yield live
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


LIVE = {}
live = schemathesis.pytest.from_fixture("live_schema")


@live.parametrize()
@hypothesis_settings(
    max_examples=LIVE_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
@pytest.mark.heavy(70)
def test_a_live_server_does_what_its_schema_says(case):
    CASES["n"] += 1
    case.call_and_validate(headers={"Authorization": f"Token {LIVE['token']}"}, timeout=60)


def test_amend_revoke_and_history_are_documented_as_they_work(client):
    doc = client.get("/api/schema/?format=json").json()
    amend = doc["paths"]["/api/grants/{id}/amend/"]["post"]
    body = amend["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(doc["components"]["schemas"][body]["properties"]) == {"changes", "reason"}
    assert "201" in amend["responses"] and "200" not in amend["responses"]
    revoke = doc["paths"]["/api/consents/{id}/revoke/"]["post"]
    body = revoke["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(doc["components"]["schemas"][body]["properties"]) == {"reason", "scope"}
    history = doc["paths"]["/api/reservations/{id}/history/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(doc["components"]["schemas"][history]["properties"]) == {"versions", "ledger_entries"}
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            assert {"400", "403", "404"} <= set(operation["responses"]), (method, path)
