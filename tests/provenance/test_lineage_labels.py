"""The lineage drawing quotes what people typed: an asset's title is text in its box, never DOT
syntax, whatever characters it holds (graphviz's own escaping)."""

import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from provenance import lineage
from rightsledger.models import Asset

from .. import images

SVG_TEXT = "{http://www.w3.org/2000/svg}text"
TITLES = [
    "Matte painting v3\\",  # a title ending in a backslash: it escaped the label's closing quote
    "C:\\plates\\harbour\\n",
    'The "Lighthouse" plate',
    "<b>bold</b> & <i>",
    "<<table>>",
    "{rank=same; a -> b}",
    "]; node [shape=none",
    "Línea 1\nLine 2\r\tend",
    "海港の夜景 · Ночная гавань · מִגְדַּלּוֹר",
    "\\\\\\",
    '\\"',
]


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(SVG_TEXT)]


@pytest.mark.parametrize("title", TITLES)
def test_a_title_is_drawn_as_it_reads(title):
    asset = Asset(pk=7, kind="plate", origin="ingested", title=title, original_filename="x.png")
    texts = _texts(lineage.svg([asset], []))
    # The title on its own line, a run of spaces and control characters as one space.
    assert texts == ["A-7", "plate", " ".join(title.split())], (title, texts)


def test_a_long_title_is_cut_without_cutting_an_escape():
    title = "x" * (lineage.TITLE_CHARS - 1) + "\\" + "y" * 10  # the cut falls just after a backslash
    asset = Asset(pk=8, kind="plate", origin="ingested", title=title, original_filename="x.png")
    assert _texts(lineage.svg([asset], []))[2] == title[: lineage.TITLE_CHARS]


def test_the_lineage_svg_of_an_asset_with_a_hostile_title_answers(world, api):
    client = api(world.clearance)
    title = 'Plate "A" <v3> {draft} 海港 \\'
    created = client.post(
        "/api/assets/",
        {
            "production": world.prod_a.pk,
            "kind": "plate",
            "title": title,
            "file": SimpleUploadedFile("p.png", images.png(51)),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    response = client.get(f"/api/assets/{created.json()['id']}/lineage.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert title.strip() in _texts(response.content.decode())
