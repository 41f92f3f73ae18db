"""The pages a user lands on: the start page of each role and clearance's dashboard."""

from dataclasses import dataclass

from generation import selectors as gen_selectors
from rightsledger import access, vocab
from rightsledger import selectors as rl_selectors
from rightsledger.models import Role


def start_page(user) -> tuple[str, dict] | None:
    """Return the URL name and arguments of a signed-in user's start page: clearance its queue, a
    producer their first production's shots, a guild its members' consents, any other role the
    productions; None for a user who holds no role."""
    roles = access.roles_of(user)
    held = set().union(*roles.productions.values()) if roles.productions else set()
    if roles.superuser or held & access.CLEARANCE_ROLES:
        return "portal:clearance", {}
    if vocab.ROLE_PRODUCER in held:
        producing = sorted(pid for pid, r in roles.productions.items() if vocab.ROLE_PRODUCER in r)
        return "portal:shots", {"production": producing[0]}
    if roles.guilds:
        return "portal:guild_consents", {}
    if held:
        return "portal:productions", {}
    return None


@dataclass(frozen=True)
class Admin:
    """A studio admin, as the page for a user with no role names them."""

    name: str
    email: str
    studio: str


@dataclass(frozen=True)
class NoRolePage:
    """What a signed-in user with no role is told: who they are signed in as, and whom to ask."""

    name: str
    email: str
    through_sso: bool
    admins: list[Admin]
    # Where several studios share this service, a person with no role is told only of the admins
    # of their own studio, known by their e-mail address's domain: no studio learns who else is here.
    others_withheld: bool = False


def _domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower() if "@" in (email or "") else ""


def no_role_page(user) -> NoRolePage:
    """Return the page for a user who holds no role: the studio admins who can grant one (active
    accounts holding the current, active version of a studio admin role), by studio and name. Where
    several studios use the service, only the admins whose e-mail address has the user's domain."""
    held = (
        Role.objects.filter(
            kind=vocab.ROLE_STUDIO_ADMIN, status="active", replaced_by__isnull=True, user__is_active=True
        )
        .select_related("user", "studio")
        .order_by("studio__name", "user__last_name", "user__first_name", "user__username")
    )
    held = list(held)
    several = len({r.studio_id for r in held}) > 1
    if several:
        domain = _domain(user.email)
        held = [r for r in held if domain and _domain(r.user.email) == domain]
    admins = [Admin(r.user.get_full_name() or r.user.username, r.user.email, r.studio.name) for r in held]
    return NoRolePage(
        name=user.get_full_name() or user.username,
        email=user.email,
        through_sso=user.sso_identities.exists(),
        admins=admins,
        others_withheld=several and not admins,
    )


def clearance_page(user) -> dict:
    """Return clearance's start page: the sign-off queue, the guilds' open flags, terms ending soon,
    notifications."""
    queue = list(gen_selectors.sign_off_queue(user))
    return {
        "queue": queue,
        "people": rl_selectors.people_named([r.requester for r in queue]),
        "expiring": rl_selectors.expiring_for(user, within_days=30),
        "notifications": rl_selectors.notifications_for(user)[:20],
        "flags": list(rl_selectors.open_flags_for(user)),
        "productions": rl_selectors.productions_for(user),
    }


# --- Producer ------------------------------------------------------------------------------------
