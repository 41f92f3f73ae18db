"""A production's disclosure pack, as PDF and CSV and through the API: every AI-generated output
with its marks, a self-check that each reads back from the stored file (and fails once the manifest
is stripped from it), its disclosure and who decided it, and the credits text; and the page where
clearance decides positions and sets the visible label."""

import csv
import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from generation import services as gen
from generation.models import OutputDisclosure
from provenance.models import Watermark
from rightsledger.models import Production

from ..generation.conftest import Gate


def run(gate, capture, req):
    with capture(execute=True):
        gen.request_queue(actor=gate.world.producer_a, request=req)
    req.refresh_from_db()
    assert req.status == "succeeded", req.failure
    return req


@pytest.fixture
def made(world, django_capture_on_commit_callbacks):
    """Two outputs of production A: a plate alone, and one made with a performer's likeness (signed
    off by clearance), whose position defaults to a realistic depiction."""
    gate = Gate(world)
    gate.plain = run(gate, django_capture_on_commit_callbacks, gate.submit())
    gate.consent_and_grant()
    req = gate.submit(likeness=True)
    gen.request_sign_off(actor=world.clearance, request=req, approve=True, comment="Consent on file")
    gate.likeness_req = run(gate, django_capture_on_commit_callbacks, req)
    return gate


def _csv(client, production) -> list[dict]:
    response = client.get(f"/productions/{production.pk}/disclosure.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="{production.code}-disclosure.csv"'
    text = response.content.decode()
    table, _, credits = text.partition("\r\n\r\n")
    rows = list(csv.DictReader(io.StringIO(table)))
    return rows, credits


def _strip_manifest(asset) -> None:
    """Save the stored PNG again with its pixels alone, as a re-save that drops metadata does."""
    with asset.file.storage.open(asset.file.name, "rb") as fh:
        picture = Image.open(fh)
        picture.load()
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    path = asset.file.storage.path(asset.file.name)
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())


def test_the_csv_lists_every_output_its_marks_its_disclosure_and_the_credits(made, client):
    client.force_login(made.world.producer_a)
    rows, credits = _csv(client, made.world.prod_a)
    assert [r["Request"] for r in rows] == [f"Request {made.plain.pk}", f"Request {made.likeness_req.pk}"]
    plain, likeness = rows
    assert plain["Content Credentials manifest"] == made.plain.output.asset.signed.manifest_label
    assert plain["Marks read back"] == "Yes" and "Content Credentials: reads back" in plain["Self-check"]
    marked = Watermark.objects.filter(output=made.plain.output.asset.signed).first()
    assert plain["Watermark identifier"] == (str(marked.identifier) if marked else "None")
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ 20\d\d, \d\d:\d\d UTC", plain["Time-stamp"])  # by the TSA
    assert plain["Visible label"] == "None" and "Visible label: not applied" in plain["Self-check"]
    assert plain["Disclosure"].startswith("Evidently artistic, creative or fictional")
    assert plain["Decided by"] == "Recorded by default when the output was kept"
    assert likeness["Disclosure"].startswith("A realistic depiction of a real person or event")
    assert likeness["Why"] == "Made with a performer's likeness as an input"
    assert (
        "Credits" in credits
        and "EP102_SH0040" in credits
        and "Realistic depictions of real people" in credits
    )
    assert "María" not in credits and "Mara Vega" not in credits  # the credits name no one


