"""A shot's audit: every generation, input, decision and sign-off with its ledger proof, as a page
and as CSV, W3C PROV and PDF exports."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from generation import selectors as gen_selectors
from rightsledger import selectors as rl_selectors

from .. import exports, selectors


def _shot(user, pk):
    return get_object_or_404(rl_selectors.shots_for(user).select_related("production"), pk=pk)


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_safe
def shot_audit(request, pk):
    return render(request, "audit/shot.html", selectors.shot_audit_page(_shot(request.user, pk)))


@login_required
@require_safe
def shot_audit_csv(request, pk):
    shot = _shot(request.user, pk)
    text = exports.audit_csv(exports.audit_report(request.user, shot, drawing=False))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{exports.file_stem(shot)}.csv")


@login_required
@require_safe
def shot_lineage_svg(request, pk):
    """The lineage of the shot's outputs, drawn as one picture (the page shows it, and opens it full size)."""
    shot = _shot(request.user, pk)
    drawing = exports.shot_lineage_svg(request.user, gen_selectors.shot_audit(shot))
    if not drawing:
        raise Http404("This shot has no output, so no lineage to draw.")
    return HttpResponse(drawing, content_type="image/svg+xml")


@login_required
@require_safe
def shot_audit_prov(request, pk):
    shot = _shot(request.user, pk)
    doc = selectors.shot_prov_document(request.user, gen_selectors.shot_audit(shot))
    response = HttpResponse(doc.serialize(format="json"), content_type="application/json")
    return _attachment(response, f"{shot.code}-prov.json")


@login_required
@require_safe
def shot_audit_pdf(request, pk):
    shot = _shot(request.user, pk)
    pdf = exports.audit_pdf(
        exports.audit_report(request.user, shot), base_url=request.build_absolute_uri("/")
    )
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), f"{exports.file_stem(shot)}.pdf")
