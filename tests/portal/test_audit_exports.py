"""A shot's audit as a PDF report and a CSV: the cover, the lineage drawing, each decision with
its reasons, the records relied on by name (marked when revoked since), page numbers and the
checkpoint; a CSV with one header row and one column per field, in words."""

import csv
import io
import re

import pytest
from pypdf import PdfReader

from generation import services as gen
from portal import exports
from rightsledger import services
from rightsledger.ledger import checkpoints

from .. import factories as f
from ..generation.conftest import Gate


@pytest.fixture
def shot(transactional_db, world, ledger_key, django_capture_on_commit_callbacks):
    """A shot with one request that ran (an output and its lineage), a grant it relied on, and a
    signed checkpoint."""
    gate = Gate(world)
    req = gate.submit()
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_queue(actor=world.producer_a, request=req)  # eager: runs and records the output
    checkpoints.ledger_publish()
    gate.request = req
    return gate


def _pdf_text(content: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_has_a_cover_numbered_pages_the_drawing_and_the_checkpoint(shot, client):
    client.force_login(shot.world.auditor)
    response = client.get(f"/shots/{shot.shot.pk}/audit.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{shot.shot.code}-audit.pdf"'
    count, pages = _pdf_text(response.content)
    assert count >= 3  # the cover, the drawing, a page per request
    cover = _flat(pages[0])
    assert f"Audit of shot {shot.shot.code}" in cover and "The Long Night" in cover
    for n, text in enumerate(pages, start=1):
        assert f"page {n} of {count}" in _flat(text)
    checkpoint = checkpoints.latest_checkpoint()
    footer = f"Ledger checkpoint: {checkpoint.size} entries, root {bytes(checkpoint.root).hex()[:12]}"
    assert all(footer in _flat(text) for text in pages)
    assert re.search(r"Made \d{1,2} [A-Z][a-z]+ 20\d\d, \d\d:\d\d UTC", _flat(pages[-1]))
    # The lineage drawing is in the PDF as a drawing: its boxes' text is there, on its own page.
    output = shot.request.output.asset_id
    drawing = next(_flat(t) for t in pages if "Lineage of the shot's outputs" in t)
    assert f"A-{shot.plate.pk}" in drawing and f"A-{output}" in drawing
    body = _flat(" ".join(pages))
    assert f"Request {shot.request.pk}" in body and f"Grant {shot.grant.pk}, version 1, from" in body
    assert "Decision at submission" in body and "['" not in body and "grant:" not in body


def test_a_grant_revoked_since_is_marked_with_its_date_on_the_page_in_the_pdf_and_the_csv(shot, client):
    revoked = services.grant_revoke(actor=shot.world.clearance, grant=shot.grant, reason="Contract ended")
    when = revoked.created_at.strftime("%-d %B %Y")
    client.force_login(shot.world.auditor)
    _, pages = _pdf_text(client.get(f"/shots/{shot.shot.pk}/audit.pdf").content)
    body = _flat(" ".join(pages))
    # Still named by its first version's number, not the revocation's.
    assert f"Grant {shot.grant.pk}, version 1" in body and f"Grant {revoked.pk}," not in body
    assert f"Revoked on {when}" in body
    page = _flat(re.sub(r"<[^>]+>", " ", client.get(f"/shots/{shot.shot.pk}/audit/").content.decode()))
    assert f"Grant {shot.grant.pk}, version 1, from" in page and f"Revoked on {when}" in page
    rows = list(csv.DictReader(io.StringIO(client.get(f"/shots/{shot.shot.pk}/audit.csv").content.decode())))
    marked = [r["Revoked or amended since"] for r in rows if r["Revoked or amended since"]]
    assert marked and all(m.startswith(f"Grant {shot.grant.pk} revoked on {when}") for m in marked)


def test_the_csv_has_one_header_row_and_a_column_per_field_in_words(shot, client):
    client.force_login(shot.world.auditor)
    response = client.get(f"/shots/{shot.shot.pk}/audit.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{shot.shot.code}-audit.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == exports.CSV_HEADER
    assert len(rows) > 1 and all(len(r) == len(exports.CSV_HEADER) for r in rows)
    records = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert {r["Shot"] for r in records} == {shot.shot.code}
    assert {r["Production"] for r in records} == {"The Long Night"}
    assert {r["Request"] for r in records} == {f"Request {shot.request.pk}"}
    grant = [r for r in records if r["Records relied on"]]
    assert (
        grant
        and grant[0]["Records relied on"] == f"Grant {shot.grant.pk}, version 1, from {shot.world.party.name}"
    )
    plate = shot.plate.title or shot.plate.original_filename
    assert any(r["Assets relied on"] == f"A-{shot.plate.pk} {plate}" for r in records)
    text = response.content.decode()
    assert "grant:" not in text and "asset:" not in text and "needs_clearance" not in text
    assert {r["In the latest checkpoint"] for r in records} == {"Yes"}


def test_the_shots_lineage_drawing_is_a_page_of_its_own_and_its_text_is_legible(shot, client):
    client.force_login(shot.world.producer_a)
    page = client.get(f"/shots/{shot.shot.pk}/audit/").content.decode()
    assert f'src="/shots/{shot.shot.pk}/lineage.svg"' in page and "Open the drawing full size" in page
    svg = client.get(f"/shots/{shot.shot.pk}/lineage.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    sizes = {float(s) for s in re.findall(r'font-size="([0-9.]+)"', svg.content.decode())}
    assert sizes and min(sizes) >= 12
    client.force_login(shot.world.producer_b)  # another production's producer
    assert client.get(f"/shots/{shot.shot.pk}/lineage.svg").status_code == 404
    client.force_login(shot.world.auditor)
    empty = f.make_shot(shot.world.prod_a, "EP102_SH0990")
    assert client.get(f"/shots/{empty.pk}/lineage.svg").status_code == 404
