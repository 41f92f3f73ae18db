"""The producer's pages: productions and shots, the edit's import and export, and a generation
request from its form to its signed output."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from generation import selectors as gen_selectors
from generation import services as gen
from generation.api.views import parse_request
from rightsledger import access, aipref
from rightsledger import selectors as rl_selectors
from rightsledger.errors import Conflict
from tracker import pending
from tracker import services as tracker
from tracker import timeline as tl
from tracker.selectors import timeline_export as otio_timeline

from .. import forms, selectors
from .base import FORM_ERRORS, production_or_404, request_or_404

TIMELINE_MAX_BYTES = 10 * 1024 * 1024


@login_required
@require_safe
def productions(request):
    return render(
        request,
        "producer/productions.html",
        {"productions": rl_selectors.productions_for(request.user).select_related("studio")},
    )


@login_required
@require_safe
def shots(request, production):
    prod = production_or_404(request.user, production)
    return render(request, "producer/shots.html", selectors.shots_page(request.user, prod))


@login_required
def timeline(request, production):
    """Import the edit: an .otio, CMX 3600 .edl or FCP .xml; a shot per clip. A file is checked
    first (a dry run shows what would be created or changed, frames with their timecode, and
    writes nothing); its page imports the same file, kept for a while, with one button."""
    prod = production_or_404(request.user, production)
    access.require(request.user, prod, access.CLEARANCE_ROLES, "import the edit")
    context, status = {"production": prod, "dry_run": True}, 200
    if request.method == "POST":
        token = request.POST.get("kept", "")
        context["dry_run"] = dry_run = request.POST.get("dry_run") == "on"
        try:
            data, name = _timeline_file(request, prod, token)
            rows = tl.read(data, name)
            plan = tracker.timeline_import(actor=request.user, production=prod, rows=rows, dry_run=dry_run)
            if dry_run:
                context["kept"] = pending.edit_keep(
                    data=data, name=name, production_id=prod.pk, user_id=request.user.pk
                )
            elif token:
                pending.edit_forget(token)
            shown = tl.placements(rows, plan.created, plan.updated)
            context.update(plan=plan, clips=len(rows), name=name, shown=shown)
        except tl.TimelineError as exc:
            context["problem"], status = str(exc), 400
        except FORM_ERRORS as exc:
            context["problem"], status = forms.error_message(exc), 400
    return render(request, "producer/timeline.html", context, status=status)


def _timeline_file(request, prod, token: str) -> tuple[bytes, str]:
    """Return the bytes and name of the edit to import: the one kept by a dry run (token), or the
    one uploaded. Raises TimelineError when there is neither, or it is too large."""
    if token:
        kept = pending.edit_kept(token=token, production_id=prod.pk, user_id=request.user.pk)
        if kept is None:
            minutes = pending.KEEP_SECONDS // 60
            raise tl.TimelineError(
                f"The checked file is kept for {minutes} minutes and has been imported or let go: "
                "choose the timeline file again."
            )
        return kept.data, kept.name
    upload = request.FILES.get("file")
    if upload is None:
        raise tl.TimelineError("Choose the timeline file to import.")
    if upload.size > TIMELINE_MAX_BYTES:
        raise tl.TimelineError(
            f"The file is {upload.size:,} bytes; a timeline is at most {TIMELINE_MAX_BYTES:,} bytes."
        )
    return upload.read(), upload.name


@login_required
@require_safe
def timeline_export(request, production):
    """The production's shots as an OTIO timeline whose clips say what was decided."""
    prod = production_or_404(request.user, production)
    response = HttpResponse(otio_timeline(prod), content_type="application/vnd.opentimelineio+json")
    response["Content-Disposition"] = f'attachment; filename="{prod.code}.otio"'
    return response


def _request_form(request, prod, values=None, errors=None, general=None, param_errors=None) -> dict:
    """Return the request form's context: the choices for the engine in the values (else the
    first), whose intended uses and parameter fields follow it."""
    values = dict(values or forms.request_form_initial())
    page = selectors.request_form_choices(request.user, prod, values.get("engine", ""))
    _follow_engine(page, values)
    return {
        **page,
        "values": values,
        "errors": errors or {},
        "general": general or [],
        "params": forms.engine_fields(page["engine"], values, param_errors or {}),
        "engine_label": forms.code_words(page["engine"].name, "engines") if page["engine"] else "",
    }


def _follow_engine(page: dict, values: dict) -> None:
    """Make the values name the chosen engine and one of its intended uses (the one given where
    the engine supports it, else its first)."""
    engine = page["engine"]
    values["engine"] = engine.name if engine else ""
    uses = [code for code, _ in page["uses"]]
    if values.get("intended_use") not in uses:
        values["intended_use"] = uses[0] if uses else ""


