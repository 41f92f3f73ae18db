"""A production's disclosure pack: every AI-generated output with its marks (Content Credentials,
and its watermark identifier and time-stamp where it has them), a check that each mark reads back
from the stored file, its position under Art. 50 of the EU AI Act and who decided it, and the
credits text made for the production; as a PDF (WeasyPrint) and a CSV that say the same words."""

from __future__ import annotations

import dataclasses
import datetime
import io
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from provenance.marks import MarkCheck, Marks, marks_check, marks_recorded
from rightsledger import csvexport
from rightsledger import words as w
from rightsledger.imaging import open_image
from rightsledger.video import open_video

from .engines import label as labels
from .models import GenerationOutput, OutputDisclosure

VISIBLE_LABEL = "Visible label"

CSV_HEADER = [
    "Production",
    "Shot",
    "Request",
    "Output",
    "Engine",
    "Made on",
    "Request status",
    "Content Credentials manifest",
    "Watermark identifier",
    "Time-stamp",
    "Visible label",
    "Marks read back",
    "Self-check",
    "Disclosure",
    "Why",
    "Decided by",
    "Decided on",
    "Reason",
]


@dataclass(frozen=True)
class PackRow:
    """One output as the pack lists it."""

    output: GenerationOutput
    marks: Marks
    disclosure: OutputDisclosure | None

    @property
    def position_words(self) -> str:
        d = self.disclosure
        return w.capfirst(w.label(d.position, "disclosure_positions")) if d else "Not recorded"

    @property
    def basis_words(self) -> str:
        return w.capfirst(w.label(self.disclosure.basis, "disclosure_bases")) if self.disclosure else ""

    @property
    def decided_by_words(self) -> str:
        d = self.disclosure
        if d is None:
            return ""
        if d.decided_by is None:
            return "Recorded by default when the output was kept"
        return w.person(d.decided_by.get_full_name() or d.decided_by.username, "clearance")

    @property
    def timestamp_words(self) -> str:
        stamp = self.marks.timestamp
        if not stamp:
            return "None"
        try:
            return w.moment(stamp)
        except ValueError:  # a time in a form other than ISO 8601: said as the file says it
            return stamp

    @property
    def label_words(self) -> str:
        spec = self.output.engine_metadata.get("visible_label")
        if not spec:
            return "None"
        return f"“{spec['text']}”, {w.label(spec['corner'], 'label_corners')}"

    @property
    def self_check_words(self) -> str:
        return "; ".join(f"{c.mark}: {c.state.lower()}, {c.detail}" for c in self.marks.checks)


@dataclass(frozen=True)
class Pack:
    production: object
    rows: list[PackRow]
    credits: str
    made_at: datetime.datetime

    @property
    def failed(self) -> list[PackRow]:
        """The outputs one of whose marks does not read back."""
        return [r for r in self.rows if not r.marks.passed]


def _latest_disclosures(outputs) -> dict[int, OutputDisclosure]:
    latest = {}
    for d in OutputDisclosure.objects.filter(output__in=outputs).select_related("decided_by").order_by("id"):
        latest[d.output_id] = d
    return latest


def credits_text(production, rows: list[PackRow]) -> str:
    """Return the credits' words for the production's AI-generated material: where it appears,
    with which engines, and which shots hold realistic depictions of real people. Names no one."""
    if not rows:
        return f"{production.title} contains no material generated with AI."
    shots = sorted({r.output.request.shot.code for r in rows})
    engines = sorted({w.label(r.output.request.engine, "engines") for r in rows})
    lines = [
        f"{production.title} contains images and footage generated with AI, cleared for the rights and "
        f"consents of everyone whose work or likeness it was made from.",
        f"AI-generated material appears in {len(shots)} shot{'s' if len(shots) != 1 else ''}: "
        f"{w.prose(shots)}, made with {w.prose(engines)}.",
    ]
    depicting = sorted(
        {r.output.request.shot.code for r in rows if r.disclosure and r.disclosure.position == "deepfake"}
    )
    if depicting:
        lines.append(
            f"Realistic depictions of real people, generated with AI with their recorded consent, appear in "
            f"{w.prose(depicting)}, and are disclosed as AI-generated where they appear."
        )
    lines.append("Every AI-generated output carries Content Credentials that state it was generated with AI.")
    return "\n".join(lines)


