"""Journey 1, as a clearance lawyer does it in the browser: a grant recorded from the contract's PDF
and a consent from a scan of the signed form, chosen with the file chooser, with no hash typed;
then each document downloaded from the record's page. Headless Chromium against a live server,
with the fixtures and the axe-core check of test_browser."""

import hashlib
from pathlib import Path

from rightsledger import selectors
from rightsledger.models import ConsentRecord, RightsGrant

from .. import documents as docs
from .test_browser import Visit, browser, portal, pytestmark  # noqa: F401  (fixtures and marks reused)


def choose_file(page, name: str, data: bytes, mime: str) -> None:
    """Pick a file as a person does: click the field, and choose the file in the chooser it opens."""
    with page.expect_file_chooser() as chooser:
        page.click("#f-document")
    chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": data}])


def download(page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    return started.value.suggested_filename, Path(started.value.path()).read_bytes()


def test_clearance_records_a_grant_and_a_consent_from_their_documents(browser, portal):  # noqa: F811
    w = portal.world
    contract = docs.pdf("Licence agreement BHV-LN-2026-114")
    form = docs.scan(7)
    tab = Visit(browser, portal.url, w.clearance)
    page = tab.page
    assert page.url.endswith("/clearance/")

    # A grant, from the contract's PDF.
    page.get_by_role("link", name="grant", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.is_checked("input[name=document_mode][value=upload]")
    assert page.is_hidden("#f-contract_sha256")  # the hash is asked for only if the document stays with us
    page.select_option("#f-grantor", str(w.party.pk))
    page.check(f"input[name=assets][value='{portal.plate.pk}']")
    page.check("input[name=uses][value=genai_input]")
    page.check("input[name=media][value=svod]")
    page.check("input[name=media][value=theatrical]")
    page.fill("#f-territories", "GB, US")
    page.fill("#f-term_start", "2026-12-01")
    page.fill("#f-term_end", "2027-11-30")
    page.fill("#f-restrictions", "No use in advertising; credit Blue Harbour VFX.")
    choose_file(page, "BHV-LN-2026-114.pdf", contract, "application/pdf")
    tab.check("documents-grant-form")
    for width, name in ((1366, "documents-grant-form-1366"), (390, "documents-grant-form-390")):
        page.set_viewport_size({"width": width, "height": 900})
        tab.check(name)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Record").click()
    page.wait_for_load_state("networkidle")
    grant = RightsGrant.objects.latest("id")
    assert page.url.endswith(f"/records/grant/{grant.pk}/")
    assert grant.contract_sha256 == hashlib.sha256(contract).hexdigest()
    assert "Contract: BHV-LN-2026-114.pdf" in page.inner_text(".record-document")
    tab.check("documents-grant-page")
    name, data = download(page, "Download the signed contract")
    assert (name, data) == ("BHV-LN-2026-114.pdf", contract)

    # A consent, from a scan of the signed form; the hash part appears only when chosen.
    page.get_by_role("link", name="Sign-offs and alerts").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="consent", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.check("input[name=document_mode][value=hash]")
    assert page.is_visible("#f-evidence_sha256") and page.is_hidden("#f-document")
    page.check("input[name=document_mode][value=upload]")
    page.select_option("#f-talent", str(portal.talent.pk))
    page.select_option("#f-grantor_role", "performer")
    page.select_option("#f-representation", "counsel")
    page.select_option("#f-replica_type", "employment_based")
    page.check("input[name=modalities][value=face]")
    page.fill(
        "#f-intended_use_description",
        "Digital replica of Mara Vega's face for the rooftop chase in episode 102, shots EP102_SH0040 to "
        "EP102_SH0060, to complete stunt footage.",
    )
    page.check("input[name=permitted_uses][value=likeness]")
    page.check("input[name=media][value=theatrical]")
    page.fill("#f-territories", "WORLD")
    page.fill("#f-term_start", "2026-12-01")
    choose_file(page, "consent-mara-vega.png", form, "image/png")
    tab.check("documents-consent-form")
    page.get_by_role("button", name="Record").click()
    page.wait_for_load_state("networkidle")
    consent = ConsentRecord.objects.latest("id")
    assert page.url.endswith(f"/records/consent/{consent.pk}/")
    assert consent.evidence_sha256 == hashlib.sha256(form).hexdigest()
    assert selectors.record_document(consent).media_type == "image/png"
    tab.check("documents-consent-page")
    name, data = download(page, "Download the signed consent form")
    assert (name, data) == ("consent-mara-vega.png", form)
    tab.close()

    # The guild representative finds the member's signed form on the guild's page, and downloads it.
    tab = Visit(browser, portal.url, w.guild_rep)
    page = tab.page
    # The member's consent just recorded, among the consents the guild's list shows.
    page.get_by_role("link", name="Mara Vega").and_(
        page.locator(f"[href='/guild/consents/{consent.pk}/']")
    ).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/guild/consents/{consent.pk}/")
    tab.check("documents-guild-consent")
    name, data = download(page, "Download the signed consent form")
    assert (name, data) == ("consent-mara-vega.png", form)
    tab.close()
