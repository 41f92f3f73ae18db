"""Clearance's pages: the sign-off queue and notifications, signing off a request, and the
production's assets."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from generation import services as gen
from rightsledger import access, aipref, services
from rightsledger import selectors as rl_selectors
from rightsledger.api import serializers as rs
from rightsledger.errors import Conflict, PayloadTooLarge
from rightsledger.models import Asset
from rightsledger.signals import asset_content_requested

from .. import forms, selectors
from .base import FORM_ERRORS, next_url, production_or_404, request_or_404


@login_required
@require_safe
def clearance(request):
    """Clearance's start page: the sign-off queue, the guilds' open flags, terms ending, notices."""
    user = request.user
    if not (access.production_ids(user, access.CLEARANCE_ROLES) or access.roles_of(user).superuser):
        raise PermissionDenied("Only clearance users and studio admins have a sign-off queue.")
    return render(request, "clearance/queue.html", selectors.clearance_page(user))


@login_required
@require_POST
def notifications_read(request):
    """Mark the user's notifications read: those ticked, or all of them."""
    selected = request.POST.getlist("selected")
    ids = [int(v) for v in selected if v.isascii() and v.isdigit() and len(v) < 19] if selected else None
    services.notifications_read(user=request.user, ids=ids)
    return redirect(next_url(request, reverse("portal:home")))


@login_required
@require_POST
def request_sign_off(request, pk):
    req = request_or_404(request.user, pk)
    access.require(request.user, req.production, access.CLEARANCE_ROLES, "sign off generation requests")
    approve, comment = request.POST.get("decision") == "approve", request.POST.get("comment", "")
    ticked = [int(i) for i in request.POST.getlist("acknowledge_flags") if i.isdigit() and len(i) < 19]
    try:
        gen.request_sign_off(
            actor=request.user, request=req, approve=approve, comment=comment, acknowledge_flags=ticked
        )
    except (ValidationError, Conflict, PermissionDenied) as exc:
        status = 400 if isinstance(exc, ValidationError) else 409 if isinstance(exc, Conflict) else 403
        page = {**selectors.request_page(request.user, req), "problem": forms.error_message(exc)}
        return render(request, "producer/request.html", page, status=status)
    return redirect(next_url(request, reverse("portal:request", args=[req.pk])))


@login_required
def assets(request, production):
    prod = production_or_404(request.user, production)
    errors, general, status = {}, [], 200
    if request.method == "POST":
        access.require(request.user, prod, access.CLEARANCE_ROLES, "register assets")
        data = forms.form_data(rs.AssetIn, request.POST)
        data.update(production=prod.pk, file=request.FILES.get("file"))
        try:
            parsed = rs.AssetIn(data=data, context={"request": request})
            parsed.is_valid(raise_exception=True)
            values = parsed.validated_data
            asset, _ = services.asset_register(
                actor=request.user,
                production=prod,
                upload=values["file"],
                kind=values["kind"],
                owner=values["owner"],
                talent=values["talent"],
                title=values["title"],
            )
            return redirect("portal:asset", pk=asset.pk)
        except FORM_ERRORS as exc:
            errors, general = forms.field_errors(exc)
            status = 413 if isinstance(exc, PayloadTooLarge) else 400
    upload = rs.AssetIn(context={"request": request})
    fields = [
        f
        for f in forms.render_fields(upload, request.POST if request.method == "POST" else {}, errors)
        if f["name"] not in ("production", "file")
    ]
    return render(
        request,
        "clearance/assets.html",
        {
            "production": prod,
            "assets": selectors.asset_list(request.user, prod),
            "fields": fields,
            "file_errors": errors.get("file", []),
            "general": general,
            "may_register": access.holds(request.user, prod, access.CLEARANCE_ROLES),
        },
        status=status,
    )


def _asset_or_404(user, pk):
    """Return the asset if the user may see it (the asset page's rule); 404 otherwise."""
    visible = rl_selectors.assets_for(user).select_related("production", "owner", "talent", "thumbnail")
    return get_object_or_404(visible, pk=pk)


@login_required
@require_safe
def asset_detail(request, pk):
    asset = _asset_or_404(request.user, pk)
    return render(request, "clearance/asset.html", selectors.asset_page(request.user, asset))


@login_required
@require_safe
def asset_thumbnail_panel(request, pk):
    """The asset page's picture, polled by htmx until the thumbnail task has made it."""
    asset = _asset_or_404(request.user, pk)
    page = {"asset": asset, "picture": selectors.asset_picture(request.user, asset)}
    return render(request, "clearance/_thumbnail.html", page)


@login_required
@require_safe
def asset_thumbnail(request, pk):
    """An asset's thumbnail, to whoever may see the asset's page: 404 for anyone else, or before it
    is made; 403 where the asset's bytes are withheld (an output held for clearance)."""
    asset = _asset_or_404(request.user, pk)
    thumbnail = selectors.asset_thumbnail(asset)
    if thumbnail is None:
        raise Http404("This asset has no picture yet.")
    asset_content_requested.send(sender=Asset, asset=asset, user=request.user)
    response = FileResponse(thumbnail.file.open("rb"), content_type=thumbnail.media_type)
    response["Cache-Control"] = "private, max-age=86400"
    return aipref.reserve(response, request)  # AI Preferences, TDMRep and the robots convention