def test_the_self_check_fails_when_the_manifest_is_removed_from_a_stored_file(made, client, api):
    _strip_manifest(made.plain.output.asset)
    client.force_login(made.world.clearance)
    rows, _ = _csv(client, made.world.prod_a)
    broken, intact = rows
    assert broken["Marks read back"] == "No" and intact["Marks read back"] == "Yes"
    assert "Content Credentials: missing, no Content Credentials were found" in broken["Self-check"]
    assert "Stored file: missing, the stored file differs from the one recorded" in broken["Self-check"]
    # The API says the same.
    body = api(made.world.clearance).get(f"/api/productions/{made.world.prod_a.pk}/disclosure-pack/").json()
    assert body["all_marks_read_back"] is False
    checks = {c["mark"]: c["passed"] for c in body["outputs"][0]["checks"]}
    assert checks["Content Credentials"] is False and checks["Watermark"] is None
    assert all(c["passed"] is not False for c in body["outputs"][1]["checks"])
    # And the PDF's summary.
    pdf = client.get(f"/productions/{made.world.prod_a.pk}/disclosure.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "1 output with a mark that does not read back" in text


def test_the_pdf_gives_each_output_its_marks_its_disclosure_who_decided_it_and_the_credits(made, client):
    gen.disclosure_decide(
        actor=made.world.clearance,
        output=made.plain.output,
        position="not_applicable",
        reason="A sky replacement: nothing real is depicted.",
    )
    made.world.clearance.first_name, made.world.clearance.last_name = "Dana", "Okafor"
    made.world.clearance.save()
    client.force_login(made.world.auditor)
    response = client.get(f"/productions/{made.world.prod_a.pk}/disclosure.pdf")
    assert response["Content-Disposition"] == 'attachment; filename="long-night-disclosure.pdf"'
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Disclosure pack" in text and "The Long Night" in text and "every mark reads back" in text
    assert "No disclosure applies" in text and "Dana Okafor (clearance)" in text
    assert "A sky replacement: nothing real is depicted." in text
    assert "Realistic depictions of real people" in text
    assert made.likeness_req.output.asset.signed.manifest_label in text.replace(" ", "")


def test_clearance_decides_a_position_and_sets_the_label_on_the_page(made, client):
    prod = made.world.prod_a
    client.force_login(made.world.clearance)
    page = client.get(f"/productions/{prod.pk}/disclosure/").content.decode()
    assert (
        "Record the position" in page
        and "Save the label" in page
        and "Outputs carry no visible label" in page
    )
    response = client.post(
        f"/requests/{made.plain.pk}/disclosure/",
        {"position": "deepfake", "reason": "A real street, recognisable."},
    )
    assert response.status_code == 302
    assert made.plain.output.disclosures.latest("id").position == "deepfake"
    refused = client.post(f"/requests/{made.plain.pk}/disclosure/", {"position": "artistic", "reason": ""})
    assert refused.status_code == 400 and "Say why this position applies" in refused.content.decode()
    assert (
        client.post(
            f"/productions/{prod.pk}/disclosure/label/",
            {"enabled": "on", "text": "Made with AI", "corner": "top_left"},
        ).status_code
        == 302
    )
    prod = Production.objects.get(pk=prod.pk)
    assert (prod.label_enabled, prod.label_text, prod.label_corner) == (True, "Made with AI", "top_left")
    page = client.get(f"/productions/{prod.pk}/disclosure/").content.decode()
    assert "carry the label “Made with AI” with an icon in the top left corner" in page


def test_a_producer_reads_the_page_but_has_no_forms_and_cannot_post(made, client):
    client.force_login(made.world.producer_a)
    page = client.get(f"/productions/{made.world.prod_a.pk}/disclosure/").content.decode()
    assert (
        "Record the position" not in page and "Save the label" not in page and "Disclosure required" in page
    )
    before = OutputDisclosure.objects.count()
    refused = client.post(
        f"/requests/{made.plain.pk}/disclosure/", {"position": "deepfake", "reason": "mine"}
    )
    assert refused.status_code == 403 and OutputDisclosure.objects.count() == before
    assert (
        client.post(f"/productions/{made.world.prod_a.pk}/disclosure/label/", {"enabled": "on"}).status_code
        == 403
    )


def test_the_request_page_says_the_outputs_disclosure(made, client):
    client.force_login(made.world.producer_a)
    page = client.get(f"/requests/{made.likeness_req.pk}/").content.decode()
    said = (
        "Disclosure under the EU AI Act: a realistic depiction of a real person or event: disclosure required"
    )
    assert f"{said} (made with a performer&#x27;s likeness as an input)" in page


def test_a_time_stamp_is_said_as_a_date_and_one_in_another_form_as_the_file_says_it(made):
    import dataclasses

    from generation import disclosure_pack

    (row, _) = disclosure_pack.pack_rows(made.world.prod_a, check=False)
    stamped = dataclasses.replace(row, marks=dataclasses.replace(row.marks, timestamp="2026-12-04T05:00:00Z"))
    assert stamped.timestamp_words == "4 December 2026, 05:00 UTC"
    odd = dataclasses.replace(row, marks=dataclasses.replace(row.marks, timestamp="Fri Dec 4 05:00:00 2026"))
    assert odd.timestamp_words == "Fri Dec 4 05:00:00 2026"