def _posted_values(post) -> dict:
    return {
        **post.dict(),
        "media": post.getlist("media"),
        "asset": post.getlist("asset"),
        "run_when_approved": post.get("run_when_approved") == "on",
        "advertising_disclosure_acknowledged": post.get("advertising_disclosure_acknowledged") == "on",
    }


@login_required
def request_new(request, production):
    prod = production_or_404(request.user, production)
    access.require(request.user, prod, access.SHOT_ROLES, "request generations")
    if request.method != "POST":
        return render(request, "producer/request_new.html", _request_form(request, prod))
    if "choose_engine" in request.POST:  # without JavaScript: the form again, for the engine chosen
        return render(
            request, "producer/request_new.html", _request_form(request, prod, _posted_values(request.POST))
        )
    try:
        parsed = parse_request(request, forms.request_form_data(request))
        req = gen.request_submit(actor=request.user, **parsed)
    except FORM_ERRORS as exc:
        errors, param_errors, general = forms.request_field_errors(exc)
        page = _request_form(request, prod, _posted_values(request.POST), errors, general, param_errors)
        return render(request, "producer/request_new.html", page, status=400)
    return redirect("portal:request", pk=req.pk)


@login_required
@require_safe
def request_engine(request, production):
    """The intended uses and parameter fields of the engine chosen (htmx swaps them in)."""
    prod = production_or_404(request.user, production)
    access.require(request.user, prod, access.SHOT_ROLES, "request generations")
    page = _request_form(request, prod, request.GET.dict())
    response = render(request, "producer/_engine.html", page)
    response["HX-Trigger-After-Settle"] = "engine-chosen"  # the preview is asked again, for this engine
    return response


@login_required
@require_POST
def request_preview(request, production):
    """What the gate would decide for the form as it stands, recording nothing (htmx)."""
    prod = production_or_404(request.user, production)
    access.require(request.user, prod, access.SHOT_ROLES, "request generations")
    if not request.POST.getlist("asset") and not any(n.startswith("upload_") for n in request.FILES):
        return render(request, "producer/_preview.html", {"waiting": True})  # nothing to decide on yet
    try:
        outcome = gen.request_check(**parse_request(request, forms.request_form_data(request)))
    except FORM_ERRORS as exc:
        errors, param_errors, general = forms.request_field_errors(exc)
        problems = general + [f"{forms.code_words(f)}: {m}" for f, ms in errors.items() for m in ms]
        problems += [m for ms in param_errors.values() for m in ms]  # each names its parameter
        return render(request, "producer/_preview.html", {"problems": problems})
    page = selectors.request_preview_page(outcome)
    page["reasons"] = selectors.reasons_in_words([outcome.to_json()])[0][0]
    return render(request, "producer/_preview.html", page)


@login_required
@require_safe
def request_detail(request, pk):
    req = request_or_404(request.user, pk)
    return render(request, "producer/request.html", selectors.request_page(request.user, req))


@login_required
@require_safe
def request_status(request, pk):
    """The status panel alone, polled by htmx while the request is queued or running. While it is
    polled there is no output; once there is, its credentials come from the cache (computed once
    per output, by whichever page shows them first), so a render reads no file."""
    req = request_or_404(request.user, pk)
    return render(request, "producer/_status.html", selectors.request_page(request.user, req))


@login_required
@require_POST
def request_queue(request, pk):
    req = request_or_404(request.user, pk)
    access.require(request.user, req.production, access.SHOT_ROLES, "queue generations")
    try:
        gen.request_queue(actor=request.user, request=req)
    except Conflict as exc:
        return render(
            request,
            "producer/request.html",
            {**selectors.request_page(request.user, req), "problem": exc.message},
            status=409,
        )
    return redirect("portal:request", pk=req.pk)


@login_required
@require_safe
def output_file(request, pk, inline=False):
    """The signed output: downloaded, or shown inline as a preview. Withheld while it is held."""
    req = request_or_404(request.user, pk)
    output = getattr(req, "output", None)
    if output is None:
        raise Http404("This request has no output.")
    if req.status != "succeeded":
        raise PermissionDenied(
            "The output is held for clearance: its bytes are withheld until a clearance user releases it."
        )
    asset = output.asset
    response = FileResponse(
        asset.file.open("rb"),
        content_type=asset.media_type,
        as_attachment=not inline,
        filename=gen_selectors.output_file_name(req, asset.media_type),
    )
    return aipref.reserve(response, request)  # AI Preferences, TDMRep and the robots convention


@login_required
@require_safe
def notifications(request):
    """The user's notifications, newest first: a sign-off, a finished run, a revocation..."""
    return render(
        request,
        "producer/notifications.html",
        {"notifications": rl_selectors.notifications_for(request.user, unread_only=False)[:50]},
    )
