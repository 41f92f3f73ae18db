"""The API does what its OpenAPI schema says: Schemathesis generates requests from /api/schema/
and runs every check (no server error, documented status codes, content types and response
bodies, schema-valid requests accepted, invalid ones refused) in process, on PostgreSQL, as a
clearance user of a seeded production."""

import os
from pathlib import Path

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from hypothesis import HealthCheck, settings as hypothesis_settings

from config.wsgi import application

ROOT = Path(__file__).resolve().parents[2]
# Per operation and generation mode; `make fuzz` raises it. 10 gives some 2,500 cases in all.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=SchemathesisConfig.from_path(str(ROOT / "schemathesis.toml")))


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
    (out / "schemathesis.json").write_text(json.dumps({"cases": CASES["n"], "operations": len(list(schema.get_all_operations()))}))


@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_does_what_its_schema_says(case, token):
    CASES["n"] += 1
    case.call_and_validate(headers={"Authorization": f"Token {token}"})


def test_amend_revoke_and_history_are_documented_as_they_work(client):
    doc = client.get("/api/schema/?format=json").json()
    amend = doc["paths"]["/api/grants/{id}/amend/"]["post"]
    body = amend["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(doc["components"]["schemas"][body]["properties"]) == {"changes", "reason"}
    assert "201" in amend["responses"] and "200" not in amend["responses"]
    revoke = doc["paths"]["/api/consents/{id}/revoke/"]["post"]
    body = revoke["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(doc["components"]["schemas"][body]["properties"]) == {"reason", "scope"}
    history = doc["paths"]["/api/reservations/{id}/history/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(doc["components"]["schemas"][history]["properties"]) == {"versions", "ledger_entries"}
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            assert {"400", "403", "404"} <= set(operation["responses"]), (method, path)
