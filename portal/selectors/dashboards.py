"""The pages a user lands on: the start page of each role and clearance's dashboard."""

from generation import selectors as gen_selectors
from rightsledger import access, vocab
from rightsledger import selectors as rl_selectors


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
