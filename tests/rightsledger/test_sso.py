"""sso_sign_in: the account a person reaches through the studio's OpenID Connect provider. Found
by the provider's subject; linked to an existing account by e-mail only where the provider
verified the address and the studio allows it; never given a role."""

import pytest
from django.contrib.auth import get_user_model

from rightsledger import services
from rightsledger.models import LedgerEntry, Role, SsoIdentity

ISSUER = "https://id.harbour.example"
pytestmark = pytest.mark.django_db

User = get_user_model()


def claims(**extra):
    return {
        "sub": "00u1dana",
        "preferred_username": "dana.okafor",
        "given_name": "Dana",
        "family_name": "Okafor",
        "email": "dana@harbour.example",
        **extra,
    }


def test_a_first_sign_in_makes_an_account_with_no_role_no_password_and_no_ledger_entry():
    entries = LedgerEntry.objects.count()
    user = services.sso_sign_in(issuer=ISSUER, subject="00u1dana", claims=claims())
    assert (user.username, user.get_full_name(), user.email) == (
        "dana.okafor",
        "Dana Okafor",
        "dana@harbour.example",
    )
    assert not user.has_usable_password()
    assert not Role.objects.filter(user=user).exists()
    assert LedgerEntry.objects.count() == entries
    identity = SsoIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (ISSUER, "00u1dana")
    assert identity.last_sign_in_at is not None


def test_the_same_subject_signs_in_to_the_same_account_and_its_name_follows_the_provider():
    first = services.sso_sign_in(issuer=ISSUER, subject="00u1dana", claims=claims())
    again = services.sso_sign_in(
        issuer=ISSUER,
        subject="00u1dana",
        claims=claims(family_name="Okafor-Reyes", email="d@harbour.example"),
    )
    assert again.pk == first.pk
    assert (again.last_name, again.email) == ("Okafor-Reyes", "d@harbour.example")
    assert User.objects.count() == 1


def test_the_same_subject_at_another_provider_is_another_person():
    first = services.sso_sign_in(issuer=ISSUER, subject="00u1dana", claims=claims())
    other = services.sso_sign_in(issuer="https://login.other.example", subject="00u1dana", claims=claims())
    assert other.pk != first.pk
    assert other.username == "dana.okafor-2"


@pytest.mark.parametrize(
    "allowed, verified, links",
    [
        (False, True, False),  # the setting is off: an e-mail address alone links nothing
        (True, False, False),  # the provider did not verify the address
        (True, "true", False),  # a string is not the boolean the specification asks for
        (True, True, True),
    ],
)
def test_an_existing_account_is_linked_by_e_mail_only_when_verified_and_allowed(allowed, verified, links):
    local = User.objects.create_user("dokafor", email="Dana@Harbour.example", password="a-long-local-pw-2026")
    user = services.sso_sign_in(
        issuer=ISSUER,
        subject="00u1dana",
        claims=claims(email_verified=verified),
        match_verified_email=allowed,
    )
    assert (user.pk == local.pk) is links
    assert SsoIdentity.objects.get(issuer=ISSUER, subject="00u1dana").user_id == user.pk
    assert User.objects.count() == (1 if links else 2)


@pytest.mark.parametrize("who", ["guild_rep", "superuser", "staff"])
def test_a_guild_representatives_or_an_operators_account_is_never_linked_by_e_mail(who):
    """The studio's provider vouches for the studio's people, not for a guild's (the guild is
    outside the studio) nor for those who run the deployment: an address it says it verified must
    not hand their accounts, past the second factor they sign in with, to whoever holds it there."""
    local = User.objects.create_user(
        "rep", email="dana@harbour.example", password="a-long-local-pw-2026", is_superuser=who == "superuser"
    )
    if who == "staff":
        local.is_staff = True
        local.save(update_fields=["is_staff"])
    if who == "guild_rep":
        guild = services.guild_create(actor=None, name="SAG-AFTRA", abbreviation="SAG-AFTRA")
        services.role_grant(actor=None, user=local, kind="guild_rep", guild=guild)
    user = services.sso_sign_in(
        issuer=ISSUER, subject="00u1dana", claims=claims(email_verified=True), match_verified_email=True
    )
    assert user.pk != local.pk
    assert not SsoIdentity.objects.filter(user=local).exists()
    assert not Role.objects.filter(user=user).exists()


def test_two_accounts_with_the_address_link_neither():
    User.objects.create_user("dana1", email="dana@harbour.example")
    User.objects.create_user("dana2", email="dana@harbour.example")
    user = services.sso_sign_in(
        issuer=ISSUER, subject="00u1dana", claims=claims(email_verified=True), match_verified_email=True
    )
    assert user.username == "dana.okafor"
    assert User.objects.count() == 3


def test_an_account_already_linked_at_this_provider_is_not_taken_by_another_subject():
    local = User.objects.create_user("dokafor", email="dana@harbour.example")
    SsoIdentity.objects.create(user=local, issuer=ISSUER, subject="00u1dana")
    user = services.sso_sign_in(
        issuer=ISSUER, subject="00u9else", claims=claims(email_verified=True), match_verified_email=True
    )
    assert user.pk != local.pk


@pytest.mark.django_db(transaction=True)
def test_two_first_sign_ins_at_once_make_one_account():
    import threading

    from django.db import connection

    barrier, found = threading.Barrier(2), []

    def sign_in():
        try:
            barrier.wait()
            found.append(services.sso_sign_in(issuer=ISSUER, subject="00u1dana", claims=claims()).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_in) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(found) == 2 and found[0] == found[1]
    assert User.objects.count() == 1
    assert SsoIdentity.objects.count() == 1
