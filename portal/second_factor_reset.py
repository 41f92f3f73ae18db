"""A studio admin resets the second factor of one of the studio's people who lost every device:
their authenticator apps, passkeys and recovery codes are removed, and the next time they sign in
they set up a new one (portal.auth.SecondFactorMiddleware sends them to it).

Not a ledger entry: a second factor is a credential, as a password or an API token is
(rightsledger.services.tokens), and what the person may do is their roles, which are on the ledger.
The person is told, in the portal and by e-mail, who reset it and when, so a reset they did not ask
for does not go unnoticed."""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice

from rightsledger import access, services
from rightsledger.models import Role

from . import two_factor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonFactors:
    """One of a studio's people, as the people page lists them: their second factors counted."""

    user: object
    devices: list
    codes_left: int


def require_people_admin(actor) -> None:
    """Raise PermissionDenied, in words, unless the actor is a studio admin (or the operator)."""
    roles = access.roles_of(actor)
    if not (roles.superuser or roles.studios):
        raise PermissionDenied(
            "Only a studio admin may see the studio's people and reset a second factor. Ask your "
            "studio's admin if someone has lost their phone or passkey."
        )


def people_of(actor) -> QuerySet:
    """Return the people whose every current role is in a studio the actor is admin of (on the
    studio or on one of its productions), the actor aside; every one with a role, for the operator.

    A reset leaves an account to its password until a new second factor is set up, by whoever
    holds the password: so a studio admin reaches no one whose roles go beyond their studios (a
    guild representative, another studio's people, an operator), only the operator does."""
    roles = access.roles_of(actor)
    held = Role.objects.filter(status="active", replaced_by__isnull=True)
    people = get_user_model().objects.filter(is_active=True)
    if not roles.superuser:
        inside = Q(studio_id__in=roles.studios) | Q(production__studio_id__in=roles.studios)
        people = people.exclude(pk__in=held.exclude(inside).values("user_id")).filter(
            is_superuser=False, is_staff=False
        )
        held = held.filter(inside)
    return (
        people.filter(pk__in=held.values("user_id"))
        .exclude(pk=actor.pk)
        .order_by("first_name", "last_name", "username")
    )


def people_factors(actor) -> list[PersonFactors]:
    """Return the actor's studio people with their second factors (two queries a person)."""
    return [
        PersonFactors(u, two_factor.devices_of(u), two_factor.recovery_codes_left(u))
        for u in people_of(actor)
    ]


def second_factor_reset(*, actor, person) -> int:
    """Remove every authenticator app, passkey and recovery code of the person, tell them who did,
    and return how many devices were removed (recovery codes not counted). The caller has found the
    person among people_of(actor)."""
    require_people_admin(actor)
    if not people_of(actor).filter(pk=person.pk).exists():
        raise PermissionDenied("This person holds no role in a studio you are admin of.")
    who = actor.get_full_name() or actor.username
    with transaction.atomic():
        removed = 0
        for model in two_factor.KINDS.values():
            removed += model.objects.filter(user=person).delete()[1].get(model._meta.label, 0)
        StaticDevice.objects.filter(user=person).delete()
        services.notify(
            users=[person],
            subject="Your second factor was reset",
            body=(
                f"{who}, studio admin, removed your authenticator apps, passkeys and recovery codes. "
                "The next time you sign in, you will set up a new second factor. If you did not ask "
                f"for this, tell {who} or your studio's IT at once."
            ),
            link="/account/two-factor/",
        )
    log.info("Second factor of user %s reset by user %s (%s devices)", person.pk, actor.pk, removed)
    return removed
