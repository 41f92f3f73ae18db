"""A shot's audit as files a lawyer keeps: the PDF report and the CSV, and a production's every
shot's audit in one ZIP. The PDF and the CSV say the same words as the audit page: records by
name and title, marked where they were revoked or amended since, never "grant:1@28"."""

from __future__ import annotations

import base64
import datetime
import io
import zipfile
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from generation import selectors as gen_selectors
from provenance import lineage
from rightsledger import csvexport, services
from rightsledger import selectors as rl_selectors
from rightsledger import words as rl_words
from rightsledger.ledger import checkpoints
from rightsledger.models import ProductionExport

from . import selectors
from .relied import ReliedRecord, relied_records

DECISION_KIND_WORDS = {
    "gate": "Decision at submission",
    "run_check": "Check before the run",
    "likeness_check": "Likeness check of the output",
}
CSV_HEADER = [
    "Production",
    "Shot",
    "Request",
    "Request status",
    "Engine",
    "Asked by",
    "Decision",
    "Decision kind",
    "Decided on",
    "Decision outcome",
    "Rule",
    "Rule outcome",
    "About",
    "Reason",
    "To pass",
    "Records relied on",
    "Revoked or amended since",
    "Assets relied on",
    "Ledger entry",
    "In the latest checkpoint",
]


def words(code: str, vocabulary: str | None = None) -> str:
    """Return a code as a cell or a heading says it: "Needs sign-off", "Territory excluded"."""
    return rl_words.capfirst(rl_words.label(code, vocabulary))


def person(user) -> str:
    """Return a user as a person: their full name where they gave one, else their user name."""
    return (user.get_full_name() or user.username) if user is not None else ""


@dataclass(frozen=True)
class AuditReport:
    """A shot's audit with what its exports add: the records relied on by name and state, the
    lineage drawing, the checkpoint and when it was made."""

    shot: object
    audit: dict
    records: dict[tuple[str, int], ReliedRecord]
    drawing: str  # the lineage as SVG, "" where no output was made
    checkpoint: object
    made_at: datetime.datetime

    def records_of(self, generation) -> list[ReliedRecord]:
        return [self.records[(k, i)] for k, i, _ in generation["records"] if (k, i) in self.records]


def shot_lineage_svg(user, audit) -> str:
    """Return the lineage of a shot's outputs, as the user may see it, drawn as one SVG ("" when
    the shot has no output). Runs graphviz."""
    assets, edges = selectors.shot_lineage(user, audit)
    return lineage.svg(assets, edges) if assets else ""


def audit_report(user, shot, *, drawing: bool = True) -> AuditReport:
    """Return a shot's audit as its exports show it, for a user whose access is checked."""
    audit = gen_selectors.shot_audit(shot)
    refs = {r for g in audit["generations"] for r in g["records"]}
    return AuditReport(
        shot=shot,
        audit=audit,
        records=relied_records(refs),
        drawing=shot_lineage_svg(user, audit) if drawing else "",
        checkpoint=checkpoints.latest_checkpoint(),
        made_at=timezone.now(),
    )


def _asset_words(asset_id: int, assets: dict) -> str:
    asset = assets.get(asset_id)
    title = (asset.title or asset.original_filename) if asset is not None else ""
    return f"A-{asset_id} {title}".strip()


@dataclass(frozen=True)
class ReasonWords:
    """One reason of a decision as the PDF and the CSV write it."""

    rule: str
    outcome: str
    subject: str
    message: str
    remedy: str
    records: str  # the grants, consents and reservations by name, then the assets
    changes: str  # of those, the ones revoked or amended since, with the date
    assets: str


def reason_words(reason: dict, report: AuditReport, assets: dict) -> ReasonWords:
    """Return a decision's reason (as stored in its JSON) in words."""
    named = [report.records.get((x["type"], x["id"])) for x in reason["records"]]
    named = [n for n in named if n is not None]
    used = "; ".join(_asset_words(x["id"], assets) for x in reason["records"] if x["type"] == "asset")
    marks = [f"{n.label}, {n.change}" if n.change else n.label for n in named]
    return ReasonWords(
        rule=words(reason["rule"]),
        outcome=words(reason["outcome"], "outcomes"),
        subject=words(reason["subject"]),
        message=rl_words.reword(reason["message"]),
        remedy=rl_words.reword(reason.get("remedy", "")) if reason["outcome"] != "pass" else "",
        records="; ".join(marks + ([used] if used else [])),
        changes="; ".join(f"{n.name} {n.change}" for n in named if n.change),
        assets=used,
    )


def _assets(report: AuditReport) -> dict:
    return {i.asset_id: i.asset for g in report.audit["generations"] for i in g["inputs"] if i.asset}


