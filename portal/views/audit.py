"""A shot's audit: every generation, input, decision and sign-off with its ledger proof, as a page
and as CSV, W3C PROV and PDF exports."""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from generation import selectors as gen_selectors
from rightsledger import csvexport, words
from rightsledger import selectors as rl_selectors

from .. import selectors

CSV_HEADER = [
    "Request",
    "Status",
    "Decision",
    "Decided by",
    "Outcome",
    "Rule",
    "Subject",
    "Records relied on",
    "Reason",
    "Ledger entry",
    "In the latest checkpoint",
]


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
    audit = selectors.shot_audit_page(shot)["audit"]
    buf = io.StringIO()
    writer = csvexport.writer(buf)
    writer.writerow(CSV_HEADER)
    for g in audit["generations"]:
        for d in g["decisions"]:
            for r in d.worded:
                covered = "Yes" if d.ledger_seq in audit["covered"] else "Not yet"
                writer.writerow(
                    [
                        g["request"].pk,
                        words.label(g["request"].status, "request_statuses"),
                        d.pk,
                        words.capfirst(words.label(d.kind, "decision_kinds")),
                        words.label(d.outcome, "outcomes"),
                        r["rule"],
                        r["subject"],
                        "; ".join(_record_cell(x) for x in r["records"]),
                        r["message"],
                        d.ledger_seq,
                        covered,
                    ]
                )
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{shot.code}-audit.csv")


def _record_cell(x) -> str:
    """A record a reason relied on, as the CSV names it: "Grant 4 (version 2, revoked on ...)"."""
    ref = x.get("ref")
    if ref is None:
        return f"{words.label(x['type']).capitalize()} {x['id']}"
    said = [f"version {ref.version}"] if ref.version > 1 else []
    said += [ref.state] if ref.state else []
    return f"{ref.name} ({', '.join(said)})" if said else ref.name


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
    # WeasyPrint (with its Pango and cairo bindings) is heavy: loaded only when a report is asked for.
    from weasyprint import HTML

    page = selectors.shot_audit_page(_shot(request.user, pk))
    html = render(request, "audit/shot_report.html", page).content.decode()
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), f"{page['shot'].code}-audit.pdf")
