"""Who may see and do what. Written once; the API, the admin and the portal all call these.

- A studio admin acts on every production of the studio.
- Clearance, producers and auditors act on the productions they belong to.
- A guild representative sees only the consent records of the guild's members, nothing else.
- Records of a production the user cannot see answer 404, not 403, so they do not reveal that
  they exist. A visible record the user may not change answers 403.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from . import vocab
from .models import ConsentRecord, GuildMembership, Production, Talent

# What each role may do on a production.
READ_ROLES = {vocab.ROLE_STUDIO_ADMIN, vocab.ROLE_CLEARANCE, vocab.ROLE_PRODUCER, vocab.ROLE_AUDITOR}
CLEARANCE_ROLES = {vocab.ROLE_STUDIO_ADMIN, vocab.ROLE_CLEARANCE}
SHOT_ROLES = {vocab.ROLE_STUDIO_ADMIN, vocab.ROLE_CLEARANCE, vocab.ROLE_PRODUCER}
# Who may export a whole production's audits (each shot's audit any reader may download).
EXPORT_ROLES = CLEARANCE_ROLES | {vocab.ROLE_AUDITOR}


@dataclass
class RoleSet:
    """The roles one user holds now, resolved once per request."""

    superuser: bool = False
    studios: set[int] = field(default_factory=set)  # studio admin of
    productions: dict[int, set[str]] = field(default_factory=dict)  # production id -> roles
    guilds: set[int] = field(default_factory=set)

    @property
    def any_studio_role(self) -> bool:
        return self.superuser or bool(self.studios or self.productions)


# Every request asks this once: written out, it costs a third of what the ORM takes to build it.
# The gate's own read (rightsledger.selectors.gate_reads) asks it in the same statement as the rest.
ROLES_SQL = (
    "SELECT r.kind, r.studio_id, r.production_id, r.guild_id FROM rightsledger_role r "
    "WHERE r.user_id = %s AND r.status = 'active' "
    "AND NOT EXISTS (SELECT 1 FROM rightsledger_role n WHERE n.replaces_id = r.id)"
)


def roles_of(user) -> RoleSet:
    """Return the roles the user holds now (the current version of each, while active), cached on
    the user object for the request."""
    if user is None or not user.is_authenticated:
        return RoleSet()
    cached = getattr(user, "_rl_roles", None)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(ROLES_SQL, [user.pk])
        held = cursor.fetchall()
    admin_studios = {studio_id for kind, studio_id, _, _ in held if kind == vocab.ROLE_STUDIO_ADMIN}
    admin_productions = (
        Production.objects.filter(studio_id__in=admin_studios).values_list("id", flat=True)
        if admin_studios
        else ()
    )
    return remember_roles(user, held, admin_productions)


def remember_roles(user, held, admin_productions) -> RoleSet:
    """Resolve and cache for the request the roles read: the rows of ROLES_SQL, and the
    productions of the studios they make the user admin of."""
    roles = RoleSet(superuser=user.is_superuser)
    for kind, studio_id, production_id, guild_id in held:
        if kind == vocab.ROLE_STUDIO_ADMIN:
            roles.studios.add(studio_id)
        elif kind == vocab.ROLE_GUILD_REP:
            roles.guilds.add(guild_id)
        else:
            roles.productions.setdefault(production_id, set()).add(kind)
    for pid in admin_productions:
        roles.productions.setdefault(pid, set()).add(vocab.ROLE_STUDIO_ADMIN)
    user._rl_roles = roles
    return roles


def production_ids(user, roles: set[str] = READ_ROLES) -> set[int] | None:
    """Return the ids of productions where the user holds one of roles; None means all."""
    mine = roles_of(user)
    if mine.superuser:
        return None
    return {pid for pid, held in mine.productions.items() if held & roles}


def holds(user, production, roles: set[str] = READ_ROLES) -> bool:
    """Return whether the user holds one of roles on the production."""
    ids = production_ids(user, roles)
    return ids is None or (production.pk if hasattr(production, "pk") else production) in ids


def filter_by_production(
    qs: QuerySet, user, field_name: str = "production", roles: set[str] = READ_ROLES
) -> QuerySet:
    """Restrict a queryset to rows of productions the user may see."""
    ids = production_ids(user, roles)
    if ids is None:
        return qs
    return qs.filter(**{f"{field_name}__in": ids})


def studio_ids(user) -> set[int] | None:
    """Return the studios where the user holds any production role; None means all."""
    roles = roles_of(user)
    if roles.superuser:
        return None
    ids = set(roles.studios)
    if roles.productions:
        ids |= set(Production.objects.filter(id__in=roles.productions).values_list("studio_id", flat=True))
    return ids


def require(user, production, roles: set[str], action: str = "do this") -> None:
    """Raise unless the user holds one of roles on the production (404 if it is not visible)."""
    mine = roles_of(user)
    if mine.superuser:
        return
    held = mine.productions.get(production.pk if hasattr(production, "pk") else production, set())
    if not held:
        raise Http404("No such production.")
    if not held & roles:
        wanted = " or ".join(sorted(r.replace("_", " ") for r in roles))
        raise PermissionDenied(f"Only a {wanted} of this production may {action}.")


def require_record_change(user, production, action: str) -> None:
    """Raise PermissionDenied unless the user may amend or revoke a versioned record they can see:
    a clearance user or studio admin of its production, or, for a record of no production, one who
    may register talent. The record is visible to the caller, so one who may not change it is told
    so (403), not that it does not exist."""
    if production is not None:
        if not holds(user, production, CLEARANCE_ROLES):
            raise PermissionDenied(f"Only a clearance user or studio admin of this production may {action}.")
    elif not can_register_talent(user):
        raise PermissionDenied(f"Only clearance users and studio admins may {action}.")


def require_studio(user, studio_id: int, action: str) -> None:
    """Raise unless the user is a studio admin of the studio (or clearance on one of its productions)."""
    roles = roles_of(user)
    if roles.superuser or studio_id in roles.studios:
        return
    clearance_studios = set(
        Production.objects.filter(
            id__in=[pid for pid, held in roles.productions.items() if vocab.ROLE_CLEARANCE in held]
        ).values_list("studio_id", flat=True)
    )
    if studio_id in clearance_studios:
        return
    require_studio_visible(user, studio_id)
    raise PermissionDenied(f"Only a studio admin or clearance user of this studio may {action}.")


def can_register_talent(user) -> bool:
    """Return whether the user may register talent: a studio admin, or clearance anywhere."""
    roles = roles_of(user)
    return (
        roles.superuser
        or bool(roles.studios)
        or any(vocab.ROLE_CLEARANCE in held for held in roles.productions.values())
    )


def consents_visible(user, qs: QuerySet | None = None) -> QuerySet:
    """Consent records the user may see: their productions', or their guild's members'."""
    qs = ConsentRecord.objects.all() if qs is None else qs
    roles = roles_of(user)
    if roles.superuser:
        return qs
    q = Q(production_id__in=[pid for pid, held in roles.productions.items() if held & READ_ROLES])
    if roles.guilds:
        q |= Q(talent__memberships__guild_id__in=roles.guilds)
    return qs.filter(q).distinct() if roles.guilds else qs.filter(q)


