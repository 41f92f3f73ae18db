import os
import re
import subprocess
import sys
from pathlib import Path

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
    addresses = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html) + re.findall(r"""["']((?:https?:)?//[^"'\s]+)""", html)
    assert addresses and not [a for a in addresses if a.startswith(("http:", "https:", "//"))], addresses
    assert client.get("/api/schema/").status_code == 200


def run_manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


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
