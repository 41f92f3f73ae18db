"""Run when approved, and what the producer is told: a request submitted to run when approved is
queued by the sign-off that approves it (a refusal queues nothing), and the producer is notified,
in the portal and by e-mail, of each sign-off, each run's end and each revocation that touches
their requests: once per event, never for what they did themselves."""

import pytest
from django.core import mail

from generation import services as gen
from generation.models import GenerationRequest
from rightsledger import services as rs
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import LedgerEntry, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(gate):
    """A request of producer A that needs a sign-off, submitted to run when approved."""
    gate.consent_and_grant()
    gate.world.producer_a.email = "producer@harbour.example"
    gate.world.producer_a.first_name, gate.world.producer_a.last_name = "Ana", "Reyes"
    gate.world.producer_a.save()
    gate.world.clearance.first_name, gate.world.clearance.last_name = "Dana", "Okafor"
    gate.world.clearance.save()
    req = gate.submit(likeness=True, run_when_approved=True)
    assert req.status == "needs_clearance" and req.run_when_approved
    return req


def _entries(req, entry_type):
    return LedgerEntry.objects.filter(
        entry_type=entry_type, record_type="generation_request", record_id=req.pk
    )


def _notices(user):
    return list(Notification.objects.filter(user=user).order_by("id"))


