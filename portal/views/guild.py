"""A guild representative's pages: the members' consent records, each with its versions and ledger
entries, and a flag (or a request for revocation) on one."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from rightsledger import access, aipref, services
from rightsledger import selectors as rl_selectors

from .. import forms, selectors


def _require_guild_reader(user):
    roles = access.roles_of(user)
    if not roles.guilds and not roles.superuser:
        raise PermissionDenied("Only guild representatives see members' consent records here.")


def _guild_consent(user, pk):
    _require_guild_reader(user)
    return get_object_or_404(rl_selectors.consents_for(user).select_related("talent", "production"), pk=pk)


def _consent_page(request, consent, status=200, **extra):
    page = {**selectors.guild_consent_page(request.user, consent), **extra}
    return render(request, "guild/consent.html", page, status=status)


@login_required
@require_safe
def guild_consents(request):
    """The members' current consents: searched, filtered by production, status and flag, sorted
    and in pages, from the URL's query string."""
    _require_guild_reader(request.user)
    page = selectors.guild_consent_register(request.user, request.GET)
    return render(request, "guild/consents.html", page, status=400 if page["errors"] else 200)


@login_required
@require_safe
def guild_consent(request, pk):
    return _consent_page(request, _guild_consent(request.user, pk))


@login_required
@require_POST
def guild_flag(request, pk):
    consent = _guild_consent(request.user, pk)
    guild = selectors.flagging_guild(request.user, consent)
    if guild is None:
        raise PermissionDenied("Only a representative of the performer's guild may flag this record.")
    try:
        services.consent_flag(
            actor=request.user,
            consent=consent,
            guild=guild,
            reason=request.POST.get("reason", ""),
            requests_revocation=request.POST.get("requests_revocation") == "on",
        )
    except ValidationError as exc:
        flag_errors = [m for _, _, m in forms.error_items(exc)]
        return _consent_page(request, consent, status=400, flag_errors=flag_errors)
    return redirect("portal:guild_consent", pk=consent.pk)


def _member(user, pk):
    _require_guild_reader(user)
    return get_object_or_404(selectors.guild_members(user), pk=pk)


@login_required
@require_safe
def guild_members(request):
    """The performers the guild represents, each linking to where their likeness was used."""
    _require_guild_reader(request.user)
    return render(request, "guild/members.html", {"members": selectors.guild_member_rows(request.user)})


@login_required
@require_safe
def guild_member(request, pk):
    """Where a member's likeness was used: the decisions that relied on their consents, and the
    outputs where their face was found, with what covered each."""
    member = _member(request.user, pk)
    return render(request, "guild/member.html", selectors.guild_member_page(request.user, member))


@login_required
@require_safe
def guild_member_picture(request, pk, face):
    """The picture of an output where the member's face was found, where its production lets the
    guilds see it (404 otherwise, as for anything else not theirs to see)."""
    member = _member(request.user, pk)
    thumbnail = selectors.guild_member_picture(request.user, member, face)
    if thumbnail is None:
        raise Http404("This picture is not shown to the guild.")
    response = FileResponse(thumbnail.file.open("rb"), content_type=thumbnail.media_type)
    response["Cache-Control"] = "private, max-age=3600"
    return aipref.reserve(response, request)
