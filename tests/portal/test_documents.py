"""The portal's record form takes the contract or the signed consent form itself (the SHA-256 only
where the document stays with the legal team), and the record's page shows and serves it."""

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rightsledger import selectors, services
from rightsledger.models import ConsentRecord, Document, LedgerEntry, RightsGrant

from .. import documents as docs
from .. import factories as f


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def plate(world):
    return f.make_asset(world.prod_a, seed=41)


@pytest.fixture
def talent(world):
    return f.make_talent(
        "Maria Alvarez", guild=world.guild, member_id="SAG-1001", professional_name="Mara Vega"
    )


@pytest.fixture
def contract() -> bytes:
    return docs.pdf()


def as_user(client, user):
    client.logout()
    client.force_login(user)
    return client


def grant_form(world, plate, **overrides) -> dict:
    data = {
        "grantor": world.party.pk,
        "assets": [plate.pk],
        "uses": ["genai_input"],
        "media": ["theatrical", "svod"],
        "territories": "GB, US",
        "term_start": "2026-12-01",
        "term_end": "2027-11-30",
        "exclusivity": "non_exclusive",
        "document_mode": "upload",
    }
    data.update(overrides)
    return data


def written():
    return RightsGrant.objects.count(), Document.objects.count(), LedgerEntry.objects.count()


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_new_grant_form_asks_for_the_contract_first_and_opens_without_an_error(world, client):
    page = as_user(client, world.clearance).get(f"/productions/{world.prod_a.pk}/records/grant/new/")
    html = page.content.decode()
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in html
    assert 'name="document_mode" value="upload" data-document-mode checked' in html
    assert "The document stays with us (enter its SHA-256)" in html and 'type="file" id="f-document"' in html
    assert 'class="errorlist"' not in html


