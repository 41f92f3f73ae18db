"""The portal's API token pages: list, make (the token shown once), revoke after a confirmation;
studio admins and clearance users revoke the tokens of the people on their productions."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from rightsledger import apitokens, services, vocab
from rightsledger.models import ApiToken

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _later(days):
    return (timezone.now().date() + datetime.timedelta(days=days)).isoformat()


def _make(user, name="Render farm", scope=vocab.TOKEN_SCOPE_FULL):
    return services.api_token_create(actor=user, user=user, name=name, scope=scope, expires_at=_later(30))


def test_making_a_token_shows_it_once_and_keeps_only_its_hash(world, client):
    _as(client, world.producer_a)
    form = client.get("/account/tokens/new/")
    assert form.status_code == 200 and "Make an API token" in form.content.decode()
    response = client.post(
        "/account/tokens/new/",
        {
            "name": "Nightly dataset check",
            "scope": vocab.TOKEN_SCOPE_TRAINING_CLEARANCE,
            "expires_at": _later(30),
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.producer_a)
    page = response.content.decode()
    text = response.context["text"]
    assert text.startswith(f"rl_{token.public_id}_") and f">{text}</textarea>" in page
    assert "readonly" in page and "shown only this once" in page
    assert token.token_sha256 == apitokens.token_hash(text)
    listing = client.get("/account/tokens/").content.decode()
    assert "Nightly dataset check" in listing and "Training clearance only" in listing and "Never" in listing
    assert text not in listing and text.split("_", 2)[2] not in listing


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"name": ""}, "Give the token a name"),
        ({"expires_at": "2020-01-01"}, "That date has passed"),
        ({"expires_at": _later(400)}, "A token lasts at most 365 days"),
        ({"expires_at": ""}, "Give the date the token expires"),
    ],
)
def test_bad_input_is_said_next_to_its_field_and_nothing_is_made(world, client, changes, words):
    _as(client, world.producer_a)
    body = {"name": "Render farm", "scope": vocab.TOKEN_SCOPE_FULL, "expires_at": _later(30), **changes}
    response = client.post("/account/tokens/new/", body)
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page and 'aria-invalid="true"' in page and 'role="alert"' in page
    assert "rl_" not in page
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_refuses_the_token(world, client):
    token, text = _make(world.producer_a)
    _as(client, world.producer_a)
    ask = client.get(f"/account/tokens/{token.public_id}/revoke/")
    assert ask.status_code == 200 and "Revoke “Render farm”" in ask.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None  # asking revokes nothing
    done = client.post(f"/account/tokens/{token.public_id}/revoke/")
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "The token “Render farm” was revoked" in page and "Revoked" in page
    assert ApiToken.objects.get(pk=token.pk).revoked_by == world.producer_a
    again = client.post(f"/account/tokens/{token.public_id}/revoke/")
    assert again.status_code == 409 and "was already revoked on" in again.content.decode()


def test_nobody_revokes_a_token_of_someone_they_do_not_look_after(world, client):
    token, _ = _make(world.producer_a)
    guild_token, _ = _make(world.guild_rep, name="Member checks", scope=vocab.TOKEN_SCOPE_READ_ONLY)
    # A producer of another production: not theirs to see.
    _as(client, world.producer_b)
    assert client.get(f"/account/tokens/{token.public_id}/revoke/").status_code == 404
    assert client.post(f"/account/tokens/{token.public_id}/revoke/").status_code == 404
    assert "Render farm" not in client.get("/account/tokens/").content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    # The studio admin and production A's clearance user look after production A's producer,
    # but not the guild's representative, who is outside the studio.
    for manager in (world.admin, world.clearance):
        _as(client, manager)
        page = client.get("/account/tokens/").content.decode()
        assert "Tokens of the people you look after" in page and "Render farm" in page
        assert "Member checks" not in page
        assert client.get(f"/account/tokens/{guild_token.public_id}/revoke/").status_code == 404
    assert client.post(f"/account/tokens/{token.public_id}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_by == world.clearance


def test_the_older_token_is_shown_and_can_be_rotated(world, client):
    Token.objects.create(user=world.producer_a)
    _as(client, world.producer_a)
    page = client.get("/account/tokens/").content.decode()
    assert "Your older token" in page and "Revoke my older token" in page
    narrower = client.post(
        "/account/tokens/new/",
        {
            "name": "Reader",
            "scope": vocab.TOKEN_SCOPE_READ_ONLY,
            "expires_at": _later(60),
            "revoke_legacy": "on",
        },
    )
    assert narrower.status_code == 400
    assert "Only a token that may do everything your roles allow replaces" in narrower.content.decode()
    assert Token.objects.filter(user=world.producer_a).exists() and not ApiToken.objects.exists()
    response = client.post(
        "/account/tokens/new/",
        {
            "name": "Pipeline",
            "scope": vocab.TOKEN_SCOPE_FULL,
            "expires_at": _later(60),
            "revoke_legacy": "on",
        },
    )
    assert response.status_code == 200
    assert not Token.objects.filter(user=world.producer_a).exists()
    Token.objects.create(user=world.producer_a)
    done = client.post("/account/tokens/older/revoke/")
    assert done.status_code == 302
    assert "Your older token was revoked" in client.get(done["Location"]).content.decode()
    assert not Token.objects.filter(user=world.producer_a).exists()


def test_with_no_token_made_the_list_says_what_to_do(world, client):
    _as(client, world.producer_a)
    page = client.get("/account/tokens/").content.decode()
    assert "You have not made an API token yet. Make one for each machine or script" in page
    assert "of this kind" not in page
    # Beside an older token, the list says where that one is.
    Token.objects.create(user=world.producer_a)
    page = client.get("/account/tokens/").content.decode()
    assert "You have not made an API token yet (your older token is below)." in page


def test_the_pages_ask_for_a_sign_in(client):
    response = client.get("/account/tokens/")
    assert response.status_code == 302 and "/login" in response["Location"]
