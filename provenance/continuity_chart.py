"""A performer's continuity drawn as SVG on the server: a string, no script.

Three panels over the same axis (the performer's appearances in the order of the production's
outputs, then time): the identity distance to the reference, with the flag line and the match
limit; the face's exposure (L*) against the band of the performer's median; and how far its
colour is from the median's (a*b*, at the median's exposure), with the flag line. A flagged
appearance is a ring with its number beside it, the number of the list of flagged frames beside
the chart, so nothing is said by colour alone. The drawing has a title and a description for
screen readers, and its text stays legible at 390 px wide. Every text is escaped.

Pure: reads provenance.continuity's values, imports no Django.
"""

from html import escape

from .continuity import PerformerContinuity

WIDTH = 420
LEFT = 76  # room for the y axis' labels
RIGHT = 12
TOP_PANEL = (32, 108)  # y of the identity panel's top and bottom
LOW_PANEL = (140, 220)  # y of the exposure panel's top and bottom
COLOUR_PANEL = (252, 312)  # y of the colour panel's top and bottom
HEIGHT = 384
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="14"'
INK = "#1f2937"
MUTED = "#475569"
POINT = "#1e3a8a"
FLAG = "#b91c1c"
BAND = "#e2e8f0"
MAX_OUTPUT_LABELS = 12  # past this many outputs, only some are numbered under the axis


