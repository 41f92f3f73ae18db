import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/grants/{id}/revoke/" in text and "/api/consents/{id}/amend/" in text


def test_swagger_ui_is_served_from_our_own_static_files(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # Every script, style and asset the page names is ours: no address on another host (the
    # page's CSRF token is random text, so the test looks at addresses, not at any "cdn" in it).
    addresses = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html) + re.findall(
        r"""["']((?:https?:)?//[^"'\s]+)""", html
    )
    assert addresses and not [a for a in addresses if a.startswith(("http:", "https:", "//"))], addresses
    assert client.get("/api/schema/").status_code == 200


def run_manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_variables():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k" * 20 + "-production-secret-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c",
        DJANGO_ALLOWED_HOSTS="rights.example.com",
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:////tmp/rl-check.sqlite3"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_secret_key_is_required_when_debug_is_off():
    result = run_manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert run_manage("check", DJANGO_DEBUG="1").returncode == 0


def test_the_admin_covers_every_model_and_lists_open(admin_client):
    from django.apps import apps
    from django.contrib import admin

    ours = [m for m in apps.get_models() if m._meta.app_label in ("rightsledger", "generation", "provenance")]
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert missing == []
    for model in ours:
        if model in admin.site._registry:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert admin_client.get(url).status_code == 200, url


def _api_routes():
    """Return every route under /api/ that takes a path parameter, as (route text, parameter names)."""
    from django.urls import URLResolver, get_resolver

    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return [r for r in walk(get_resolver()) if r.startswith("api/") and ROUTE_PARAMETER.search(r)]


ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
# Not ids: a record kind, and the soft-binding manifest id (any text), given a valid value.
VALID = {"kind": "consent", "format": "json"}
BAD_IDS = ["abc", "-1", "0", "1.5", "99999999999999999999", str(2**63), "\uff11", "1e3", "%20"]


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_every_api_route_answers_a_bad_id_with_the_json_error_shape(world, api, settings, debug):
    """Non-integer, negative, zero and huge ids in every /api/ route, DEBUG off and on, signed in and
    not: a 4xx in the API's error shape, never Django's HTML page."""
    settings.DEBUG = debug
    routes = _api_routes()
    assert len(routes) > 30, routes  # the router's routes are found too
    for route in routes:
        for bad in BAD_IDS:
            path = ROUTE_PARAMETER.sub(lambda m, bad=bad: VALID.get(m.group(1) or m.group(2), bad), route)
            path = "/" + path.strip("^$").replace("/?", "/")
            for user in (world.admin, None):
                for method in ("get", "post"):
                    response = getattr(api(user), method)(path)
                    where = f"{method.upper()} {path} ({'signed in' if user else 'anonymous'})"
                    assert 400 <= response.status_code < 500, (where, response.status_code)
                    kind = response["Content-Type"]
                    assert kind.startswith("application/json"), (where, kind)
                    errors = response.json()["errors"]
                    shaped = all(set(e) == {"code", "field", "message"} and e["message"] for e in errors)
                    assert errors and shaped, (where, errors)


def test_the_api_answers_json_when_html_is_asked_for(world, api):
    client = api(world.admin)
    asked = [
        ("/api/studios/", {"HTTP_ACCEPT": "text/html"}),
        ("/api/studios/?format=api", {}),
        ("/api/studios.api", {}),
    ]
    for path, headers in asked:
        kind = client.get(path, **headers)["Content-Type"]
        assert kind.startswith("application/json"), (path, kind)
    assert client.get("/api/me").status_code == 301  # a missing slash is still redirected
    assert client.post("/api/me")["Content-Type"].startswith("application/json")


def test_the_schema_documents_ids_from_one_and_each_answers_media_type(tmp_path):
    """Path ids from 1 (the router's, and lookups that only digits match, as whole numbers), the
    ledger's numbers from 1, every whole number's bounds, and the drawing's media type."""
    import json

    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    parameters = [
        (path, p)
        for path, methods in schema["paths"].items()
        for op in methods.values()
        for p in op.get("parameters", [])
    ]
    ids = [
        (path, p["name"], p["schema"])
        for path, p in parameters
        if p["in"] == "path" and p["schema"].get("type") == "integer"
    ]
    assert len(ids) > 20
    assert [i for i in ids if i[2].get("minimum") != 1] == []
    # The ledger's numbers are read from 1; a list filter by id takes 0 (and answers nothing).
    numbers = {
        (path, p["name"]): p["schema"].get("minimum")
        for path, p in parameters
        if p["in"] == "query" and p["schema"].get("type") == "integer" and p["name"] != "page_size"
    }
    assert numbers[("/api/ledger/proofs/inclusion/", "tree_size")] == 1
    assert numbers[("/api/ledger/proofs/consistency/", "from")] == 1
    assert {numbers[("/api/assets/", "production")], numbers[("/api/consents/", "guild")]} == {0}
    assert None not in numbers.values(), numbers
    for path, p in parameters:
        if p["in"] == "path":
            # A token is named by its public id (the characters after rl_), never by a number.
            token = path.startswith("/api/tokens/") and p["name"] == "id"
            assert p["schema"]["type"] == "integer" or p["name"] in ("kind", "manifest_id") or token, (
                path,
                p,
            )
    lineage = schema["paths"]["/api/assets/{id}/lineage.svg"]["get"]["responses"]["200"]["content"]
    assert list(lineage) == ["image/svg+xml"]
