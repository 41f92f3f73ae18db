"""A record's document (a grant's contract, a consent's signed form): uploaded with the record,
checked from its bytes, stored content-addressed beside the assets, its SHA-256 computed by the
server and recorded; downloadable by exactly those who may read the record."""

import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from rightsledger import selectors, services
from rightsledger.errors import PayloadTooLarge
from rightsledger.models import ConsentRecord, Document, LedgerEntry, RightsGrant, content_name

from .. import documents as docs
from .. import factories as f
from .. import images


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(data: bytes, name: str = "BHV-LN-2026-114.pdf") -> SimpleUploadedFile:
    # The content type a client claims is never read: the bytes say what the file is.
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def contract() -> bytes:
    return docs.pdf()


@pytest.fixture
def plate(world):
    return f.make_asset(world.prod_a, seed=21)


@pytest.fixture
def talent(world):
    return f.make_talent(
        "Maria Alvarez", guild=world.guild, member_id="SAG-1001", professional_name="Mara Vega"
    )


def written():
    """What a refused write must leave as it was: records, documents and ledger entries."""
    return (
        RightsGrant.objects.count(),
        ConsentRecord.objects.count(),
        Document.objects.count(),
        LedgerEntry.objects.count(),
    )


def stored(data: bytes) -> bool:
    return default_storage.exists(content_name(sha(data)))


# --- The services ------------------------------------------------------------------------------


def test_a_grant_recorded_from_its_contract_holds_the_sha256_the_server_computed(world, plate, contract):
    fields = f.grant_fields(world.prod_a, world.party, [plate], contract_sha256="")
    grant = services.grant_create(actor=world.clearance, document=upload(contract), **fields)
    assert grant.contract_sha256 == sha(contract)
    document = selectors.record_document(grant)
    assert (document.original_filename, document.media_type, document.size) == (
        "BHV-LN-2026-114.pdf",
        "application/pdf",
        len(contract),
    )
    assert document.uploaded_by == world.clearance and document.production == world.prod_a
    with document.file.open("rb") as fh:
        assert fh.read() == contract
    # The ledger entry commits to the document by its hash; the file's name (free text) is not in it.
    entry = LedgerEntry.objects.get(record_type="grant", record_id=grant.pk)
    assert json.loads(bytes(entry.body))["payload"]["contract_sha256"] == sha(contract)
    assert b"BHV-LN" not in bytes(entry.body)


def test_a_consent_is_recorded_from_a_scan_of_the_signed_form(world, talent):
    form = docs.scan(3)
    fields = f.consent_fields(world.prod_a, talent, evidence_sha256="")
    consent = services.consent_create(
        actor=world.clearance, document=upload(form, "consent-vega.png"), **fields
    )
    assert consent.evidence_sha256 == sha(form)
    document = selectors.record_document(consent)
    assert document.media_type == "image/png" and document.original_filename == "consent-vega.png"


def test_the_same_contract_for_two_grants_is_stored_once(world, plate, contract):
    fields = f.grant_fields(world.prod_a, world.party, [plate], contract_sha256="")
    first = services.grant_create(actor=world.clearance, document=upload(contract), **fields)
    second = services.grant_create(actor=world.clearance, document=upload(contract, "copy.pdf"), **fields)
    assert Document.objects.count() == 1
    assert selectors.record_document(first) == selectors.record_document(second)
    assert selectors.record_document(second).original_filename == "BHV-LN-2026-114.pdf"


def test_a_file_with_the_sha256_typed_beside_it_is_accepted_when_they_agree(world, plate, contract):
    fields = f.grant_fields(world.prod_a, world.party, [plate], contract_sha256=sha(contract).upper())
    grant = services.grant_create(actor=world.clearance, document=upload(contract), **fields)
    assert grant.contract_sha256 == sha(contract) and Document.objects.count() == 1


def test_a_hash_alone_is_still_recorded_and_has_no_document(world, plate):
    grant = f.make_grant(world.prod_a, world.party, [plate], contract_sha256=f.sha("kept by legal"))
    assert selectors.record_document(grant) is None and Document.objects.count() == 0


