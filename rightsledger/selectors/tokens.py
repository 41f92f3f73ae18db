"""API tokens for machines: whose tokens a user may see and revoke, and each token's state.

Who manages whose: a user sees and revokes their own tokens; a studio admin, those of every user
holding a role in the studio; a clearance user, those of every user holding a role on a production
where they are clearance. That is the rule of rightsledger.access for records (a clearance user
or studio admin of a production amends and revokes its records): a token is a user's reach into
those productions, and whoever may revoke a record there may cut off a machine's reach there.
They may revoke, never make, another's token. A guild representative's tokens are theirs alone:
the guild is outside the studio."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .. import access, vocab
from ..models import ApiToken, Role


def token_state(token: ApiToken, now: datetime.datetime | None = None) -> str:
    """Return "revoked", "expired" or "active"."""
    now = now or timezone.now()
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= now else "active"


def token_managed_user_ids(viewer) -> set[int] | None:
    """Return the ids of users whose tokens the viewer may see and revoke (the viewer among them);
    None means everyone's (a superuser)."""
    roles = access.roles_of(viewer)
    if roles.superuser:
        return None
    productions = access.production_ids(viewer, access.CLEARANCE_ROLES) or set()
    ids = {viewer.pk}
    if productions or roles.studios:
        held = Role.objects.filter(replaced_by__isnull=True, status="active").filter(
            Q(production_id__in=productions)
            | Q(kind=vocab.ROLE_STUDIO_ADMIN, studio_id__in=roles.studios)
            | Q(production__studio_id__in=roles.studios)
        )
        ids |= set(held.values_list("user_id", flat=True))
    return ids


def tokens_for(viewer) -> QuerySet:
    """Return the tokens the viewer may see: their own and those of the users they manage, newest
    first, with their users."""
    qs = ApiToken.objects.select_related("user", "created_by", "revoked_by")
    ids = token_managed_user_ids(viewer)
    return qs if ids is None else qs.filter(user_id__in=ids)


def can_revoke_token(viewer, token: ApiToken) -> bool:
    """Return whether the viewer may revoke the token."""
    ids = token_managed_user_ids(viewer)
    return ids is None or token.user_id in ids


def legacy_token_of(user) -> Token | None:
    """Return the user's older, unscoped API token, if they still have one."""
    return Token.objects.filter(user=user).first()


def user_named(user) -> str:
    """Return a user as a page names them: their full name, or their user name."""
    if user is None:
        return "someone no longer here"
    return user.get_full_name() or user.get_username()
