"""The headers every answer carries: a Content-Security-Policy, a Permissions-Policy, no caching
of what an authenticated user reads, and 405 (not a CSRF page) for a wrong method."""

import pytest


def test_pages_and_the_api_carry_a_strict_csp_and_a_permissions_policy(world, api, client):
    for response in (
        client.get("/accounts/login/"),
        client.get("/verify/"),
        api(world.clearance).get("/api/grants/"),
    ):
        csp = response["Content-Security-Policy"]
        assert (
            "default-src 'self'" in csp
            and "script-src 'self'" in csp
            and "unsafe-inline" not in csp
            and "frame-ancestors 'none'" in csp
        )
        assert (
            "camera=()" in response["Permissions-Policy"]
            and "geolocation=()" in response["Permissions-Policy"]
        )
    # The API's documentation page alone may run its inline set-up script.
    assert "'unsafe-inline'" in client.get("/api/docs/")["Content-Security-Policy"]


def test_what_an_authenticated_user_is_answered_is_never_cached(world, api, client):
    assert api(world.clearance).get("/api/grants/")["Cache-Control"] == "no-store"
    client.force_login(world.clearance)
    assert client.get("/clearance/")["Cache-Control"] == "no-store"
    client.logout()
    assert "no-store" not in client.get("/ledger/verifier-key").get("Cache-Control", "")


@pytest.mark.parametrize(
    "path",
    [
        "/ledger/checkpoint",
        "/ledger/checkpoint/1",
        "/ledger/verifier-key",
        "/.well-known/tdmrep.json",
        "/.well-known/tdm-policy.json",
        "/robots.txt",
    ],
)
def test_a_wrong_method_on_public_read_only_urls_is_a_405(db, client, path):
    for method in ("post", "put", "delete"):
        response = getattr(client, method)(path)
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


def test_production_settings_pass_the_deploy_check_with_hsts_and_secure_cookies(settings):
    from django.conf import settings as live

    assert live.SECURE_HSTS_SECONDS >= 31536000 and live.SESSION_COOKIE_SECURE and live.CSRF_COOKIE_SECURE


def test_login_and_token_endpoints_are_throttled(db, client, settings):
    """Passwords cannot be guessed at speed: past LOGIN_RATE failed sign-ins from one address, the
    portal's login and the API's token endpoint answer 429 with Retry-After."""
    settings.LOGIN_RATE = "5/min"
    for _ in range(5):
        assert client.post("/accounts/login/", {"username": "nobody", "password": "guess"}).status_code == 200
    refused = client.post("/accounts/login/", {"username": "nobody", "password": "guess"})
    assert (
        refused.status_code == 429
        and int(refused["Retry-After"]) > 0
        and "Too many failed sign-ins" in refused.content.decode()
    )
    # The same address's count holds for the API's token endpoint, which answers in the API's shape.
    token = client.post(
        "/api/auth/token/", {"username": "nobody", "password": "guess"}, content_type="application/json"
    )
    assert (
        token.status_code == 429
        and int(token["Retry-After"]) > 0
        and token.json()["errors"][0]["code"] == "throttled"
    )
    # Another address is counted apart.
    assert (
        client.post(
            "/api/auth/token/",
            {"username": "nobody", "password": "guess"},
            content_type="application/json",
            REMOTE_ADDR="10.1.2.3",
        ).status_code
        == 400
    )


def test_a_burst_across_the_turn_of_a_window_is_counted_whole(db, client, settings, monkeypatch):
    from rightsledger.api import throttling

    settings.LOGIN_RATE = "5/min"
    clock = [6_000_059.5]  # half a second before a window turns
    monkeypatch.setattr(throttling.time, "time", lambda: clock[0])
    for _ in range(5):
        assert client.post("/accounts/login/", {"username": "nobody", "password": "guess"}).status_code == 200
    clock[0] += 1.0  # the next window: a fixed window would start counting from zero here
    assert client.post("/accounts/login/", {"username": "nobody", "password": "guess"}).status_code == 429
    clock[0] += 60  # a minute later the earlier attempts have slid out
    assert client.post("/accounts/login/", {"username": "nobody", "password": "guess"}).status_code == 200
