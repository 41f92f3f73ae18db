"""Single sign-on: the account a person reaches through the studio's OpenID Connect provider.

Signing in grants nothing. A person the provider vouches for gets an account, and the account
holds the roles a studio admin granted it in Rightsledger (rightsledger.services.roles), each on
the ledger; a first sign-in makes an account with none.
"""

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import access
from ..models import SsoIdentity

_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")
USERNAME_MAX = 150


def _username_for(claims: dict) -> str:
    """Return a user name no one holds yet, from the provider's preferred user name or the
    e-mail address's local part ("dana.okafor", then "dana.okafor-2")."""
    wanted = claims.get("preferred_username") or (claims.get("email") or "").split("@")[0] or "sso-user"
    base = _USERNAME_UNSAFE.sub("-", str(wanted))[: USERNAME_MAX - 8] or "sso-user"
    users = get_user_model().objects
    name, n = base, 1
    while users.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _names(claims: dict) -> dict:
    """Return the user fields the provider's claims fill: given and family name, e-mail."""
    fields = {}
    for field, claim in (("first_name", "given_name"), ("last_name", "family_name"), ("email", "email")):
        value = claims.get(claim)
        if isinstance(value, str) and value:
            fields[field] = value[:150] if field != "email" else value[:254]
    if "first_name" not in fields and isinstance(claims.get("name"), str) and claims["name"]:
        fields["first_name"] = claims["name"][:150]
    return fields


def _by_verified_email(issuer: str, claims: dict):
    """Return the one existing user with the claims' e-mail address, where the provider says it
    verified that address and the user has no other account at this provider; else None.

    Never a guild representative's account (the guild is outside the studio, whose provider
    does not vouch for its people) nor an operator's (superuser or staff): a linked account signs in
    through the provider alone, past the second factor it had here."""
    email = claims.get("email")
    if not email or claims.get("email_verified") is not True:
        return None
    matches = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
    if len(matches) != 1 or matches[0].sso_identities.filter(issuer=issuer).exists():
        return None
    user = matches[0]
    if user.is_superuser or user.is_staff or access.roles_of(user).guilds:
        return None
    return user


def _account_create(issuer: str, subject: str, claims: dict):
    """Make the account of a first sign-in; return it, or (None, the identity) where the same
    person's other first sign-in made theirs meanwhile (its user name insert waits for that one's
    commit, then fails)."""
    for _ in range(5):
        try:
            with transaction.atomic():
                return get_user_model().objects.create_user(_username_for(claims), password=None), None
        except IntegrityError:
            identity = SsoIdentity.objects.filter(issuer=issuer, subject=subject).first()
            if identity is not None:
                return None, identity
    raise IntegrityError("No free user name was found for a first sign-in after five tries.")


def sso_sign_in(*, issuer: str, subject: str, claims: dict, match_verified_email: bool = False):
    """Return the user the provider's `issuer` knows as `subject`, making the account on a first
    sign-in (with no role, and no password of ours), and keep its name and e-mail address as the
    provider gives them.

    A first sign-in is linked to an existing account only when match_verified_email is on, the
    provider verified the e-mail address, and exactly one account has it, neither a guild
    representative's nor an operator's (_by_verified_email). Two first sign-ins at
    once make one account (the unique issuer and subject), whichever commits first."""
    created = False
    with transaction.atomic():
        identity = SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
        if identity is None:
            user = _by_verified_email(issuer, claims) if match_verified_email else None
            created = user is None
            if created:
                user, identity = _account_create(issuer, subject, claims)
        if identity is None:
            try:
                with transaction.atomic():
                    identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
            except IntegrityError:
                # Someone else's first sign-in as the same person committed first: use theirs.
                identity = SsoIdentity.objects.select_related("user").get(issuer=issuer, subject=subject)
                if created:
                    user.delete()
        user = identity.user
        fields = {k: v for k, v in _names(claims).items() if getattr(user, k) != v}
        if fields:
            for k, v in fields.items():
                setattr(user, k, v)
            user.save(update_fields=list(fields))
        identity.last_sign_in_at = timezone.now()
        identity.save(update_fields=["last_sign_in_at"])
    return user