def test_clearance_records_a_grant_from_its_contract_and_downloads_it(world, client, plate, contract):
    client = as_user(client, world.clearance)
    response = client.post(
        f"/productions/{world.prod_a.pk}/records/grant/new/",
        grant_form(world, plate, document=SimpleUploadedFile("BHV-LN-2026-114.pdf", contract)),
    )
    grant = RightsGrant.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/records/grant/{grant.pk}/"
    assert grant.contract_sha256 == sha(contract)
    document = selectors.record_document(grant)
    page = visible_text(client.get(response["Location"]).content.decode())
    when = f"{document.uploaded_at:%-d %B %Y, %H:%M} UTC"
    assert f"Contract: BHV-LN-2026-114.pdf ({document.size / 1024:.1f} KB, uploaded {when})" in page
    assert "Download the signed contract" in page
    download = client.get(f"/records/grant/{grant.pk}/document/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == contract
    assert download["Content-Disposition"] == 'attachment; filename="BHV-LN-2026-114.pdf"'
    assert download["Content-Usage"] == "train-ai=n" and download["X-Robots-Tag"] == "noai, noimageai"


def test_a_document_that_stays_with_the_legal_team_is_recorded_by_its_hash(world, client, plate):
    client = as_user(client, world.clearance)
    response = client.post(
        f"/productions/{world.prod_a.pk}/records/grant/new/",
        grant_form(world, plate, document_mode="hash", contract_sha256=f.sha("kept by legal")),
    )
    grant = RightsGrant.objects.get()
    assert response.status_code == 302 and grant.contract_sha256 == f.sha("kept by legal")
    page = visible_text(client.get(response["Location"]).content.decode())
    assert "Contract: Kept by the studio's legal team: only its SHA-256 is recorded here." in page
    assert client.get(f"/records/grant/{grant.pk}/document/").status_code == 404


def test_no_file_chosen_is_refused_next_to_the_document_and_writes_nothing(world, client, plate):
    before = written()
    response = as_user(client, world.clearance).post(
        f"/productions/{world.prod_a.pk}/records/grant/new/", grant_form(world, plate)
    )
    html = response.content.decode()
    assert response.status_code == 400 and written() == before
    part = html[
        html.index('class="document-choice"') : html.index("</fieldset>", html.index("document-choice"))
    ]
    assert (
        "Upload the signed contract (a PDF or an image), or, where it stays with you, give its SHA-256"
        in part
    )


@pytest.mark.parametrize(
    "name,data,words",
    [
        ("minutes.txt", b"Minutes of the call of 12 November.\n" * 20, "is not accepted as a document"),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_a_file_that_is_not_a_pdf_or_an_image_is_refused_in_words(world, client, plate, name, data, words):
    before = written()
    response = as_user(client, world.clearance).post(
        f"/productions/{world.prod_a.pk}/records/grant/new/",
        grant_form(world, plate, document=SimpleUploadedFile(name, data)),
    )
    text = visible_text(response.content.decode())
    assert response.status_code == 400 and words in text.replace("&#x27;", "'")
    assert f"Choose {name} again" in text
    assert written() == before


def test_a_file_with_a_different_hash_is_refused(world, client, plate, contract):
    before = written()
    response = as_user(client, world.clearance).post(
        f"/productions/{world.prod_a.pk}/records/grant/new/",
        grant_form(
            world,
            plate,
            document=SimpleUploadedFile("contract.pdf", contract),
            contract_sha256=f.sha("another contract"),
        ),
    )
    assert response.status_code == 400 and f"The file uploaded has the SHA-256 {sha(contract)}" in (
        response.content.decode()
    )
    assert written() == before


def test_an_oversize_contract_is_refused_by_the_asset_limit(world, client, plate, contract, settings):
    settings.ASSET_MAX_BYTES = 1_000
    before = written()
    response = as_user(client, world.clearance).post(
        f"/productions/{world.prod_a.pk}/records/grant/new/",
        grant_form(world, plate, document=SimpleUploadedFile("contract.pdf", contract)),
    )
    assert response.status_code == 413 and "1,000 bytes" in response.content.decode()
    assert written() == before


def test_amending_keeps_the_contract_unless_a_new_one_is_chosen(world, client, plate, contract):
    client = as_user(client, world.clearance)
    grant = services.grant_create(
        actor=world.clearance,
        document=SimpleUploadedFile("BHV-LN-2026-114.pdf", contract),
        **f.grant_fields(world.prod_a, world.party, [plate], contract_sha256=""),
    )
    form = client.get(f"/records/grant/{grant.pk}/amend/").content.decode()
    assert "Leave it empty to keep BHV-LN-2026-114.pdf" in form
    assert 'name="document_mode" value="upload" data-document-mode checked' in form
    fields = {
        "grantor": world.party.pk,
        "assets": [plate.pk],
        "uses": grant.uses,
        "media": grant.media,
        "territories": "WORLD",
        "term_start": "2026-01-01",
        "term_end": "2031-12-31",
        "exclusivity": "non_exclusive",
        "document_mode": "upload",
        "reason": "Extension letter of 2026-05-01",
    }
    response = client.post(f"/records/grant/{grant.pk}/amend/", fields)
    kept = RightsGrant.objects.get(replaces=grant)
    assert response.status_code == 302 and kept.contract_sha256 == grant.contract_sha256
    rider = docs.pdf("Rider 2")
    response = client.post(
        f"/records/grant/{kept.pk}/amend/",
        {**fields, "reason": "Rider 2", "document": SimpleUploadedFile("rider-2.pdf", rider)},
    )
    replaced = RightsGrant.objects.get(replaces=kept)
    assert response.status_code == 302 and replaced.contract_sha256 == sha(rider)
    assert selectors.record_document(replaced).original_filename == "rider-2.pdf"


def test_the_guild_reads_and_downloads_a_members_signed_form_and_nothing_else(world, client, talent, plate):
    form = docs.scan(2)
    consent = services.consent_create(
        actor=world.clearance,
        document=SimpleUploadedFile("consent-mara-vega.png", form),
        **f.consent_fields(world.prod_a, talent, evidence_sha256=""),
    )
    grant = services.grant_create(
        actor=world.clearance,
        document=SimpleUploadedFile("contract.pdf", docs.pdf()),
        **f.grant_fields(world.prod_a, world.party, [plate], contract_sha256=""),
    )
    client = as_user(client, world.guild_rep)
    page = visible_text(client.get(f"/guild/consents/{consent.pk}/").content.decode())
    assert (
        "Signed consent form consent-mara-vega.png (" in page and "Download the signed consent form" in page
    )
    download = client.get(f"/records/consent/{consent.pk}/document/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == form
    assert download["Content-Disposition"] == 'attachment; filename="consent-mara-vega.png"'
    assert client.get(f"/records/grant/{grant.pk}/document/").status_code == 404
    # A producer of another production reads neither; one of this production reads both.
    client = as_user(client, world.producer_b)
    assert client.get(f"/records/consent/{consent.pk}/document/").status_code == 404
    client = as_user(client, world.producer_a)
    assert client.get(f"/records/consent/{consent.pk}/document/").status_code == 200
    assert ConsentRecord.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in(world, client, plate, contract):
    grant = services.grant_create(
        actor=world.clearance,
        document=SimpleUploadedFile("contract.pdf", contract),
        **f.grant_fields(world.prod_a, world.party, [plate], contract_sha256=""),
    )
    response = client.get(f"/records/grant/{grant.pk}/document/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
