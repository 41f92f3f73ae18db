"""Disclosure under Art. 50: each output's position, its default (a likeness makes it a realistic
depiction of a real person), clearance's decision through the API, and who may make it."""

import json

import pytest

from generation import services
from generation.models import GenerationRequest, OutputDisclosure
from rightsledger.models import LedgerEntry

from .conftest import Gate


def payload(entry) -> dict:
    return json.loads(bytes(entry.body))["payload"]


def run(gate: Gate, capture, req) -> GenerationRequest:
    """Queue the request as producer A and run it (eagerly, once the queueing commits)."""
    with capture(execute=True):
        services.request_queue(actor=gate.world.producer_a, request=req)
    req.refresh_from_db()
    assert req.status == "succeeded", req.failure
    return req


@pytest.fixture
def gate(world):
    return Gate(world)


def test_an_output_made_without_a_likeness_is_recorded_as_creative_work(
    gate, django_capture_on_commit_callbacks
):
    req = run(gate, django_capture_on_commit_callbacks, gate.submit())
    (disclosure,) = OutputDisclosure.objects.filter(output__request=req)
    assert (disclosure.position, disclosure.basis, disclosure.decided_by) == (
        "artistic",
        "creative_work",
        None,
    )
    entry = LedgerEntry.objects.get(record_type="output_disclosure", record_id=disclosure.pk)
    assert entry.entry_type == "generation.disclosure_decided" and entry.seq == disclosure.ledger_seq
    assert entry.actor == "system:worker"
    body = payload(entry)
    assert body["position"] == "artistic" and body["output_asset"] == req.output.asset_id
    assert "supersedes" not in body


def test_an_output_made_with_a_likeness_defaults_to_a_realistic_depiction(
    gate, django_capture_on_commit_callbacks
):
    gate.consent_and_grant()
    req = gate.submit(likeness=True)
    assert req.status == "needs_clearance"
    services.request_sign_off(
        actor=gate.world.clearance, request=req, approve=True, comment="Consent on file"
    )
    req = run(gate, django_capture_on_commit_callbacks, req)
    disclosure = req.output.disclosures.get()
    assert (disclosure.position, disclosure.basis) == ("deepfake", "likeness_input")
    assert payload(LedgerEntry.objects.get(seq=disclosure.ledger_seq))["position"] == "deepfake"


def test_an_output_the_likeness_check_held_defaults_to_a_realistic_depiction(gate):
    req = gate.submit()  # a plate alone: no likeness asked for
    assert services.disclosure_default_of(req, held=False) == ("artistic", "creative_work")
    assert services.disclosure_default_of(req, held=True) == ("deepfake", "likeness_held")


def test_clearance_decides_a_position_with_a_reason_and_the_default_stays_on_the_record(
    gate, api, django_capture_on_commit_callbacks
):
    req = run(gate, django_capture_on_commit_callbacks, gate.submit())
    default = req.output.disclosures.get()
    url = f"/api/generation/requests/{req.pk}/disclosure/"
    response = api(gate.world.clearance).post(
        url,
        {"position": "not_applicable", "reason": "A sky replacement: no person, place or event."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["current"]["position"] == "not_applicable" and body["current"]["basis"] == "decided"
    assert body["current"]["decided_by"] == gate.world.clearance.pk
    assert [h["position"] for h in body["history"]] == ["not_applicable", "artistic"]
    decided = OutputDisclosure.objects.get(pk=body["current"]["id"])
    entry = LedgerEntry.objects.get(seq=decided.ledger_seq)
    assert entry.actor == f"user:{gate.world.clearance.pk}"
    recorded = payload(entry)
    assert recorded["supersedes"] == default.pk and recorded["basis"] == "decided"
    # The reason is in the row; the ledger holds only a commitment to it.
    assert "sky replacement" not in bytes(entry.body).decode() and recorded["personal"]["reason"]
    # Everyone who reads the production reads the position.
    assert api(gate.world.auditor).get(url).json()["current"]["position"] == "not_applicable"


@pytest.mark.parametrize(
    "body,field,words",
    [
        ({"position": "maybe", "reason": "x"}, "position", "a realistic depiction of a real person"),
        ({"position": "artistic", "reason": " "}, "reason", "Say why this position applies"),
        ({"position": "artistic"}, "reason", "required"),
    ],
)
def test_a_decision_without_a_known_position_or_a_reason_is_refused_and_nothing_written(
    gate, api, django_capture_on_commit_callbacks, body, field, words
):
    req = run(gate, django_capture_on_commit_callbacks, gate.submit())
    before = LedgerEntry.objects.count()
    response = api(gate.world.clearance).post(
        f"/api/generation/requests/{req.pk}/disclosure/", body, format="json"
    )
    assert response.status_code == 400
    (error,) = [e for e in response.json()["errors"] if e["field"] == field]
    assert words in error["message"] or words == error["code"]
    assert LedgerEntry.objects.count() == before and OutputDisclosure.objects.count() == 1


def test_a_producer_reads_the_position_but_cannot_decide_it(gate, api, django_capture_on_commit_callbacks):
    req = run(gate, django_capture_on_commit_callbacks, gate.submit())
    url = f"/api/generation/requests/{req.pk}/disclosure/"
    producer = api(gate.world.producer_a)
    assert producer.get(url).status_code == 200
    refused = producer.post(url, {"position": "not_applicable", "reason": "mine"}, format="json")
    assert refused.status_code == 403
    assert OutputDisclosure.objects.count() == 1
    # Another production's producer is told there is no such request.
    assert api(gate.world.producer_b).get(url).status_code == 404


def test_a_request_without_an_output_has_no_position_yet(gate, api):
    req = gate.submit()
    response = api(gate.world.clearance).get(f"/api/generation/requests/{req.pk}/disclosure/")
    assert response.status_code == 404 and "no output yet" in response.json()["errors"][0]["message"]