def can_read_consent_terms(user, consent) -> bool:
    """Return whether the user may read what a consent's compensation and residual terms are:
    clearance (or a studio admin) of its production, or a representative of a guild the performer
    belongs to. Producers and auditors see only that the terms are on record (one query for a
    guild representative, none for anyone else)."""
    roles = roles_of(user)
    if roles.superuser or holds(user, consent.production_id, CLEARANCE_ROLES):
        return True
    if not roles.guilds:
        return False
    return GuildMembership.objects.filter(talent_id=consent.talent_id, guild_id__in=roles.guilds).exists()


def talent_visible(user, qs: QuerySet | None = None) -> QuerySet:
    """Talent the user may see: all, for studio staff; the guild's members, for a guild rep."""
    qs = Talent.objects.all() if qs is None else qs
    roles = roles_of(user)
    if roles.any_studio_role:
        return qs
    if roles.guilds:
        return qs.filter(memberships__guild_id__in=roles.guilds).distinct()
    return qs.none()


def require_production_creator(user, studio_id: int) -> None:
    """Raise unless the user may create a production in the studio: its studio admin."""
    roles = roles_of(user)
    if roles.superuser or studio_id in roles.studios:
        return
    require_studio_visible(user, studio_id)
    raise PermissionDenied("Only a studio admin may create productions.")


def require_operator(user, action: str) -> None:
    """Raise unless the user is the service's operator (a superuser)."""
    if not roles_of(user).superuser:
        raise PermissionDenied(f"Only a superuser (the service's operator) may {action}.")


def require_studio_creator(user) -> None:
    require_operator(user, "create studios")


def require_guild_registrar(user) -> None:
    """Raise unless the user is a studio admin somewhere."""
    roles = roles_of(user)
    if not (roles.superuser or roles.studios):
        raise PermissionDenied("Only a studio admin may register guilds.")


def require_studio_visible(user, studio_id: int) -> None:
    """Raise Http404 unless the user holds a role in the studio."""
    visible = studio_ids(user)
    if visible is not None and studio_id not in visible:
        raise Http404("No such studio.")


def require_witness_guild(user, guild_id: int | None = None) -> int:
    """Return the guild the user witnesses checkpoints for (the given one, or their first);
    raise unless the user is a representative of it."""
    guilds = roles_of(user).guilds
    if not guilds:
        raise PermissionDenied("Only a guild representative witnesses checkpoints.")
    if guild_id is None:
        return min(guilds)
    if guild_id not in guilds:
        raise Http404("No such guild.")
    return guild_id


def second_factor_required(user) -> bool:
    """Return whether the user's roles need a second factor to sign in with a local account
    (OTP_REQUIRED_ROLES: studio admins, clearance and guild representatives by default; a
    superuser counts as a studio admin). Those who sign in through the studio's provider are
    exempted by the portal (portal.auth.signs_in_elsewhere), not here."""
    wanted = set(settings.OTP_REQUIRED_ROLES)
    if not wanted or user is None or not user.is_authenticated:
        return False
    roles = roles_of(user)
    held = set().union(*roles.productions.values()) if roles.productions else set()
    if roles.studios or roles.superuser:
        held.add(vocab.ROLE_STUDIO_ADMIN)
    if roles.guilds:
        held.add(vocab.ROLE_GUILD_REP)
    return bool(held & wanted)