def test_an_amendment_keeps_the_document_unless_a_new_one_is_given(world, plate, contract):
    fields = f.grant_fields(world.prod_a, world.party, [plate], contract_sha256="")
    grant = services.grant_create(actor=world.clearance, document=upload(contract), **fields)
    kept = services.grant_amend(
        actor=world.clearance,
        grant=grant,
        changes={"restrictions": "Credit Blue Harbour VFX."},
        reason="Rider 1",
    )
    assert kept.contract_sha256 == grant.contract_sha256
    assert selectors.record_document(kept) == selectors.record_document(grant)
    rider = docs.pdf("Rider 2 to BHV-LN-2026-114")
    replaced = services.grant_amend(
        actor=world.clearance, grant=kept, changes={}, reason="Rider 2", document=upload(rider, "rider-2.pdf")
    )
    assert replaced.contract_sha256 == sha(rider) and replaced.version == 3
    assert selectors.record_document(replaced).original_filename == "rider-2.pdf"
    # The earlier versions still name, and serve, the first contract.
    assert selectors.record_document(grant).original_filename == "BHV-LN-2026-114.pdf"


def bad_files():
    contract = docs.pdf()
    return [
        ("notes.txt", b"Signed by both parties on 12 November 2026.\n" * 20, "content_type_unsupported"),
        ("contract.docx", b"PK\x03\x04" + b"\x00" * 200, "content_type_unsupported"),
        ("empty.pdf", b"", "file_empty"),
        ("contract.pdf", contract + b"PK\x03\x04 a zip riding on the PDF", "trailing_data"),
        ("contract.pdf", contract[: len(contract) // 2], "pdf_corrupt"),
        ("contract.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n", "pdf_corrupt"),
        ("scan.pdf", images.png(4), "content_type_mismatch"),
        ("scan.png", images.png(4) + b"<html>hidden</html>", "trailing_data"),
    ]


@pytest.mark.parametrize("index", range(8))
def test_a_bad_document_is_refused_in_words_and_nothing_is_written(world, plate, index):
    name, data, code = bad_files()[index]
    before = written()
    fields = f.grant_fields(world.prod_a, world.party, [plate], contract_sha256="")
    with pytest.raises(ValidationError) as refused:
        services.grant_create(actor=world.clearance, document=upload(data, name), **fields)
    errors = refused.value.error_dict["document"]
    assert [e.code for e in errors] == [code] and errors[0].messages[0].endswith(".")
    assert written() == before and not stored(data)


def test_an_oversize_document_is_refused_by_the_asset_limit(world, plate, contract, settings):
    settings.ASSET_MAX_BYTES = 1_000
    before = written()
    fields = f.grant_fields(world.prod_a, world.party, [plate], contract_sha256="")
    with pytest.raises(PayloadTooLarge) as refused:
        services.grant_create(actor=world.clearance, document=upload(contract), **fields)
    assert refused.value.field == "document" and "1,000" in refused.value.message
    assert written() == before and not stored(contract)


def test_a_file_and_a_different_sha256_are_refused(world, plate, contract):
    before = written()
    fields = f.grant_fields(world.prod_a, world.party, [plate], contract_sha256=f.sha("another contract"))
    with pytest.raises(ValidationError) as refused:
        services.grant_create(actor=world.clearance, document=upload(contract), **fields)
    [error] = refused.value.error_dict["contract_sha256"]
    assert error.code == "document_hash_mismatch" and sha(contract) in error.messages[0]
    assert written() == before and not stored(contract)


def test_a_refused_record_leaves_its_document_unstored(world, plate, contract):
    before = written()
    fields = f.grant_fields(world.prod_a, world.party, [plate], contract_sha256="", territories=["XX"])
    with pytest.raises(ValidationError) as refused:
        services.grant_create(actor=world.clearance, document=upload(contract), **fields)
    assert "territories" in refused.value.error_dict
    assert written() == before and not stored(contract)


def test_neither_a_document_nor_a_sha256_asks_for_the_document(world, plate):
    fields = f.grant_fields(world.prod_a, world.party, [plate], contract_sha256="")
    with pytest.raises(ValidationError) as refused:
        services.grant_create(actor=world.clearance, **fields)
    [error] = refused.value.error_dict["contract_sha256"]
    assert error.code == "required" and error.messages[0].startswith("Upload the signed contract")


def test_a_stored_document_is_kept_when_a_failed_write_of_the_same_bytes_cleans_up(world, talent):
    """Content-addressed storage: a failed asset registration or generated output removes the bytes
    it stored, unless something uses them; a consent's signed form uses them."""
    form = docs.scan(9)
    services.consent_create(
        actor=world.clearance,
        document=upload(form, "form.png"),
        **f.consent_fields(world.prod_a, talent, evidence_sha256=""),
    )
    services.content_unstore_unless_used(sha(form))
    assert stored(form)


# --- The API -------------------------------------------------------------------------------------


def grant_json(world, plate, **overrides) -> dict:
    data = {
        "grantor": world.party.pk,
        "production": world.prod_a.pk,
        "assets": [plate.pk],
        "uses": ["genai_input"],
        "media": ["theatrical", "svod"],
        "territories": ["GB", "US"],
        "term_start": "2026-12-01",
        "term_end": "2027-11-30",
        "requires_review": True,
    }
    data.update(overrides)
    return data


def consent_json(world, talent, **overrides) -> dict:
    data = {
        "talent": talent.pk,
        "production": world.prod_a.pk,
        "grantor_role": "performer",
        "representation": "counsel",
        "replica_type": "employment_based",
        "modalities": ["face"],
        "intended_use_description": f.USE_DESCRIPTION,
        "permitted_uses": ["likeness"],
        "media": ["theatrical"],
        "territories": ["WORLD"],
        "term_start": "2026-01-01",
    }
    data.update(overrides)
    return data


def post_multipart(api, user, path, json_part: dict, document: SimpleUploadedFile | None, part="record"):
    body = {part: json.dumps(json_part)}
    if document is not None:
        body["document"] = document
    return api(user).post(path, body, format="multipart")


def test_the_api_records_a_grant_from_a_multipart_upload(world, api, plate, contract):
    response = post_multipart(
        api, world.clearance, "/api/grants/", grant_json(world, plate), upload(contract)
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["contract_sha256"] == sha(contract) and data["requires_review"] is True
    grant = RightsGrant.objects.get(pk=data["id"])
    assert selectors.record_document(grant).original_filename == "BHV-LN-2026-114.pdf"
    # The same JSON without a file still takes the hash, as before.
    typed = api(world.clearance).post(
        "/api/grants/", grant_json(world, plate, contract_sha256=f.sha("kept by legal")), format="json"
    )
    assert typed.status_code == 201 and typed.json()["contract_sha256"] == f.sha("kept by legal")


def test_the_api_records_a_consent_from_its_signed_form(world, api, talent):
    form = docs.scan(5)
    response = post_multipart(
        api, world.clearance, "/api/consents/", consent_json(world, talent), upload(form, "vega-consent.png")
    )
    assert response.status_code == 201, response.content
    assert response.json()["evidence_sha256"] == sha(form)


def test_the_api_amends_a_grant_with_a_new_contract(world, api, plate, contract):
    created = post_multipart(api, world.clearance, "/api/grants/", grant_json(world, plate), upload(contract))
    rider = docs.pdf("Rider 1")
    response = post_multipart(
        api,
        world.clearance,
        f"/api/grants/{created.json()['id']}/amend/",
        {"changes": {"media": ["theatrical"]}, "reason": "Rider 1 of 2027-01-10"},
        upload(rider, "rider-1.pdf"),
        part="amendment",
    )
    assert response.status_code == 201, response.content
    assert response.json()["contract_sha256"] == sha(rider) and response.json()["media"] == ["theatrical"]


API_BAD = [
    ("notes.txt", b"Signed.\n" * 40, "document", "content_type_unsupported"),
    ("empty.pdf", b"", "document", "file_empty"),
    ("scan.pdf", images.png(2), "document", "content_type_mismatch"),
]


@pytest.mark.parametrize("name,data,field,code", API_BAD)
def test_the_api_refuses_a_bad_document_with_400_and_writes_nothing(
    world, api, plate, name, data, field, code
):
    before = written()
    response = post_multipart(
        api, world.clearance, "/api/grants/", grant_json(world, plate), upload(data, name)
    )
    assert response.status_code == 400, response.content
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert written() == before


def test_the_api_refuses_a_file_with_a_different_sha256(world, api, plate, contract):
    before = written()
    response = post_multipart(
        api,
        world.clearance,
        "/api/grants/",
        grant_json(world, plate, contract_sha256=f.sha("another")),
        upload(contract),
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "contract_sha256" and error["code"] == "document_hash_mismatch"
    assert written() == before and not stored(contract)


def test_the_api_refuses_an_oversize_document_with_413(world, api, plate, contract, settings):
    settings.ASSET_MAX_BYTES = 1_000
    before = written()
    response = post_multipart(
        api, world.clearance, "/api/grants/", grant_json(world, plate), upload(contract)
    )
    assert response.status_code == 413 and response.json()["errors"][0]["field"] in ("document", "file")
    assert written() == before


def test_the_api_says_what_a_multipart_body_takes(world, api, plate, contract):
    response = api(world.clearance).post(
        "/api/grants/",
        {"record": json.dumps(grant_json(world, plate)), "contract": upload(contract)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "'record' (the JSON, as text) and 'document' (the file)" in response.json()["errors"][0]["message"]
    not_json = api(world.clearance).post(
        "/api/grants/", {"record": "grantor=1", "document": upload(contract)}
    )
    assert not_json.status_code == 400 and not_json.json()["errors"][0]["field"] == "record"


def test_a_reservation_takes_no_document(world, api, contract):
    response = api(world.clearance).post(
        "/api/reservations/", {"record": "{}", "document": upload(contract)}, format="multipart"
    )
    assert response.status_code == 415


# --- Who downloads a document: exactly those who may read the record --------------------------------


@pytest.fixture
def recorded(world, plate, talent, contract):
    """A grant of production A from its contract, and a consent of a SAG-AFTRA member from a scan."""
    grant = services.grant_create(
        actor=world.clearance,
        document=upload(contract),
        **f.grant_fields(world.prod_a, world.party, [plate], contract_sha256=""),
    )
    consent = services.consent_create(
        actor=world.clearance,
        document=upload(docs.scan(1), "consent-mara-vega.png"),
        **f.consent_fields(world.prod_a, talent, evidence_sha256=""),
    )
    return grant, consent


GRANT_READERS = {
    "admin": 200,
    "clearance": 200,
    "producer_a": 200,
    "auditor": 200,
    "producer_b": 404,  # another production's: not told it exists
    "guild_rep": 404,  # a guild reads its members' consents, never grants
}
CONSENT_READERS = {**GRANT_READERS, "guild_rep": 200}  # the performer is a member of the guild


@pytest.mark.parametrize("who,status", GRANT_READERS.items())
def test_who_downloads_a_grants_contract(world, api, recorded, contract, who, status):
    grant, _ = recorded
    response = api(getattr(world, who)).get(f"/api/grants/{grant.pk}/document/")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == contract
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="BHV-LN-2026-114.pdf"'
        assert response["Content-Usage"] == "train-ai=n" and response["tdm-reservation"] == "1"
        assert response["X-Robots-Tag"] == "noai, noimageai"


@pytest.mark.parametrize("who,status", CONSENT_READERS.items())
def test_who_downloads_a_consents_signed_form(world, api, recorded, who, status):
    _, consent = recorded
    response = api(getattr(world, who)).get(f"/api/consents/{consent.pk}/document/")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == docs.scan(1)
        assert response["Content-Disposition"] == 'attachment; filename="consent-mara-vega.png"'


def test_an_anonymous_caller_downloads_nothing(api, recorded):
    grant, consent = recorded
    assert api(None).get(f"/api/grants/{grant.pk}/document/").status_code == 401
    assert api(None).get(f"/api/consents/{consent.pk}/document/").status_code == 401


def test_a_document_kept_by_the_legal_team_answers_404_saying_so(world, api, plate):
    grant = f.make_grant(world.prod_a, world.party, [plate])
    response = api(world.clearance).get(f"/api/grants/{grant.pk}/document/")
    assert response.status_code == 404
    assert "stays with the studio's legal team" in response.json()["errors"][0]["message"]


def test_a_hash_typed_in_another_production_does_not_reach_the_document(world, api, recorded, contract):
    """A document is found by its production and hash: knowing a hash gives nothing elsewhere."""
    asset_b = f.make_asset(world.prod_b, seed=31)
    grant_b = f.make_grant(world.prod_b, world.party, [asset_b], contract_sha256=sha(contract))
    assert api(world.admin).get(f"/api/grants/{grant_b.pk}/document/").status_code == 404


def test_erasing_a_performer_redacts_a_file_name_that_names_them_and_keeps_the_bytes(world, talent):
    """A document's file name is free text: an erasure reaches it as any other field that names the
    performer. The signed form itself, evidence of what was agreed, stays under its SHA-256."""
    form = docs.scan(4)
    consent = services.consent_create(
        actor=world.clearance,
        document=upload(form, "consent Mara Vega.png"),
        **f.consent_fields(world.prod_a, talent, evidence_sha256=""),
    )
    services.talent_erase(actor=world.admin, talent=talent, basis="performer_request")
    document = Document.objects.get()
    assert document.original_filename == "erased.png" and document.sha256 == consent.evidence_sha256
    assert stored(form)