def test_the_sign_off_queues_and_runs_a_request_submitted_to_run_when_approved(
    gate, waiting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_sign_off(
            actor=gate.world.clearance, request=waiting, approve=True, comment="The consent covers it."
        )
    req = GenerationRequest.objects.get(pk=waiting.pk)
    # Queued by the sign-off, on the producer's standing instruction; the worker (eager) ran it.
    assert req.status == "succeeded" and req.output.asset.origin == "generated"
    (queued,) = _entries(req, EntryType.GENERATION_QUEUED)
    assert queued.actor == f"user:{gate.world.producer_a.pk}"
    # The producer is told twice: the sign-off, then the signed output; clearance is told nothing.
    notices = _notices(gate.world.producer_a)
    assert [n.subject for n in notices] == [
        f"Request {req.pk} for shot EP102_SH0040 was approved by Dana Okafor",
        f"Request {req.pk} for shot EP102_SH0040 is signed and ready",
    ]
    assert "“The consent covers it.”" in notices[0].body and "queued to run now" in notices[0].body
    assert all(n.link == f"/requests/{req.pk}/" for n in notices)
    assert _notices(gate.world.clearance) == []
    assert [m.to for m in mail.outbox] == [["producer@harbour.example"]] * 2
    assert mail.outbox[0].subject == f"[Rightsledger] {notices[0].subject}"


def test_a_refused_sign_off_queues_nothing_and_tells_the_producer(
    gate, waiting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_sign_off(
            actor=gate.world.clearance, request=waiting, approve=False, comment="Not this performer."
        )
    req = GenerationRequest.objects.get(pk=waiting.pk)
    assert req.status == "refused" and req.attempts == 0
    assert not _entries(req, EntryType.GENERATION_QUEUED).exists()
    (notice,) = _notices(gate.world.producer_a)
    assert notice.subject.endswith("was refused by Dana Okafor") and "Nothing will run" in notice.body


def test_without_run_when_approved_the_sign_off_leaves_it_for_the_producer_to_queue(
    gate, django_capture_on_commit_callbacks
):
    gate.consent_and_grant()
    req = gate.submit(likeness=True)
    assert not req.run_when_approved
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_sign_off(actor=gate.world.clearance, request=req, approve=True, comment="Fine.")
    req.refresh_from_db()
    assert req.status == "approved" and not _entries(req, EntryType.GENERATION_QUEUED).exists()
    (notice,) = _notices(gate.world.producer_a)
    assert "Queue it to run from the request's page." in notice.body


def test_a_request_the_gate_approves_at_once_runs_at_once_and_its_submitter_is_told_only_of_the_output(
    gate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        req = gate.submit(run_when_approved=True)
    req.refresh_from_db()
    assert req.status == "succeeded"
    # Submitting was the producer's own act: only the run's end is news.
    assert [n.subject for n in _notices(gate.world.producer_a)] == [
        f"Request {req.pk} for shot EP102_SH0040 is signed and ready"
    ]


def test_a_requester_who_lost_their_role_is_not_queued_for(gate, waiting, django_capture_on_commit_callbacks):
    from rightsledger.models import Role

    role = Role.objects.get(user=gate.world.producer_a, status="active", replaced_by__isnull=True)
    rs.role_revoke(actor=gate.world.admin, role=role, reason="Left the production.")
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_sign_off(actor=gate.world.clearance, request=waiting, approve=True, comment="Fine.")
    assert GenerationRequest.objects.get(pk=waiting.pk).status == "approved"


def test_a_failed_run_and_a_stopped_run_are_told_once_each(gate, django_capture_on_commit_callbacks):
    # The plate is already 16:9: the set extension engine has nothing to extend, and fails.
    failing = gate.submit(
        engine="set_extension", intended_use="set_extension", parameters={"target_aspect": 1.7778}
    )
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_queue(actor=gate.world.producer_a, request=failing)
    failing.refresh_from_db()
    assert failing.status == "failed"
    stopping = gate.submit(seed=6)
    rs.grant_revoke(actor=gate.world.clearance, grant=gate.grant, reason="Licence terminated.")
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_queue(actor=gate.world.producer_a, request=stopping)
    stopping.refresh_from_db()
    assert stopping.status == "stopped"
    subjects = [n.subject for n in _notices(gate.world.producer_a)]
    assert subjects == [
        f"Request {failing.pk} for shot EP102_SH0040 failed",
        f"Request {stopping.pk} for shot EP102_SH0040 was stopped at run time",
    ]
    stopped = _notices(gate.world.producer_a)[-1]
    assert "has been revoked" in stopped.body


def test_a_revocation_tells_each_producer_whose_requests_relied_on_it_once(
    gate, django_capture_on_commit_callbacks
):
    first, second = gate.submit(seed=1), gate.submit(seed=2)
    other = gate.submit(seed=3, actor=gate.world.admin)  # the studio admin asked for one too
    with django_capture_on_commit_callbacks(execute=True):
        revoked = rs.grant_revoke(actor=gate.world.admin, grant=gate.grant, reason="Licence terminated.")
    (notice,) = _notices(gate.world.producer_a)
    assert notice.subject == "A grant your requests relied on was revoked"
    assert f"Request {first.pk} for shot EP102_SH0040 (approved)" in notice.body
    assert f"Request {second.pk}" in notice.body and f"Request {other.pk}" not in notice.body
    assert "2 of them have not run yet and stop at run time." in notice.body
    assert notice.link == f"/records/grant/{revoked.pk}/"
    # The admin revoked it: not told of their own act. Nobody else relied on it.
    assert _notices(gate.world.admin) == [] and Notification.objects.count() == 1


def test_the_api_takes_run_when_approved_and_says_so(gate, api, django_capture_on_commit_callbacks):
    gate.consent_and_grant()
    body = gate.body(
        inputs=[{"asset": gate.plate.pk, "role": "plate"}, {"asset": gate.likeness.pk, "role": "likeness"}],
        run_when_approved=True,
    )
    response = api(gate.world.producer_a).post("/api/generation/requests/", body, format="json")
    assert response.status_code == 201 and response.json()["run_when_approved"] is True
    assert response.json()["status"] == "needs_clearance"
    refused = api(gate.world.producer_a).post(
        "/api/generation/requests/", {**body, "run_when_approved": "yes"}, format="json"
    )
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["run_when_approved"]
    with django_capture_on_commit_callbacks(execute=True):
        signed = api(gate.world.clearance).post(
            f"/api/generation/requests/{response.json()['id']}/sign-off/",
            {"approve": True, "comment": "Covered."},
            format="json",
        )
    assert signed.status_code == 200
    assert GenerationRequest.objects.get(pk=response.json()["id"]).status == "succeeded"
    schema = api(gate.world.producer_a).get("/api/schema/", HTTP_ACCEPT="application/json")
    schemas = schema.json()["components"]["schemas"]
    assert schemas["RequestInRequest"]["properties"]["run_when_approved"]["type"] == "boolean"
    assert schemas["RequestOut"]["properties"]["run_when_approved"]["type"] == "boolean"
