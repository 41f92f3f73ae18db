"""API tokens for machines: the tokens a user may see (their own, and those of the users they
manage), making one (its text shown once, on the page that answers the form, and kept nowhere),
and revoking one after a confirmation."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from rightsledger import selectors, services, vocab
from rightsledger.errors import Conflict

from ..forms import error_message, field_errors

DEFAULT_DAYS = 90


def _rows(tokens, viewer):
    return [
        {
            "token": t,
            "state": selectors.token_state(t),
            "owner": selectors.user_named(t.user),
            "mine": t.user_id == viewer.pk,
            "scope": vocab.TOKEN_SCOPE_LABELS.get(t.scope, "Not known"),
        }
        for t in tokens
    ]


@login_required
@require_safe
def tokens(request):
    """The user's tokens, then those of the users they manage."""
    rows = _rows(selectors.tokens_for(request.user), request.user)
    revoked = request.GET.get("revoked", "")
    named = next((r["token"].name for r in rows if r["token"].public_id == revoked), None)
    if revoked == "legacy":
        note = "Your older token was revoked: whatever still uses it is refused from now on."
    elif named is not None:
        note = f"The token “{named}” was revoked: whatever still uses it is refused from now on."
    else:
        note = ""
    return render(
        request,
        "account/tokens.html",
        {
            "mine": [r for r in rows if r["mine"]],
            "others": [r for r in rows if not r["mine"]],
            "legacy": selectors.legacy_token_of(request.user),
            "revoked_note": note,
            "max_days": settings.API_TOKEN_MAX_DAYS,
        },
    )


def _form(request, values, errors=None, general=(), status=200):
    return render(
        request,
        "account/token_new.html",
        {
            "values": values,
            "errors": errors or {},
            "general": general,
            "scopes": [(s, vocab.TOKEN_SCOPE_LABELS[s]) for s in vocab.TOKEN_SCOPES],
            "legacy": selectors.legacy_token_of(request.user),
            "latest": timezone.now().date() + datetime.timedelta(days=settings.API_TOKEN_MAX_DAYS),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_new(request):
    """Make a token for oneself; the answer to the form is the one page that shows its text."""
    if request.method == "GET":
        default = timezone.now().date() + datetime.timedelta(days=DEFAULT_DAYS)
        return _form(request, {"scope": vocab.TOKEN_SCOPE_READ_ONLY, "expires_at": default.isoformat()})
    values = {k: request.POST.get(k, "") for k in ("name", "scope", "expires_at")}
    values["revoke_legacy"] = request.POST.get("revoke_legacy") == "on"
    try:
        token, text = services.api_token_create(
            actor=request.user,
            user=request.user,
            name=values["name"],
            scope=values["scope"],
            expires_at=values["expires_at"],
            revoke_legacy=values["revoke_legacy"],
        )
    except ValidationError as exc:
        errors, general = field_errors(exc)
        return _form(request, values, errors, general, status=400)
    response = render(
        request,
        "account/token_made.html",
        {"token": token, "text": text, "scope": vocab.TOKEN_SCOPE_LABELS[token.scope]},
    )
    # The token is in this page alone: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    """Ask, then revoke a token: one's own, or one of a user one manages."""
    token = selectors.tokens_for(request.user).filter(public_id=pk).first()
    if token is None:
        raise Http404("There is no such token among those you may see.")
    problem = ""
    if request.method == "POST":
        try:
            services.api_token_revoke(actor=request.user, token=token)
        except Conflict as exc:
            problem = error_message(exc)
        else:
            return redirect(reverse("portal:tokens") + f"?revoked={token.public_id}")
    return render(
        request,
        "account/token_revoke.html",
        {
            "token": token,
            "owner": selectors.user_named(token.user),
            "mine": token.user_id == request.user.pk,
            "scope": vocab.TOKEN_SCOPE_LABELS.get(token.scope, "Not known"),
            "state": selectors.token_state(token),
            "problem": problem,
        },
        status=409 if problem else 200,
    )


@login_required
@require_http_methods(["POST"])
def legacy_token_revoke(request):
    """Revoke the user's older, unscoped token."""
    services.legacy_token_revoke(user=request.user)
    return redirect(reverse("portal:tokens") + "?revoked=legacy")
