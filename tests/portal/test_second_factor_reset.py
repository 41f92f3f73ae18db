"""A studio admin resets the second factor of one of the studio's people who lost every device:
after a confirmation page, their apps, passkeys and recovery codes are gone, they are told, and the
next sign-in makes them set up a new one. Another studio's admin, and anyone who is not a studio
admin, is refused in words, and nothing is removed."""

import html

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from rightsledger import services, vocab
from rightsledger.models import LedgerEntry, Notification

from .test_two_factor import _app, _code, _recovery, _signed_in, _with_password, people  # noqa: F401

pytestmark = pytest.mark.two_factor


def _verified(user):
    """A browser signed in as the user, past the second step with their app."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or _app(user)
    client = _signed_in(user)
    assert client.post("/account/two-factor/sign-in/", {"code": _code(device)}).status_code == 302
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _lost_everything(user):
    """The clearance user's phone app, laptop passkey and recovery codes: all lost."""
    _app(user)
    WebAuthnCredential.objects.create(
        user=user, name="Laptop", confirmed=True, credential_id=b"c" * 16, public_key=b"k", sign_count=0
    )
    _recovery(user)


def test_a_studio_admin_resets_a_persons_second_factor_and_they_must_enrol_again(people):  # noqa: F811
    people.admin.first_name, people.admin.last_name = "Dana", "Okafor"
    people.admin.save()
    people.clearance.first_name, people.clearance.last_name = "Sam", "Rivera"
    people.clearance.save()
    _lost_everything(people.clearance)
    entries = LedgerEntry.objects.count()
    admin = _verified(people.admin)

    listing = _text(admin.get("/studio/people/"))
    assert "Sam Rivera" in listing and "1 app or passkey" not in listing
    assert "2 apps or passkeys, 2 recovery codes left" in listing
    assert f"/studio/people/{people.clearance.pk}/second-factor/reset/" in listing
    assert "Okafor" not in listing.split("<main")[1]  # the admin is not among the people

    confirm = admin.get(f"/studio/people/{people.clearance.pk}/second-factor/reset/")
    assert confirm.status_code == 200
    page = _text(confirm)
    assert "Reset the second factor of Sam Rivera" in page
    assert (
        "This removes 2 authenticator apps or passkeys (“Dana's phone”, “Laptop”) and 2 unused "
        "recovery codes: from then on, they no longer sign in to this account." in page
    )
    # The confirmation removed nothing.
    assert TOTPDevice.objects.filter(user=people.clearance).count() == 1

    done = admin.post(f"/studio/people/{people.clearance.pk}/second-factor/reset/")
    assert done.status_code == 302
    assert done["Location"] == f"/studio/people/?reset={people.clearance.pk}"
    assert "The second factor was reset" in _text(admin.get(done["Location"]))
    assert not TOTPDevice.objects.filter(user=people.clearance).exists()
    assert not WebAuthnCredential.objects.filter(user=people.clearance).exists()
    assert not StaticDevice.objects.filter(user=people.clearance).exists()
    (told,) = Notification.objects.filter(user=people.clearance)
    assert told.subject == "Your second factor was reset"
    assert "Dana Okafor, studio admin, removed your authenticator apps" in told.body
    after = _text(admin.get(f"/studio/people/{people.clearance.pk}/second-factor/reset/"))
    assert (
        "Sam Rivera has no authenticator app, passkey or recovery code: there is nothing to reset." in after
    )
    assert '<form method="post">' not in after.split("<main")[1]
    # A credential, not a fact of the ledger: nothing was appended.
    assert LedgerEntry.objects.count() == entries

    # Signing in again, the person is sent to set up a new second factor before anything else.
    again = _signed_in(people.clearance)
    assert again.get("/productions/")["Location"].startswith("/account/two-factor/set-up/")
    assert again.get("/account/two-factor/set-up/").status_code == 200


def test_another_studios_admin_is_refused_and_nothing_is_removed(people, world):  # noqa: F811
    _lost_everything(people.clearance)
    elsewhere = _with_password(get_user_model().objects.create_user("ines", first_name="Inès"))
    services.role_grant(actor=None, user=elsewhere, kind=vocab.ROLE_STUDIO_ADMIN, studio=world.other_studio)
    client = _verified(elsewhere)
    path = f"/studio/people/{people.clearance.pk}/second-factor/reset/"

    for answer in (client.get(path), client.post(path)):
        assert answer.status_code == 404
        assert "holds no role in a studio you are admin of" in _text(answer)
    missing = client.get("/studio/people/987654321/second-factor/reset/")
    assert missing.status_code == 404  # as for nobody at all
    assert (
        "Rivera" not in _text(client.get("/studio/people/"))
        and "clearance" not in _text(client.get("/studio/people/")).split("<main")[1]
    )

    assert TOTPDevice.objects.filter(user=people.clearance).count() == 1
    assert WebAuthnCredential.objects.filter(user=people.clearance).count() == 1
    assert StaticDevice.objects.filter(user=people.clearance).exists()
    assert not Notification.objects.filter(user=people.clearance).exists()


def test_one_who_is_not_a_studio_admin_is_refused_in_words(people):  # noqa: F811
    _lost_everything(people.producer_a)
    clearance = _verified(people.clearance)
    path = f"/studio/people/{people.producer_a.pk}/second-factor/reset/"
    for answer in (clearance.get(path), clearance.post(path), clearance.get("/studio/people/")):
        assert answer.status_code == 403
        assert "Only a studio admin may see the studio's people and reset a second factor" in _text(answer)
    assert TOTPDevice.objects.filter(user=people.producer_a).count() == 1
    assert "/studio/people/" not in _text(clearance.get("/account/two-factor/"))  # not in the menu


def test_the_reset_needs_the_forms_csrf_token(people):  # noqa: F811
    from django.test import Client

    _lost_everything(people.clearance)
    device = _app(people.admin)
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.admin)
    session = client.session
    session["otp_device_id"] = device.persistent_id  # past the second step
    session.save()
    assert client.get("/studio/people/").status_code == 200
    refused = client.post(f"/studio/people/{people.clearance.pk}/second-factor/reset/")
    assert refused.status_code == 403
    assert TOTPDevice.objects.filter(user=people.clearance).exists()


@pytest.mark.parametrize("beyond", ["another_studio", "guild", "operator"])
def test_no_one_whose_roles_go_beyond_the_admins_studio_is_reset_by_its_admin(people, world, beyond):  # noqa: F811
    # A reset leaves the account to its password: a studio admin must not reach one whose roles
    # reach records the admin's studio does not hold.
    person = people.clearance
    if beyond == "another_studio":
        services.role_grant(actor=None, user=person, kind=vocab.ROLE_STUDIO_ADMIN, studio=world.other_studio)
    elif beyond == "guild":
        services.role_grant(actor=None, user=person, kind=vocab.ROLE_GUILD_REP, guild=world.guild)
    else:
        person.is_staff = True
        person.save()
    _lost_everything(person)
    admin = _verified(people.admin)
    path = f"/studio/people/{person.pk}/second-factor/reset/"
    assert path not in _text(admin.get("/studio/people/"))
    for answer in (admin.get(path), admin.post(path)):
        assert answer.status_code == 404
        assert "holds roles beyond your studios" in _text(answer)
    assert TOTPDevice.objects.filter(user=person).count() == 1
    assert StaticDevice.objects.filter(user=person).exists()
