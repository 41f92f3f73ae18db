"""Who may see and do what. Written once; the API, the admin and the portal all call these.

- A studio admin acts on every production of the studio.
- Clearance, producers and auditors act on the productions they belong to.
- A guild representative sees only the consent records of the guild's members, nothing else.
- Records of a production the user cannot see answer 404, not 403, so they do not reveal that
  they exist. A visible record the user may not change answers 403.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from . import vocab
from .models import ConsentRecord, Production, Role, Talent

# What each role may do on a production.
READ_ROLES = {vocab.ROLE_STUDIO_ADMIN, vocab.ROLE_CLEARANCE, vocab.ROLE_PRODUCER, vocab.ROLE_AUDITOR}
CLEARANCE_ROLES = {vocab.ROLE_STUDIO_ADMIN, vocab.ROLE_CLEARANCE}
SHOT_ROLES = {vocab.ROLE_STUDIO_ADMIN, vocab.ROLE_CLEARANCE, vocab.ROLE_PRODUCER}


@dataclass
class Grants:
    """The roles of one user, resolved once per request."""

    superuser: bool = False
    studios: set[int] = field(default_factory=set)  # studio admin of
    productions: dict[int, set[str]] = field(default_factory=dict)  # production id -> roles
    guilds: set[int] = field(default_factory=set)

    @property
    def any_studio_role(self) -> bool:
        return self.superuser or bool(self.studios or self.productions)


def roles_of(user) -> Grants:
    """Return the user's roles, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return Grants()
    cached = getattr(user, "_rl_grants", None)
    if cached is not None:
        return cached
    grants = Grants(superuser=user.is_superuser)
    admin_studios = set()
    for kind, studio_id, production_id, guild_id in Role.objects.filter(user=user).values_list(
        "kind", "studio_id", "production_id", "guild_id"
    ):
        if kind == vocab.ROLE_STUDIO_ADMIN:
            admin_studios.add(studio_id)
        elif kind == vocab.ROLE_GUILD_REP:
            grants.guilds.add(guild_id)
        else:
            grants.productions.setdefault(production_id, set()).add(kind)
    if admin_studios:
        grants.studios = admin_studios
        for pid in Production.objects.filter(studio_id__in=admin_studios).values_list("id", flat=True):
            grants.productions.setdefault(pid, set()).add(vocab.ROLE_STUDIO_ADMIN)
    user._rl_grants = grants
    return grants


def production_ids(user, roles: set[str] = READ_ROLES) -> set[int] | None:
    """Return the ids of productions where the user holds one of roles; None means all."""
    grants = roles_of(user)
    if grants.superuser:
        return None
    return {pid for pid, held in grants.productions.items() if held & roles}


def filter_by_production(qs: QuerySet, user, field_name: str = "production", roles: set[str] = READ_ROLES) -> QuerySet:
    """Restrict a queryset to rows of productions the user may see."""
    ids = production_ids(user, roles)
    if ids is None:
        return qs
    return qs.filter(**{f"{field_name}__in": ids})


def studio_ids(user) -> set[int] | None:
    """Return the studios where the user holds any production role; None means all."""
    grants = roles_of(user)
    if grants.superuser:
        return None
    ids = set(grants.studios)
    if grants.productions:
        ids |= set(Production.objects.filter(id__in=grants.productions).values_list("studio_id", flat=True))
    return ids


def require(user, production, roles: set[str], action: str = "do this") -> None:
    """Raise unless the user holds one of roles on the production (404 if it is not visible)."""
    grants = roles_of(user)
    if grants.superuser:
        return
    held = grants.productions.get(production.pk if hasattr(production, "pk") else production, set())
    if not held:
        raise Http404("No such production.")
    if not held & roles:
        wanted = " or ".join(sorted(r.replace("_", " ") for r in roles))
        raise PermissionDenied(f"Only a {wanted} of this production may {action}.")


def require_studio(user, studio_id: int, action: str) -> None:
    """Raise unless the user is a studio admin of the studio (or clearance on one of its productions)."""
    grants = roles_of(user)
    if grants.superuser or studio_id in grants.studios:
        return
    clearance_studios = set(
        Production.objects.filter(
            id__in=[pid for pid, held in grants.productions.items() if vocab.ROLE_CLEARANCE in held]
        ).values_list("studio_id", flat=True)
    )
    if studio_id in clearance_studios:
        return
    visible = studio_ids(user)
    if visible is not None and studio_id not in visible:
        raise Http404("No such studio.")
    raise PermissionDenied(f"Only a studio admin or clearance user of this studio may {action}.")


def can_register_talent(user) -> bool:
    grants = roles_of(user)
    return grants.superuser or bool(grants.studios) or any(
        vocab.ROLE_CLEARANCE in held for held in grants.productions.values()
    )


def consents_visible(user, qs: QuerySet | None = None) -> QuerySet:
    """Consent records the user may see: their productions', or their guild's members'."""
    qs = ConsentRecord.objects.all() if qs is None else qs
    grants = roles_of(user)
    if grants.superuser:
        return qs
    q = Q(production_id__in=[pid for pid, held in grants.productions.items() if held & READ_ROLES])
    if grants.guilds:
        q |= Q(talent__memberships__guild_id__in=grants.guilds)
    return qs.filter(q).distinct() if grants.guilds else qs.filter(q)


def talent_visible(user, qs: QuerySet | None = None) -> QuerySet:
    """Talent the user may see: all, for studio staff; the guild's members, for a guild rep."""
    qs = Talent.objects.all() if qs is None else qs
    grants = roles_of(user)
    if grants.any_studio_role:
        return qs
    if grants.guilds:
        return qs.filter(memberships__guild_id__in=grants.guilds).distinct()
    return qs.none()


def is_guild_rep_only(user) -> bool:
    grants = roles_of(user)
    return bool(grants.guilds) and not grants.any_studio_role
