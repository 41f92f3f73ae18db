"""What every portal page knows: the navigation the user's roles open, unread notices, and the
studio's sign-in provider where single sign-on is on."""

from django.conf import settings
from django.urls import reverse

from rightsledger import access, selectors, vocab

from .auth import must_verify


def portal(request) -> dict:
    """Return the navigation for the user's roles and the count of unread notifications."""
    user = getattr(request, "user", None)
    nav = []
    if user is not None and user.is_authenticated and _second_step_pending(user):
        # Until the second sign-in step passes, no page but it opens: the menu offers none.
        return {"nav": [], "unread": 0, "vocab": vocab, "sso_provider": _sso_provider()}
    if user is not None and user.is_authenticated:
        roles = access.roles_of(user)
        held = set().union(*roles.productions.values()) if roles.productions else set()
        if roles.superuser or held & access.CLEARANCE_ROLES:
            nav.append(("Sign-offs and alerts", reverse("portal:clearance")))
        if roles.superuser or held:
            nav.append(("Productions", reverse("portal:productions")))
            nav.append(("Registers", reverse("portal:register", args=["grants"])))
        if roles.superuser or roles.studios:
            nav.append(("People", reverse("portal:people")))
        if roles.guilds:
            nav.append(("Members' consents", reverse("portal:guild_consents")))
            nav.append(("Members' likeness", reverse("portal:guild_members")))
            nav.append(("The ledger", reverse("portal:ledger")))
    nav.append(("Verify a file", reverse("portal:verify")))
    path = getattr(request, "path", "")
    unread = selectors.notifications_for(user).count() if user is not None and user.is_authenticated else 0
    if user is not None and user.is_authenticated:
        nav.append(("API tokens", reverse("portal:tokens")))
        if access.second_factor_required(user) and user.has_usable_password():
            nav.append(("Two-factor sign-in", reverse("portal:two_factor")))
        nav.append(
            (f"Notifications ({unread} new)" if unread else "Notifications", reverse("portal:notifications"))
        )
    return {
        "nav": [{"label": label, "url": url, "current": path.startswith(url)} for label, url in nav],
        "unread": unread,
        "vocab": vocab,
        "sso_provider": _sso_provider(),
    }


def _sso_provider():
    """The login page's "Sign in with ..." button: none where single sign-on is off."""
    return settings.OIDC_PROVIDER_NAME if settings.SSO_ENABLED else None


def _second_step_pending(user) -> bool:
    verified = getattr(user, "is_verified", None)
    return verified is not None and not verified() and must_verify(user)
