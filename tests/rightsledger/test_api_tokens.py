"""API tokens for machines over the API: made, used, refused when expired or revoked, kept only as
their hash, their last use recorded at most once a minute; the older tokens still work."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rightsledger import apitokens, services, vocab
from rightsledger.models import ApiToken

pytestmark = pytest.mark.django_db


def _make(user, scope=vocab.TOKEN_SCOPE_FULL, days=30, name="Render farm"):
    return services.api_token_create(
        actor=user,
        user=user,
        name=name,
        scope=scope,
        expires_at=timezone.now().date() + datetime.timedelta(days=days),
    )


def _bearer(text, word="Bearer"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{word} {text}")
    return client


def _message(response):
    return response.json()["errors"][0]["message"]


# The token's shape and the scopes' rules, alone.


def test_a_new_token_reads_rl_then_its_public_id_then_its_secret():
    made = apitokens.token_new()
    assert made.text.startswith(f"rl_{made.public_id}_")
    assert apitokens.public_id_of(made.text) == made.public_id
    assert made.sha256 == apitokens.token_hash(made.text) != apitokens.token_hash(made.text + "x")
    assert apitokens.public_id_of("rl_abc_short") is None
    assert apitokens.token_new().text != made.text


def test_each_scope_lets_through_what_it_says():
    refusal = apitokens.scope_refusal
    assert (
        refusal(vocab.TOKEN_SCOPE_FULL, method="DELETE", training_clearance=False, writes_nothing=False)
        is None
    )
    assert (
        refusal(vocab.TOKEN_SCOPE_READ_ONLY, method="GET", training_clearance=False, writes_nothing=False)
        is None
    )
    assert "read-only" in refusal(
        vocab.TOKEN_SCOPE_READ_ONLY, method="POST", training_clearance=False, writes_nothing=False
    )
    assert (
        refusal(vocab.TOKEN_SCOPE_READ_ONLY, method="POST", training_clearance=True, writes_nothing=True)
        is None
    )
    assert (
        refusal(
            vocab.TOKEN_SCOPE_TRAINING_CLEARANCE, method="GET", training_clearance=False, writes_nothing=False
        )
        == "This token may only ask for training clearance."
    )
    assert (
        refusal(
            vocab.TOKEN_SCOPE_TRAINING_CLEARANCE, method="POST", training_clearance=True, writes_nothing=True
        )
        is None
    )


# Kept only as a hash.


def test_the_secret_is_not_stored_only_its_hash(world):
    token, text = _make(world.producer_a)
    secret = text.split("_", 2)[2]
    assert len(secret) == 43
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM rightsledger_apitoken WHERE id = %s", [token.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert secret not in row and text not in row
    assert token.token_sha256 in row and apitokens.token_hash(text) == token.token_sha256
    assert token.public_id in text


# Used as its user, within its scope.


def test_a_full_token_acts_as_its_user_within_the_users_roles(world, api):
    _, text = _make(world.producer_a)
    for word in ("Bearer", "Token"):
        response = _bearer(text, word).get("/api/me/")
        assert response.status_code == 200
        assert response.json()["username"] == "producer_a"
    # A producer's full token may not do what a producer may not.
    response = _bearer(text).post("/api/grants/", {}, format="json")
    assert response.status_code in (400, 403, 404)
    assert _bearer(text).get("/api/productions/").json()["results"][0]["title"] == "The Long Night"
    assert len(_bearer(text).get("/api/productions/").json()["results"]) == 1


def test_a_read_only_token_can_get_and_cannot_post(world, ledger_count):
    _, text = _make(world.clearance, vocab.TOKEN_SCOPE_READ_ONLY)
    client = _bearer(text)
    assert client.get("/api/assets/").status_code == 200
    before = ledger_count()
    response = client.post("/api/parties/", {"name": "Blue Harbour VFX", "kind": "vendor"}, format="json")
    assert response.status_code == 403
    assert _message(response) == "This token is read-only: it may not change anything."
    assert ledger_count() == before


def test_an_expired_token_is_refused_with_the_day_it_expired(world):
    token, text = _make(world.producer_a)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        expires_at=datetime.datetime(2026, 3, 3, 15, 46, tzinfo=datetime.UTC),
    )
    response = _bearer(text).get("/api/me/")
    assert response.status_code == 401
    assert _message(response).startswith("This token expired on 3 March 2026, 15:46 UTC;")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_with_the_day_it_was_revoked(world):
    token, text = _make(world.producer_a)
    assert _bearer(text).get("/api/me/").status_code == 200
    services.api_token_revoke(actor=world.producer_a, token=token)
    response = _bearer(text).get("/api/me/")
    assert response.status_code == 401
    assert _message(response).startswith("This token was revoked on ")


def test_a_token_not_copied_whole_or_unknown_is_refused_in_words(world):
    _, text = _make(world.producer_a)
    for wrong in (text[:-1] + ("A" if text[-1] != "A" else "B"), text[:20], "rl_zzzzzzzz_" + "a" * 43):
        response = _bearer(wrong).get("/api/me/")
        assert response.status_code == 401
        assert "This API token is not known" in _message(response)


def test_last_use_is_recorded_at_most_once_a_minute(world):
    token, text = _make(world.producer_a)
    assert token.last_used_at is None
    client = _bearer(text)
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/me/")
        client.get("/api/me/")
        client.get("/api/me/")
    writes = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "rightsledger_apitoken"')]
    assert len(writes) == 1
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None and timezone.now() - first < datetime.timedelta(seconds=30)
    # A minute on, it is written again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(seconds=61))
    client.get("/api/me/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - datetime.timedelta(seconds=1)


def test_two_processes_at_once_write_the_last_use_once(world):
    token, _ = _make(world.producer_a)
    now = timezone.now()
    stale = ApiToken.objects.get(pk=token.pk)
    assert services.api_token_used(token=token, now=now) is True
    # Another process still holds the row as it was before the write: the update finds it fresh.
    assert services.api_token_used(token=stale, now=now + datetime.timedelta(seconds=5)) is False
    assert ApiToken.objects.get(pk=token.pk).last_used_at == now


# The older tokens.


def test_the_older_token_still_works_until_it_is_rotated(world, api):
    legacy = Token.objects.create(user=world.producer_a)
    assert api(world.producer_a).get("/api/me/").status_code == 200
    assert _bearer(legacy.key, "Token").get("/api/me/").status_code == 200
    # Under "Bearer" it is left to other kinds of bearer token (none here): not signed in.
    assert _bearer(legacy.key).get("/api/me/").status_code == 401
    response = api(world.producer_a).post(
        "/api/tokens/",
        {"name": "Nightly export", "scope": vocab.TOKEN_SCOPE_FULL, "expires_at": "", "revoke_legacy": True},
        format="json",
    )
    assert response.status_code == 400  # no expiry: nothing made, the older token kept
    assert Token.objects.filter(pk=legacy.key).exists()
    response = _bearer(legacy.key, "Token").post(
        "/api/tokens/",
        {
            "name": "Nightly export",
            "scope": vocab.TOKEN_SCOPE_FULL,
            "expires_at": str(timezone.now().date() + datetime.timedelta(days=90)),
            "revoke_legacy": True,
        },
        format="json",
    )
    assert response.status_code == 201
    made = response.json()["token"]
    assert not Token.objects.filter(user=world.producer_a).exists()
    assert _bearer(legacy.key, "Token").get("/api/me/").status_code == 401
    assert _bearer(made).get("/api/me/").status_code == 200


# Made, listed and revoked through the API.


def test_a_token_made_through_the_api_is_shown_once(world, api):
    client = api(world.producer_a)
    response = client.post(
        "/api/tokens/",
        {"name": "Dailies sync", "scope": vocab.TOKEN_SCOPE_READ_ONLY, "expires_at": "2027-01-31"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("rl_" + body["public_id"] + "_")
    assert body["scope_label"] == "Read only" and body["state"] == "active"
    assert body["expires_at"].startswith("2027-01-31T23:59:59")
    listed = client.get("/api/tokens/").json()
    assert [t["name"] for t in listed] == ["Dailies sync"]
    assert "token" not in listed[0] and body["token"] not in client.get("/api/tokens/").content.decode()


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"name": "  "}, "name", "Give the token a name"),
        ({"expires_at": "2020-01-01"}, "expires_at", "That date has passed"),
        ({"expires_at": "2099-01-01"}, "expires_at", "A token lasts at most 365 days"),
        ({"expires_at": "next week"}, "expires_at", "Give the expiry as a date"),
        ({"scope": "admin"}, "scope", ""),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_made(world, api, changes, field, words):
    body = {"name": "Dailies sync", "scope": vocab.TOKEN_SCOPE_FULL, "expires_at": "2027-01-31", **changes}
    response = api(world.producer_a).post("/api/tokens/", body, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == field and words in error["message"]
    assert not ApiToken.objects.exists()


def test_a_token_made_with_a_token_may_not_outlast_it(world):
    _, text = _make(world.producer_a, days=10)
    response = _bearer(text).post(
        "/api/tokens/",
        {
            "name": "Longer",
            "scope": vocab.TOKEN_SCOPE_FULL,
            "expires_at": str(timezone.now().date() + datetime.timedelta(days=60)),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "may not outlast it" in _message(response)
    _, read_only = _make(world.producer_a, vocab.TOKEN_SCOPE_READ_ONLY, name="Reader")
    response = _bearer(read_only).post("/api/tokens/", {}, format="json")
    assert response.status_code == 403


def test_revoking_through_the_api_someone_elses_token_and_a_managers_right(world, api):
    token, text = _make(world.producer_a)
    # A producer of another production cannot see it, so cannot revoke it.
    response = api(world.producer_b).post(f"/api/tokens/{token.public_id}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    # The studio admin may: the producer holds a role in the admin's studio.
    assert token.public_id in [t["public_id"] for t in api(world.admin).get("/api/tokens/").json()]
    response = api(world.admin).post(f"/api/tokens/{token.public_id}/revoke/")
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    assert ApiToken.objects.get(pk=token.pk).revoked_by == world.admin
    again = api(world.admin).post(f"/api/tokens/{token.public_id}/revoke/")
    assert again.status_code == 409 and "already revoked" in _message(again)
    assert _bearer(text).get("/api/me/").status_code == 401


def test_the_schema_documents_the_token_endpoints_and_the_bearer_scheme(world, api):
    schema = api(world.producer_a).get("/api/schema/", {"format": "json"}).json()
    assert "/api/tokens/" in schema["paths"] and "/api/tokens/{id}/revoke/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