def _text(value) -> str:
    """Return value as SVG text: escaped, and with the control characters XML cannot hold as spaces."""
    plain = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return escape(plain, quote=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _scale(value: float, low: float, high: float, top: int, bottom: int) -> float:
    """Return the y of value on a panel from low (at bottom) to high (at top)."""
    if high <= low:
        return (top + bottom) / 2
    return bottom - (value - low) / (high - low) * (bottom - top)


def description(p: PerformerContinuity) -> str:
    """Return what the chart shows, in sentences (its <desc>)."""
    t_flagged = p.flagged
    parts = [
        f"{_plural(len(p.points), 'appearance')} in {_plural(p.outputs, 'output')}, "
        f"{len(t_flagged)} flagged.",
        f"Median identity distance {p.median_distance:.2f}; median face exposure {p.median_l:.0f} L*.",
    ]
    if not p.compared:
        parts.append("Too few appearances to compare exposure and colour with a median.")
    for n, point in enumerate(t_flagged, 1):
        parts.append(f"{n}: {point.appearance.where}: {'; '.join(point.reasons)}.")
    return " ".join(parts)


def chart_svg(p: PerformerContinuity, *, thresholds=None, id_prefix: str = "continuity") -> str:
    """Return the chart of one performer's continuity as an SVG document (a string). thresholds
    are the report's (its default ones if not given); id_prefix keeps ids apart where a page
    shows more than one report."""
    from .continuity import Thresholds

    t = thresholds or Thresholds()
    ident = f"{id_prefix}-{p.performer}"
    n = len(p.points)
    inner = WIDTH - LEFT - RIGHT
    step = inner / max(n, 1)

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    # The identity panel runs from 0 to past the match limit (or past the furthest face).
    d_high = max(t.match_limit + 0.1, max((pt.appearance.distance for pt in p.points), default=0) + 0.05)
    # The exposure panel is centred on the median, wide enough for the band and every face.
    spread = max([t.lightness * 2] + [abs(pt.delta_l) * 1.15 for pt in p.points])
    l_low, l_high = p.median_l - spread, p.median_l + spread

    c_high = max(t.colour * 2, max((pt.delta_colour for pt in p.points), default=0) * 1.15)

    def yc(v: float) -> float:
        return _scale(v, 0, c_high, *COLOUR_PANEL)

    def yd(v: float) -> float:
        return _scale(v, 0, d_high, *TOP_PANEL)

    def yl(v: float) -> float:
        return _scale(v, l_low, l_high, *LOW_PANEL)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="continuity-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{ident}-title {ident}-desc" {FONT}>',
        f'<title id="{ident}-title">{_text(f"Continuity of {p.name} across the production")}</title>',
        f'<desc id="{ident}-desc">{_text(description(p))}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    # Panels: their titles, frames and lines.
    top, bottom = TOP_PANEL
    out.append(f'<text x="{LEFT}" y="{top - 8}" fill="{INK}" font-weight="600">Identity distance</text>')
    out.append(
        f'<text x="{WIDTH - RIGHT}" y="{top - 8}" fill="{MUTED}" text-anchor="end">lower is closer</text>'
    )
    out.append(
        f'<rect x="{LEFT}" y="{top}" width="{inner}" height="{bottom - top}" fill="none" stroke="{BAND}"/>'
    )
    for value, dash, label in (
        (t.match_limit, "", f"limit {t.match_limit:.2f}"),
        (t.identity_near, ' stroke-dasharray="5 4"', f"flag {t.identity_near:.2f}"),
    ):
        y = yd(value)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{MUTED}"{dash}/>'
        )
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" fill="{MUTED}" text-anchor="end">{label}</text>')
    out.append(f'<text x="{LEFT - 4}" y="{bottom + 4}" fill="{MUTED}" text-anchor="end">0</text>')
    top, bottom = LOW_PANEL
    out.append(f'<text x="{LEFT}" y="{top - 8}" fill="{INK}" font-weight="600">Face exposure (L*)</text>')
    if p.compared:
        band_top, band_bottom = yl(p.median_l + t.lightness), yl(p.median_l - t.lightness)
        out.append(
            f'<text x="{WIDTH - RIGHT}" y="{top - 8}" fill="{MUTED}" text-anchor="end">'
            f"shaded: median ± {t.lightness:g}</text>"
        )
        out.append(
            f'<rect x="{LEFT}" y="{band_top:.1f}" width="{inner}" height="{band_bottom - band_top:.1f}" '
            f'fill="{BAND}"/>'
        )
    else:
        out.append(
            f'<text x="{WIDTH - RIGHT}" y="{top - 8}" fill="{MUTED}" text-anchor="end">'
            "too few faces to compare</text>"
        )
    y = yl(p.median_l)
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{MUTED}"/>')
    out.append(
        f'<text x="{LEFT - 4}" y="{y - 2:.1f}" fill="{MUTED}" text-anchor="end">median</text>'
        f'<text x="{LEFT - 4}" y="{y + 11:.1f}" fill="{MUTED}" text-anchor="end">{p.median_l:.0f}</text>'
    )
    out.append(
        f'<rect x="{LEFT}" y="{top}" width="{inner}" height="{bottom - top}" fill="none" stroke="{BAND}"/>'
    )
    top, bottom = COLOUR_PANEL
    out.append(f'<text x="{LEFT}" y="{top - 8}" fill="{INK}" font-weight="600">Face colour shift</text>')
    out.append(
        f'<text x="{WIDTH - RIGHT}" y="{top - 8}" fill="{MUTED}" text-anchor="end">'
        f"{'from the median' if p.compared else 'too few faces to compare'}</text>"
    )
    out.append(
        f'<rect x="{LEFT}" y="{top}" width="{inner}" height="{bottom - top}" fill="none" stroke="{BAND}"/>'
    )
    if p.compared:
        y = yc(t.colour)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{MUTED}" '
            'stroke-dasharray="5 4"/>'
        )
        out.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" fill="{MUTED}" text-anchor="end">flag {t.colour:g}</text>'
        )
    out.append(f'<text x="{LEFT - 4}" y="{bottom + 4}" fill="{MUTED}" text-anchor="end">0</text>')
    # Outputs along the axis: a thin line between two outputs, each numbered in order.
    outputs = []
    for i, pt in enumerate(p.points):
        if not outputs or outputs[-1][0] != pt.appearance.output:
            outputs.append((pt.appearance.output, i))
    every = max(1, -(-len(outputs) // MAX_OUTPUT_LABELS))
    for k, (_, first) in enumerate(outputs):
        if k:
            gx = LEFT + step * first
            out.extend(
                f'<line x1="{gx:.1f}" x2="{gx:.1f}" y1="{y1}" y2="{y2}" stroke="{BAND}"/>'
                for y1, y2 in (TOP_PANEL, LOW_PANEL, COLOUR_PANEL)
            )
        if k % every == 0:
            last = outputs[k + 1][1] if k + 1 < len(outputs) else n
            cx = LEFT + step * (first + last) / 2
            out.append(
                f'<text x="{cx:.1f}" y="{COLOUR_PANEL[1] + 18}" fill="{MUTED}" '
                f'text-anchor="middle">{k + 1}</text>'
            )
    out.append(
        f'<text x="{LEFT}" y="{COLOUR_PANEL[1] + 37}" fill="{MUTED}">'
        "Outputs, numbered in the order they were made</text>"
    )
    # The appearances: a dot each; a flagged one a ring in both panels and its number.
    number = 0
    for i, pt in enumerate(p.points):
        a = pt.appearance
        cx, dy, ly, cy_ = x(i), yd(a.distance), yl(a.lab_l), yc(pt.delta_colour)
        tip = f"{a.where}: identity distance {a.distance:.2f}, exposure {a.lab_l:.0f} L*"
        if pt.flagged:
            number += 1
            tip += ". Flagged: " + "; ".join(pt.reasons)
            out.append(f'<g class="outlier"><title>{_text(f"{number}: {tip}")}</title>')
            for cy in (dy, ly, cy_):
                out.append(
                    f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="#ffffff" stroke="{FLAG}" '
                    'stroke-width="2.5"/>'
                )
            # The number goes by the mark of what strayed: identity, else exposure, else colour.
            if a.distance > t.identity_near:
                mark, panel_top = dy, TOP_PANEL[0]
            elif p.compared and abs(pt.delta_l) > t.lightness:
                mark, panel_top = ly, LOW_PANEL[0]
            else:
                mark, panel_top = cy_, COLOUR_PANEL[0]
            label_y = mark - 10 if mark - 10 > panel_top + 10 else mark + 20
            out.append(
                f'<text x="{cx:.1f}" y="{label_y:.1f}" fill="{FLAG}" font-weight="700" '
                f'text-anchor="middle">{number}</text>'
            )
            out.append("</g>")
        else:
            out.append(f'<g class="appearance"><title>{_text(tip)}</title>')
            for cy in (dy, ly, cy_):
                out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{POINT}"/>')
            out.append("</g>")
    # The key, in words beside each mark.
    ky = HEIGHT - 12
    out.append(f'<circle cx="{LEFT + 4}" cy="{ky - 5}" r="4" fill="{POINT}"/>')
    out.append(f'<text x="{LEFT + 13}" y="{ky}" fill="{INK}">a face</text>')
    out.append(
        f'<circle cx="{LEFT + 74}" cy="{ky - 5}" r="6" fill="#ffffff" stroke="{FLAG}" stroke-width="2.5"/>'
    )
    out.append(f'<text x="{LEFT + 85}" y="{ky}" fill="{INK}">flagged, numbered as in the list</text>')
    out.append("</svg>")
    return "".join(out)
