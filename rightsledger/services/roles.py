"""Roles: who may do what, and where. A role is a versioned record like a grant: granted and
revoked by new versions, each with its ledger entry."""

from django.contrib.auth import get_user_model
from django.db import transaction

from .. import validation as v
from .. import vocab
from ..errors import Errors
from ..models import Guild, Production, Role, Studio
from .records import Kind, current_versions, record_create, record_revoke

ROLE_SCOPES = {
    vocab.ROLE_STUDIO_ADMIN: "studio",
    vocab.ROLE_CLEARANCE: "production",
    vocab.ROLE_PRODUCER: "production",
    vocab.ROLE_AUDITOR: "production",
    vocab.ROLE_GUILD_REP: "guild",
}


def _clean_role(data: dict) -> dict:
    return dict(data)


ROLE = Kind(Role, set(), _clean_role)


def role_grant(
    *,
    actor,
    user,
    kind: str,
    studio: Studio | None = None,
    production: Production | None = None,
    guild: Guild | None = None,
) -> Role:
    """Grant a user a role on a studio, a production or a guild, and return it. A role the user
    already holds is returned as it is, with nothing written."""
    errors = Errors()
    scope = {"studio": studio, "production": production, "guild": guild}
    if v.choice(errors, "kind", kind, vocab.ROLES) in ROLE_SCOPES:
        wanted = ROLE_SCOPES[kind]
        if scope[wanted] is None:
            errors.add(
                wanted,
                "required",
                f"A {kind.replace('_', ' ')} role is held on a {wanted}: give the {wanted}.",
            )
        for name, value in scope.items():
            if name != wanted and value is not None:
                errors.add(
                    name,
                    "role_scope_mismatch",
                    f"A {kind.replace('_', ' ')} role is held on a {wanted}, not a {name}.",
                )
    errors.raise_if_any()
    with transaction.atomic():
        # One grant at a time per user, so two concurrent grants of one role make one record.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        held = current_versions(Role).filter(user=user, kind=kind, status="active", **scope).first()
        if held is not None:
            return held
        return record_create(ROLE, actor=actor, data={"user": user, "kind": kind, **scope})


def role_revoke(*, actor, role: Role, reason: str) -> Role:
    """Revoke a role by a new version; return it."""
    return record_revoke(ROLE, actor=actor, record=role, reason=reason)
