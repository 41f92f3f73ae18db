"""Real documents made by the tests: a signed contract or consent form as a PDF (laid out by
WeasyPrint, as the audit reports are), or a scan of one as a PNG."""

from PIL import Image, ImageDraw

from .images import encode


def pdf(title: str = "Licence agreement BHV-LN-2026-114", body: str = "") -> bytes:
    """Return a one-page PDF with the title and the body text, signed at its foot."""
    from weasyprint import HTML  # here: it loads Pango, which only the tests that make a PDF need

    body = body or (
        "Blue Harbour VFX grants Harbour Pictures the use of the Lighthouse matte painting as an "
        "input to AI generation, for SVOD and theatrical release, from 1 December 2026."
    )
    html = f"<h1>{title}</h1><p>{body}</p><p>Signed: Dana Okafor, 12 November 2026</p>"
    return HTML(string=html).write_pdf()


def scan(seed: int = 0, size=(420, 594)) -> bytes:
    """Return a scanned page as a PNG: lines of text and a signature stroke on paper."""
    page = Image.new("L", size, 245)
    draw = ImageDraw.Draw(page)
    draw.text((30, 30), f"CONSENT TO DIGITAL REPLICA  no. {seed}", fill=20)
    for i in range(14):
        draw.line((30, 70 + 24 * i, size[0] - 30 - (i * 7) % 60, 70 + 24 * i), fill=90, width=2)
    draw.line((40, size[1] - 80, 120, size[1] - 110, 200, size[1] - 70), fill=10, width=3)
    return encode(page, "PNG")
