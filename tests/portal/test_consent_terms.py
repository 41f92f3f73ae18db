"""A consent's compensation and residual terms on its portal page: clearance reads them; a
producer and an auditor read only that they are on record."""

import pytest

from .. import factories as f

WITHHELD = "On record: clearance and the guild can read them"


@pytest.fixture
def consent(world):
    talent = f.make_talent("Ana Reyes", guild=world.guild, member_id="SAG-77")
    return f.make_consent(
        world.prod_a,
        talent,
        residual_terms_reference="Deal memo 14, clause 9",
        capture_business_reason="The rooftop fall cannot be performed safely on set.",
    )


@pytest.mark.parametrize("who,reads", [("clearance", True), ("producer_a", False), ("auditor", False)])
def test_the_terms_are_read_by_clearance_only(world, client, consent, who, reads):
    client.force_login(getattr(world, who))
    page = client.get(f"/records/consent/{consent.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Compensation terms" in html and "Residual terms" in html
    assert "Business reason for the scan" in html
    assert ("PAY-2026-0042" in html and "Deal memo 14, clause 9" in html) is reads
    assert (WITHHELD in html) is not reads


def test_a_synthetic_performer_is_asked_for_and_justified_on_the_form(world, client):
    import datetime

    from generation.models import GenerationRequest

    from ..generation.conftest import Gate

    gate = Gate(world)
    world.prod_a.performer_rules = ["synthetic_performer_justified"]
    world.prod_a.save(update_fields=["performer_rules"])  # the rules' own service is tested by the API
    client.force_login(world.producer_a)
    form = {
        "shot": gate.shot.pk,
        "engine": "crowd_fill",
        "intended_use": "synthetic_performer",
        "seed": "7",
        "media": ["theatrical"],
        "territories": "US",
        "release_start": "2026-06-01",
        "release_end": "2026-12-31",
        "asset": [str(gate.plate.pk), str(gate.element.pk)],
        f"role_{gate.plate.pk}": "plate",
        f"role_{gate.element.pk}": "element",
        "synthetic_justification": "Onlookers far from camera; no performer is seen up close.",
    }
    page = client.get(f"/productions/{world.prod_a.pk}/requests/new/")
    assert "Why a synthetic performer" in page.content.decode()
    response = client.post(f"/productions/{world.prod_a.pk}/requests/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    req = GenerationRequest.objects.get()
    assert req.status == "needs_clearance" and req.release_end == datetime.date(2026, 12, 31)
    assert req.synthetic_justification.startswith("Onlookers far from camera")
    shown = client.get(response["Location"]).content.decode()
    assert "Onlookers far from camera" in shown
    assert "with a justification: it needs a clearance sign-off" in shown


def test_a_producer_cannot_find_a_consent_by_its_terms(world, client, consent):
    client.force_login(world.producer_a)
    html = client.get("/registers/consents/?q=PAY").content.decode()
    assert f"/records/consent/{consent.pk}/" not in html
    assert f"/records/consent/{consent.pk}/" in client.get("/registers/consents/").content.decode()


def test_no_page_or_export_a_producer_or_an_auditor_reads_names_the_terms(world, client):
    """Every portal page and download that shows a consent, or a decision that relied on one, to
    production A's producer and auditor: the terms are never in it (the record page says only
    that they are on record)."""
    from ..generation.conftest import Gate

    gate = Gate(world)
    consent = f.make_consent(
        world.prod_a,
        gate.talent,
        permitted_uses=["likeness", "atmosphere"],
        residual_terms_reference="Deal memo 14, clause 9",
    )
    gate.grant_likeness()
    req = gate.submit(likeness=True)
    assert req.status == "needs_clearance"
    assert any(
        ref["type"] == "consent" and ref["id"] == consent.pk
        for r in req.decisions.order_by("id").last().reasons
        for ref in r.get("records", ())
    )
    shot = gate.shot.pk
    urls = [
        f"/records/consent/{consent.pk}/",
        "/registers/consents/",
        f"/productions/{world.prod_a.pk}/registers/consents/",
        f"/requests/{req.pk}/",
        f"/shots/{shot}/audit/",
        f"/shots/{shot}/audit.csv",
        f"/shots/{shot}/audit.prov.json",
        f"/productions/{world.prod_a.pk}/disclosure/",
        f"/productions/{world.prod_a.pk}/disclosure.csv",
    ]
    for who in (world.producer_a, world.auditor):
        client.force_login(who)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url, response.status_code)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode()
            assert "PAY-2026-0042" not in text and "Deal memo 14" not in text, (who.username, url)
        exported = client.post("/registers/consents/export.csv", {"selected": [consent.pk]})
        assert exported.status_code == 200 and "Mara Vega" in exported.content.decode()
        assert "PAY-2026-0042" not in exported.content.decode()
        record = client.get(f"/records/consent/{consent.pk}/").content.decode()
        assert WITHHELD in record


def test_the_guild_reads_the_terms_on_its_consent_page(world, client, consent):
    client.force_login(world.guild_rep)
    html = client.get(f"/guild/consents/{consent.pk}/").content.decode()
    assert "Compensation terms" in html and "PAY-2026-0042" in html
    assert "Residual terms" in html and "Deal memo 14, clause 9" in html
    # A consent without them says so, in words.
    bare = f.make_consent(
        world.prod_a, consent.talent, compensation_reference="", residual_terms_reference=""
    )
    html = client.get(f"/guild/consents/{bare.pk}/").content.decode()
    assert html.count("Not on record") == 2
