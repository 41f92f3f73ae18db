"""Sign-in throttling that an office survives: failures are counted per account and per address,
successful sign-ins are not (rightsledger.api.throttling)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client

from rightsledger.api.throttling import Refusal, wait_words

PASSWORD = "a long office password 42"
OFFICE = "203.0.113.9"  # one NAT address for the whole office


@pytest.fixture
def fast_hashing(settings):
    # The deliberately slow default hasher would make fifty sign-ins take a minute.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db, fast_hashing):
    """Fifty people of one studio, each with a password."""
    User = get_user_model()
    hashed = make_password(PASSWORD)
    User.objects.bulk_create(User(username=f"person{n}", password=hashed) for n in range(50))
    return [f"person{n}" for n in range(50)]


def _sign_in(client, username, password, address=OFFICE):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_fifty_people_signing_in_from_one_address_within_a_minute_all_get_in(staff):
    for username in staff:
        client = Client()
        response = _sign_in(client, username, PASSWORD)
        assert response.status_code == 302, f"{username} was answered {response.status_code}"
        assert client.session.get("_auth_user_id"), f"{username} is not signed in"


def test_a_few_mistyped_passwords_in_the_office_do_not_lock_anyone_else_out(staff):
    for username in staff[:20]:
        assert _sign_in(Client(), username, "mistyped").status_code == 200
    for username in staff:
        assert _sign_in(Client(), username, PASSWORD).status_code == 302


def test_eleven_wrong_passwords_for_one_account_are_throttled_and_say_when_to_try_again(staff):
    client = Client()
    for _ in range(10):
        assert _sign_in(client, "person7", "guess").status_code == 200
    refused = _sign_in(client, "person7", "guess")
    page = refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many failed sign-ins" in page and "This account has had too many wrong passwords" in page
    assert f"Try again in {wait_words(int(refused['Retry-After']))}" in page and "minute" in page
    # Refused even with the right password now, and from another address: the account is what is counted.
    assert _sign_in(Client(), "person7", PASSWORD, address="198.51.100.4").status_code == 429
    # The other people in the office still sign in.
    assert _sign_in(Client(), "person8", PASSWORD).status_code == 302


def test_a_password_spray_across_accounts_from_one_address_is_throttled(staff, settings):
    limit = 50  # the default: LOGIN_RATE = "50/15min"
    assert settings.LOGIN_RATE == "50/15min"
    for n in range(limit):
        assert _sign_in(Client(), staff[n % len(staff)], f"Spring2026!{n // 50}").status_code == 200
    refused = _sign_in(Client(), "person0", "Summer2026!")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many sign-ins from this network address have failed" in refused.content.decode()
    # Even a right password from that address waits; another address is counted apart.
    assert _sign_in(Client(), "person1", PASSWORD).status_code == 429
    assert _sign_in(Client(), "person1", PASSWORD, address="198.51.100.4").status_code == 302


def test_a_successful_sign_in_clears_the_accounts_failures(staff):
    for _ in range(9):
        assert _sign_in(Client(), "person3", "guess").status_code == 200
    assert _sign_in(Client(), "person3", PASSWORD).status_code == 302
    for _ in range(9):
        assert _sign_in(Client(), "person3", "guess").status_code == 200
    assert _sign_in(Client(), "person3", PASSWORD).status_code == 302


def test_the_token_endpoint_counts_failures_per_account_and_answers_in_words(staff):
    client = Client()

    def token(username, password, address=OFFICE):
        return client.post(
            "/api/auth/token/",
            {"username": username, "password": password},
            content_type="application/json",
            REMOTE_ADDR=address,
        )

    for username in staff:
        assert token(username, PASSWORD).status_code == 200
    for _ in range(10):
        assert token("person9", "guess").status_code == 400
    refused = token("person9", PASSWORD)
    error = refused.json()["errors"][0]
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert error["code"] == "throttled" and "Try again in" in error["message"]
    assert "Expected available" not in error["message"]
    # The portal's form and the API count the same failures.
    assert _sign_in(Client(), "person9", PASSWORD).status_code == 429


@pytest.mark.parametrize(
    "seconds, words",
    [(1, "1 second"), (45, "45 seconds"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes")],
)
def test_a_wait_is_said_in_words(seconds, words):
    assert wait_words(seconds) == words and words in Refusal("account", seconds).message


def test_the_wait_given_is_when_a_sign_in_is_let_through_again(staff, settings, monkeypatch):
    from rightsledger.api import throttling

    settings.LOGIN_ACCOUNT_RATE = "3/10min"
    clock = [6_000_000.0 + 420]  # seven minutes into a ten-minute window
    monkeypatch.setattr(throttling.time, "time", lambda: clock[0])
    for _ in range(3):
        assert _sign_in(Client(), "person2", "guess").status_code == 200
    wait = int(_sign_in(Client(), "person2", PASSWORD)["Retry-After"])
    # Three in this window: the next window still counts most of them until a third of it has passed.
    assert wait == 180 + 200
    clock[0] += wait - 2
    assert _sign_in(Client(), "person2", PASSWORD).status_code == 429
    clock[0] += 3
    assert _sign_in(Client(), "person2", PASSWORD).status_code == 302
