"""Django admin's login page is throttled like the portal's (rightsledger.api.throttling): its
failures count per account and per address in the same counters, and past a limit it refuses
before the password is checked, even the right one."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher, make_password
from django.test import Client

PASSWORD = "a long admin password 42"
OFFICE = "203.0.113.9"


class CountingHasher(MD5PasswordHasher):
    """The fast hasher, counting the passwords it checks: a refusal before authenticate() checks none."""

    verified = 0

    def verify(self, password, encoded):
        CountingHasher.verified += 1
        return super().verify(password, encoded)


@pytest.fixture
def admins(db, settings):
    settings.PASSWORD_HASHERS = ["tests.ops.test_admin_sign_in_throttling.CountingHasher"]
    User = get_user_model()
    hashed = make_password(PASSWORD)
    User.objects.bulk_create(
        User(username=f"admin{n}", password=hashed, is_staff=True, is_superuser=True) for n in range(3)
    )
    CountingHasher.verified = 0
    return User


def _admin_sign_in(username, password, address=OFFICE):
    return Client().post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_the_admin_login_still_lets_an_admin_in(admins):
    response = _admin_sign_in("admin0", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert admins.objects.get(username="admin0").last_login is not None


def test_past_the_accounts_limit_the_admin_login_refuses_the_right_password_without_checking_it(admins):
    for _ in range(10):
        wrong = _admin_sign_in("admin1", "guess")
        assert wrong.status_code == 200 and "correct username and password" in wrong.content.decode()
    assert CountingHasher.verified == 10
    refused = _admin_sign_in("admin1", PASSWORD, address="198.51.100.4")
    page = refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many failed sign-ins" in page and "This account has had too many wrong passwords" in page
    # authenticate() was not reached: no password was checked, and the admin is not signed in.
    assert CountingHasher.verified == 10
    assert admins.objects.get(username="admin1").last_login is None
    # The portal's login counts the same failures; another admin still gets in.
    portal = Client().post("/accounts/login/", {"username": "admin1", "password": PASSWORD})
    assert portal.status_code == 429
    assert _admin_sign_in("admin2", PASSWORD).status_code == 302


def test_the_portals_failures_throttle_the_admin_login_from_that_address(admins, settings):
    settings.LOGIN_RATE = "5/15min"
    for n in range(5):
        assert (
            Client()
            .post("/accounts/login/", {"username": f"admin{n % 3}", "password": "x"}, REMOTE_ADDR=OFFICE)
            .status_code
            == 200
        )
    checked = CountingHasher.verified
    refused = _admin_sign_in("admin0", PASSWORD)
    assert refused.status_code == 429
    assert "Too many sign-ins from this network address have failed" in refused.content.decode()
    assert CountingHasher.verified == checked
    # From another address the admin gets in.
    assert _admin_sign_in("admin0", PASSWORD, address="198.51.100.4").status_code == 302