def csv_rows(report: AuditReport):
    """Yield the audit CSV's rows after its header: one per reason of each decision."""
    shot, covered, assets = report.shot, report.audit["covered"], _assets(report)
    for g in report.audit["generations"]:
        req = g["request"]
        for d in g["decisions"]:
            for reason in d.reasons:
                r = reason_words(reason, report, assets)
                named = [report.records.get((x["type"], x["id"])) for x in reason["records"]]
                yield [
                    shot.production.title,
                    shot.code,
                    f"Request {req.pk}",
                    words(req.status, "request_statuses"),
                    f"{rl_words.label(req.engine, 'engines')} {req.engine_version}".strip(),
                    person(req.requester),
                    f"Decision {d.pk}",
                    DECISION_KIND_WORDS.get(d.kind, words(d.kind)),
                    rl_words.moment(d.created_at),
                    words(d.outcome, "outcomes"),
                    r.rule,
                    r.outcome,
                    r.subject,
                    r.message,
                    r.remedy,
                    "; ".join(n.label for n in named if n is not None),
                    r.changes,
                    r.assets,
                    d.ledger_seq if d.ledger_seq is not None else "",
                    "Yes" if d.ledger_seq in covered else "Not yet",
                ]


def audit_csv(report: AuditReport) -> str:
    """Return the shot's audit as CSV text: one header row, one column per field."""
    buf = io.StringIO()
    writer = csvexport.writer(buf)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(report))
    return buf.getvalue()


def audit_pdf(report: AuditReport, *, base_url: str = "/") -> bytes:
    """Return the shot's audit as a PDF report (WeasyPrint): a cover, the lineage drawing, each
    decision with its reasons, the records relied on, page numbers and the checkpoint."""
    # WeasyPrint (with its Pango and cairo bindings) is heavy: loaded only when a report is made.
    from weasyprint import HTML

    html = render_to_string("audit/shot_report.html", report_context(report))
    return HTML(string=html, base_url=base_url).write_pdf()


def report_context(report: AuditReport) -> dict:
    """Return what the report's template shows: each generation's decisions and reasons in
    words, the records relied on with their marks, the drawing and the footer's words."""
    cp = report.checkpoint
    footer = f"Made {rl_words.moment(report.made_at)}"
    if cp is not None:
        footer = f"Ledger checkpoint: {cp.size} entries, root {bytes(cp.root).hex()[:12]}… · " + footer
    covered, assets = report.audit["covered"], _assets(report)
    generations = [
        {
            **g,
            "status_words": words(g["request"].status, "request_statuses"),
            "asked_by": person(g["request"].requester),
            "relied": report.records_of(g),
            "decision_words": [
                {
                    "decision": d,
                    "kind": DECISION_KIND_WORDS.get(d.kind, words(d.kind)),
                    "outcome": words(d.outcome, "outcomes"),
                    "reasons": [reason_words(r, report, assets) for r in d.reasons],
                    "covered": d.ledger_seq in covered,
                }
                for d in g["decisions"]
            ],
        }
        for g in report.audit["generations"]
    ]
    return {
        "shot": report.shot,
        "generations": generations,
        "checkpoint": cp,
        "footer": footer,
        "made_at": rl_words.moment(report.made_at),
        "drawing_b64": base64.b64encode(report.drawing.encode()).decode() if report.drawing else "",
    }


def file_stem(shot) -> str:
    """Return the name a shot's audit files are saved as: "EP102_SH0010-audit"."""
    return f"{shot.code}-audit"


# --- A production's every audit ------------------------------------------------------------------

DECISIONS_CSV = "decisions.csv"


def production_zip(user, production, shots, progress=None) -> bytes:
    """Return a ZIP of every shot's audit PDF and CSV, and one CSV of every decision of the
    production. progress(done, total) is called after each shot. Renders a PDF per shot."""
    shots = list(shots)
    buf = io.BytesIO()
    decisions = io.StringIO()
    every = csvexport.writer(decisions)
    every.writerow(CSV_HEADER)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, shot in enumerate(shots, start=1):
            report = audit_report(user, shot)
            stem = file_stem(shot)
            archive.writestr(f"{shot.code}/{stem}.pdf", audit_pdf(report))
            archive.writestr(f"{shot.code}/{stem}.csv", audit_csv(report))
            every.writerows(csv_rows(report))
            if progress is not None:
                progress(done, len(shots))
        archive.writestr(DECISIONS_CSV, decisions.getvalue())
    return buf.getvalue()


def production_export_build_now(export_id: int) -> None:
    """Make the export's ZIP, as the user who asked sees the production, recording progress after
    each shot; safe to run twice (a finished export is left as it is)."""
    export = ProductionExport.objects.select_related("production", "requested_by").get(pk=export_id)
    if export.state == "done":
        return
    user, production = export.requested_by, export.production
    shots = rl_selectors.shots_for(user).filter(production=production).select_related("production")
    shots = list(shots.order_by("code"))
    services.production_export_progress(export_id=export.pk, done=0, total=len(shots))

    def progress(done, total):
        services.production_export_progress(export_id=export.pk, done=done, total=total)

    data = production_zip(user, production, shots, progress=progress)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    services.production_export_finish(
        export_id=export.pk, data=data, name=f"{production.code}-audits-{stamp}.zip"
    )


def production_export_download_name(export) -> str:
    """Return the name an export is saved as: "long-night-audits-20261204-0110.zip"."""
    return export.file.name.rsplit("/", 1)[-1]