def _first_picture(asset):
    """Return the stored file's picture (a clip's first frame), or None where it cannot be read."""
    try:
        with asset.file.storage.open(asset.file.name, "rb") as fh:
            if asset.frame_count:
                with open_video(fh, max_pixels=settings.IMAGE_MAX_PIXELS) as clip:
                    return next(clip.frames()).to_image()
            return open_image(fh.read())
    except Exception:  # a file gone, damaged or replaced: the check says so
        return None


def label_check(output: GenerationOutput) -> MarkCheck:
    """Check that the visible label the output was made with is in its stored picture."""
    spec = output.engine_metadata.get("visible_label")
    if not spec:
        return MarkCheck(VISIBLE_LABEL, None, "the production had no visible label when the output was made")
    label = labels.Label(spec["text"], spec["corner"])
    where = f"“{label.text}” in the {w.label(label.corner, 'label_corners')} corner"
    picture = _first_picture(output.asset)
    if picture is None:
        return MarkCheck(VISIBLE_LABEL, False, "the stored file's picture cannot be read")
    if labels.reads_back(picture, label):
        return MarkCheck(VISIBLE_LABEL, True, f"{where} is in the picture")
    return MarkCheck(VISIBLE_LABEL, False, f"{where} is not found in the picture")


def _checked(output: GenerationOutput) -> Marks:
    marks = marks_check(output.asset, output.asset.signed)
    return dataclasses.replace(marks, checks=(*marks.checks, label_check(output)))


def pack_rows(production, *, check: bool = True) -> list[PackRow]:
    """Return a row per AI-generated output of the production, by shot; with check, each output's
    marks read back from its stored file (a read of each file), else the marks as recorded."""
    outputs = list(
        GenerationOutput.objects.filter(request__production=production)
        .select_related("request__shot", "asset__signed")
        .order_by("request__shot__code", "id")
    )
    latest = _latest_disclosures(outputs)
    return [
        PackRow(
            output=o,
            marks=_checked(o) if check else marks_recorded(o.asset.signed),
            disclosure=latest.get(o.pk),
        )
        for o in outputs
        if hasattr(o.asset, "signed")
    ]


def disclosure_pack(production) -> Pack:
    """Return the production's pack, each output's marks read back from its stored file."""
    rows = pack_rows(production)
    return Pack(
        production=production, rows=rows, credits=credits_text(production, rows), made_at=timezone.now()
    )


def csv_rows(pack: Pack):
    for r in pack.rows:
        o, d = r.output, r.disclosure
        yield [
            pack.production.title,
            o.request.shot.code,
            f"Request {o.request_id}",
            f"A-{o.asset_id} {o.asset.title}".strip(),
            f"{w.label(o.request.engine, 'engines')} {o.request.engine_version}".strip(),
            w.moment(o.created_at),
            w.capfirst(w.label(o.request.status, "request_statuses")),
            r.marks.manifest_label,
            r.marks.watermark_id or "None",
            r.timestamp_words,
            r.label_words,
            "Yes" if r.marks.passed else "No",
            r.self_check_words,
            r.position_words,
            r.basis_words,
            r.decided_by_words,
            w.moment(d.created_at) if d else "",
            d.reason if d else "",
        ]


def pack_csv(pack: Pack) -> str:
    """Return the pack as CSV: one row per output, then the credits text in a row of its own."""
    buf = io.StringIO()
    writer = csvexport.writer(buf)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(pack))
    writer.writerow([])
    writer.writerow(["Credits", pack.credits])
    return buf.getvalue()


def pack_pdf(pack: Pack, *, base_url: str = "/") -> bytes:
    """Return the pack as a PDF report."""
    # WeasyPrint (with its Pango and cairo bindings) is heavy: loaded only when a pack is made.
    from weasyprint import HTML

    html = render_to_string(
        "audit/disclosure_pack.html",
        {"pack": pack, "made_at": w.moment(pack.made_at), "credits": pack.credits.split("\n")},
    )
    return HTML(string=html, base_url=base_url).write_pdf()


def file_stem(production) -> str:
    """Return the name a pack is saved as: "long-night-disclosure"."""
    return f"{production.code}-disclosure"
