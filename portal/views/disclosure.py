"""A production's disclosure under Art. 50 of the EU AI Act: each output's position (clearance
decides it, with why), the visible label its outputs carry, the credits text, and the disclosure
pack as PDF and CSV."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from generation import disclosure_pack as packs
from generation import services as gen
from generation.models import GenerationOutput
from rightsledger import access, services, vocab, words

from .. import forms
from .base import next_url, production_or_404, request_or_404

CORNER_OPTIONS = [(c, words.capfirst(words.label(c, "label_corners"))) for c in vocab.LABEL_CORNERS]
POSITION_OPTIONS = [
    (p, words.capfirst(words.label(p, "disclosure_positions"))) for p in vocab.DISCLOSURE_POSITIONS
]


def _page(user, production, **extra) -> dict:
    rows = packs.pack_rows(production, check=False)
    return {
        "production": production,
        "rows": rows,
        "credits": packs.credits_text(production, rows).split("\n"),
        "may_decide": access.holds(user, production, access.CLEARANCE_ROLES),
        "corner_options": CORNER_OPTIONS,
        "position_options": POSITION_OPTIONS,
        "label_words": words.label(production.label_corner, "label_corners"),
        **extra,
    }


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_safe
def production_disclosure(request, production):
    prod = production_or_404(request.user, production)
    return render(request, "disclosure/production.html", _page(request.user, prod))


@login_required
@require_POST
def production_label(request, production):
    prod = production_or_404(request.user, production)
    try:
        services.production_label_set(
            actor=request.user,
            production=prod,
            enabled=request.POST.get("enabled") == "on",
            text=request.POST.get("text", ""),
            corner=request.POST.get("corner", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 400
        page = _page(request.user, prod, label_problem=forms.error_message(exc))
        return render(request, "disclosure/production.html", page, status=status)
    return redirect("portal:production_disclosure", production=prod.pk)


@login_required
@require_POST
def request_disclosure(request, pk):
    req = request_or_404(request.user, pk)
    output = get_object_or_404(GenerationOutput, request=req)
    try:
        gen.disclosure_decide(
            actor=request.user,
            output=output,
            position=request.POST.get("position", ""),
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 400
        page = _page(request.user, req.production, problem=forms.error_message(exc), problem_request=req.pk)
        return render(request, "disclosure/production.html", page, status=status)
    default = reverse("portal:production_disclosure", args=[req.production_id])
    return redirect(next_url(request, default))


@login_required
@require_safe
def disclosure_pack_pdf(request, production):
    prod = production_or_404(request.user, production)
    pdf = packs.pack_pdf(packs.disclosure_pack(prod), base_url=request.build_absolute_uri("/"))
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), f"{packs.file_stem(prod)}.pdf")


@login_required
@require_safe
def disclosure_pack_csv(request, production):
    prod = production_or_404(request.user, production)
    text = packs.pack_csv(packs.disclosure_pack(prod))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{packs.file_stem(prod)}.csv")
