"""A shot's audit: every generation, input, decision and sign-off with its ledger proof, as a page
(with its lineage drawing) and as CSV, W3C PROV and PDF exports; and a production's every audit in
one ZIP, made by a Celery task."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from generation import selectors as gen_selectors
from rightsledger import access, services
from rightsledger import selectors as rl_selectors
from rightsledger.models import ProductionExport

from .. import exports, selectors
from ..tasks import production_export_build
from .base import production_or_404


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
def production_continuity(request, production):
    """Character continuity across a production: each performer's faces, take to take."""
    found = production_or_404(request.user, production)
    return render(request, "audit/continuity.html", selectors.production_continuity_page(found))


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


# --- A production's every audit, in one ZIP ------------------------------------------------------


def _export(user, pk):
    """Return the export if the user may read its production's audits; 404 otherwise."""
    visible = access.filter_by_production(ProductionExport.objects.all(), user)
    return get_object_or_404(visible.select_related("production", "requested_by"), pk=pk)


@login_required
@require_POST
def production_export_new(request, production):
    """Start the production's audit export (clearance and auditors); its page shows the progress."""
    prod = production_or_404(request.user, production)
    access.require(request.user, prod, access.EXPORT_ROLES, "export the production's audits")
    export = services.production_export_create(actor=request.user, production=prod)
    transaction.on_commit(lambda: production_export_build.delay(export.pk))
    return redirect("portal:production_export", export.pk)


@login_required
@require_safe
def production_export(request, pk):
    export = _export(request.user, pk)
    return render(request, "audit/export.html", {"export": export, "production": export.production})


@login_required
@require_safe
def production_export_status(request, pk):
    """The export's progress alone, polled by htmx until it is done or has failed."""
    return render(request, "audit/_export_status.html", {"export": _export(request.user, pk)})


@login_required
@require_safe
def production_export_file(request, pk):
    export = _export(request.user, pk)
    if export.state != "done" or not export.file:
        raise Http404("This export is not finished: its page says how far it has got.")
    name = exports.production_export_download_name(export)
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip"
    )
