"""A production's 2026 performer rules (R7 to R12 of the gate): each switched on or off by clearance,
and the unions' labour actions against the production, recorded and ended. Everyone who reads the
production reads the page; only clearance (and the studio's admins) change it, as in the API."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from rightsledger import access, services
from rightsledger.errors import Conflict
from rightsledger.models import Guild, LabourAction

from .. import forms, selectors
from .base import FORM_ERRORS, production_or_404

TEMPLATE = "performers/production.html"


def _render(request, production, status=200, **extra):
    page = {**selectors.performer_rules_page(request.user, production), **extra}
    return render(request, TEMPLATE, page, status=status)


def _require_clearance(user, production, action: str) -> None:
    access.require(user, production, access.CLEARANCE_ROLES, action)


def _guild(value):
    """Return the union a form names by its id, or None for none or one that does not exist (the
    service then asks for one from the list)."""
    pk = str(value or "").strip()
    return Guild.objects.filter(pk=int(pk)).first() if pk.isdigit() else None


@login_required
@require_safe
def performer_rules(request, production):
    return _render(request, production_or_404(request.user, production))


@login_required
@require_POST
def performer_rule_switch(request, production):
    prod = production_or_404(request.user, production)
    _require_clearance(request.user, prod, "switch the performer rules")
    rule = request.POST.get("rule", "")
    try:
        services.production_performer_rule_switch(
            actor=request.user, production=prod, rule=rule, on=request.POST.get("on") == "1"
        )
    except FORM_ERRORS as exc:
        return _render(request, prod, status=400, rule_problem=forms.error_message(exc), problem_rule=rule)
    return redirect(reverse("portal:performer_rules", args=[prod.pk]) + f"#rule-{rule}")


@login_required
@require_POST
def production_guild_pictures(request, production):
    """Let the performers' guilds see the pictures of the outputs showing their members, or stop."""
    prod = production_or_404(request.user, production)
    _require_clearance(request.user, prod, "let the guilds see the production's pictures")
    services.production_guild_pictures_set(
        actor=request.user, production=prod, allowed=request.POST.get("allowed") == "1"
    )
    return redirect(reverse("portal:performer_rules", args=[prod.pk]) + "#guild-pictures")


@login_required
@require_POST
def labour_action_new(request, production):
    prod = production_or_404(request.user, production)
    _require_clearance(request.user, prod, "record labour actions")
    posted = {k: request.POST.get(k, "") for k in ("guild", "started_on", "note")}
    try:
        services.labour_action_record(
            actor=request.user,
            production=prod,
            guild=_guild(posted["guild"]),
            started_on=forms.posted_date(posted["started_on"]),
            note=posted["note"],
        )
    except FORM_ERRORS as exc:
        errors, general = forms.field_errors(exc)
        return _render(
            request, prod, status=_status(exc), action_errors=errors, action_general=general, posted=posted
        )
    return redirect("portal:performer_rules", production=prod.pk)


@login_required
@require_POST
def labour_action_end(request, production, action):
    prod = production_or_404(request.user, production)
    _require_clearance(request.user, prod, "record labour actions")
    found = get_object_or_404(LabourAction, pk=action, production=prod)
    try:
        services.labour_action_end(
            actor=request.user, action=found, ended_on=forms.posted_date(request.POST.get("ended_on"))
        )
    except FORM_ERRORS as exc:
        return _render(
            request, prod, status=_status(exc), end_problem=forms.error_message(exc), problem_action=found.pk
        )
    return redirect("portal:performer_rules", production=prod.pk)


def _status(exc) -> int:
    """A form's problem is 400; one that conflicts with what is recorded (ending twice) is 409."""
    return 409 if isinstance(exc, Conflict) else 400
