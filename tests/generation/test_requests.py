"""Requests through the API: the decision comes back at once, with its reasons; sign-off,
queueing and the run (Celery eager here; a real worker in test_worker.py)."""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from generation import policy as p
from generation import selectors, services
from generation.models import Decision, GenerationOutput, GenerationRequest, SignOff
from generation.runner import NotApproved, engine_start
from provenance.models import LineageEdge
from rightsledger import services as rl
from rightsledger.errors import Conflict
from rightsledger.ledger.append import recording
from rightsledger.models import Asset, LedgerEntry

from .. import factories as f
from .. import images


@pytest.fixture
def queue(api, django_capture_on_commit_callbacks):
    """Queue a request as a user; the task it sends runs (eagerly) once the transaction commits."""

    def do(user, rid):
        with django_capture_on_commit_callbacks(execute=True):
            return api(user).post(f"/api/generation/requests/{rid}/queue/")

    return do


def submit(api, user, gate, **overrides):
    return api(user).post("/api/generation/requests/", gate.body(**overrides), format="json")


def test_an_approved_request_comes_back_with_its_decision_and_reasons(gate, api):
    response = submit(api, gate.world.producer_a, gate)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "approved" and data["decision"]["outcome"] == "approved"
    (r1,) = [r for r in data["decision"]["reasons"] if r["rule"] == "R1"]
    assert (
        r1["subject"] == "input 1"
        and {"type": "grant", "id": gate.grant.pk, "seq": r1["records"][1]["seq"]} in r1["records"]
    )
    decision = Decision.objects.get(pk=data["decision"]["id"])
    entry = LedgerEntry.objects.get(seq=decision.ledger_seq)
    assert entry.entry_type == "generation.decided" and decision.as_of_seq < entry.seq
    assert b"Vega" not in bytes(entry.body) and b"harbour" not in bytes(entry.body)  # no names, no prompt


def test_a_refused_request_says_why_and_what_would_pass(gate, api):
    response = submit(api, gate.world.producer_a, gate, territories=["US", "CN"])
    data = response.json()
    assert response.status_code == 201 and data["status"] == "refused"
    (r1,) = [r for r in data["decision"]["reasons"] if r["rule"] == "R1"]
    assert r1["outcome"] == "refused" and "not granted in CN" in r1["message"] and r1["remedy"]


def test_an_unknown_upload_is_refused_as_unregistered_input(gate, api):
    stranger = SimpleUploadedFile("found_online.png", images.png(77))
    body = gate.body(
        inputs='[{"upload": "file1", "role": "plate"}]', media="theatrical", territories="US", parameters="{}"
    )
    body["file1"] = stranger
    response = api(gate.world.producer_a).post("/api/generation/requests/", body, format="multipart")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "refused" and data["inputs"][0]["match"] == "unregistered"
    assert "unregistered input" in data["decision"]["reasons"][0]["message"]


def test_an_upload_of_registered_bytes_carries_the_assets_rights(gate, api):
    with gate.plate.file.open("rb") as fh:
        same = SimpleUploadedFile("renamed_copy.png", fh.read())
    body = gate.body(
        inputs='[{"upload": "plate", "role": "plate"}]', media="theatrical", territories="US", parameters="{}"
    )
    body["plate"] = same
    data = api(gate.world.producer_a).post("/api/generation/requests/", body, format="multipart").json()
    assert data["status"] == "approved" and data["inputs"][0] == {
        **data["inputs"][0],
        "asset": gate.plate.pk,
        "match": "sha256",
    }


def test_a_talent_named_in_the_prompt_by_alias_without_consent_is_refused(gate, api):
    data = submit(api, gate.world.producer_a, gate, prompt="rain on the quay, m. vega walking away").json()
    assert data["status"] == "refused" and data["talents"] == [gate.talent.pk]
    (r5,) = [r for r in data["decision"]["reasons"] if r["rule"] == "R5"]
    assert r5["subject"] == f"talent {gate.talent.pk}" and "Mara Vega" in r5["message"]


def test_names_match_without_accents_or_case(gate, api):
    data = submit(api, gate.world.producer_a, gate, prompt="MARIA ALVAREZ in the crowd").json()
    assert data["talents"] == [gate.talent.pk]
    data = submit(api, gate.world.producer_a, gate, prompt="a vegan market stall").json()
    assert data["talents"] == []


BAD = [
    ({"engine": "dreamer"}, "engine", "engine_unknown"),
    ({"engine_version": "0.1"}, "engine_version", "engine_version_unknown"),
    ({"parameters": {"fog_density": 7}}, "parameters.fog_density", "parameter_invalid"),
    ({"parameters": {"warp": 1}}, "parameters", "parameter_invalid"),
    ({"intended_use": "crowd_fill"}, "intended_use", "engine_use_mismatch"),
    ({"territories": ["XX"]}, "territories", "territory_unknown"),
    ({"release_end": "2026-01-01"}, "release_end", "window_end_before_start"),
    ({"seed": -1}, "seed", "seed_invalid"),
    ({"inputs": []}, "inputs", "required"),
    ({"inputs": [{"asset": 999999, "role": "plate"}]}, "inputs", "asset_unknown"),
    ({"inputs": [{"role": "plate"}]}, "inputs", "asset_or_upload"),
    ({"inputs": [{"asset": 1, "role": "backdrop"}]}, "inputs", "role_unknown"),
    ({"colour": "blue"}, "colour", "unknown_field"),
]


@pytest.mark.parametrize("overrides,field,code", BAD)
def test_bad_requests_get_a_4xx_and_write_nothing(gate, api, overrides, field, code):
    if overrides.get("inputs") == [{"asset": 1, "role": "backdrop"}]:
        overrides = {"inputs": [{"asset": gate.plate.pk, "role": "backdrop"}]}
    before = GenerationRequest.objects.count(), LedgerEntry.objects.count()
    response = submit(api, gate.world.producer_a, gate, **overrides)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == field and e["code"] == code for e in errors), errors
    assert (GenerationRequest.objects.count(), LedgerEntry.objects.count()) == before


def test_another_productions_asset_is_not_an_input(gate, api):
    other = f.make_asset(gate.world.prod_b, seed=34)
    response = submit(api, gate.world.producer_a, gate, inputs=[{"asset": other.pk, "role": "plate"}])
    assert response.status_code == 400 and GenerationRequest.objects.count() == 0


def test_producer_of_b_cannot_request_for_a_shot_of_a(gate, api):
    response = submit(api, gate.world.producer_b, gate)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "shot"
    assert (
        api(gate.world.guild_rep).post("/api/generation/requests/", gate.body(), format="json").status_code
        == 400
    )


def test_queue_runs_the_engine_and_records_one_output_with_lineage(gate, api, queue):
    req_id = submit(api, gate.world.producer_a, gate).json()["id"]
    response = queue(gate.world.producer_a, req_id)
    assert response.status_code == 202, response.content
    data = api(gate.world.producer_a).get(f"/api/generation/requests/{req_id}/").json()
    assert data["status"] == "succeeded" and data["output"]["media_type"] == "image/png"
    output = Asset.objects.get(pk=data["output"]["asset"])
    assert (
        output.origin == "generated"
        and output.kind == "generated"
        and (output.width, output.height) == (320, 180)
    )
    assert list(LineageEdge.objects.filter(child=output).values_list("parent_id", "role")) == [
        (gate.plate.pk, "plate")
    ]
    kinds = [d["kind"] for d in data["decisions"]]
    assert kinds == ["gate", "run_check"] and data["decisions"][1]["outcome"] == "approved"
    types = list(selectors.request_entries(req_id).values_list("entry_type", flat=True))
    assert types == [
        "generation.requested",
        "generation.decided",
        "generation.queued",
        "generation.started",
        "generation.rechecked",
        "generation.output_recorded",
    ]
    # Running it again records nothing new.
    assert services.request_run(request_id=req_id) == "already_done"
    assert GenerationOutput.objects.filter(request_id=req_id).count() == 1


def test_a_refused_or_unsigned_request_cannot_be_queued(gate, api, queue):
    refused = submit(api, gate.world.producer_a, gate, territories=["CN"]).json()["id"]
    response = queue(gate.world.producer_a, refused)
    assert response.status_code == 409 and "refused" in response.json()["errors"][0]["message"]


def likeness_request(gate, api, **consent_overrides):
    f.make_grant(
        gate.world.prod_a,
        gate.world.party,
        [gate.likeness],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
        contract_sha256=f.sha("likeness licence"),
    )
    consent = f.make_consent(
        gate.world.prod_a, gate.talent, permitted_uses=["likeness", "atmosphere"], **consent_overrides
    )
    data = submit(
        api,
        gate.world.producer_a,
        gate,
        inputs=[{"asset": gate.plate.pk, "role": "plate"}, {"asset": gate.likeness.pk, "role": "likeness"}],
    ).json()
    return data, consent


def test_a_likeness_use_needs_a_sign_off_from_someone_else(gate, api, queue):
    data, consent = likeness_request(gate, api)
    assert data["status"] == "needs_clearance", data["decision"]["reasons"]
    assert {r["rule"] for r in data["decision"]["reasons"]} >= {"R1", "R2", "R4"}
    rid = data["id"]
    # The producer cannot sign off; a clearance user who is the requester cannot either.
    assert (
        api(gate.world.producer_a)
        .post(f"/api/generation/requests/{rid}/sign-off/", {"approve": True, "comment": "ok"}, format="json")
        .status_code
        == 403
    )
    assert (
        api(gate.world.clearance)
        .post(f"/api/generation/requests/{rid}/sign-off/", {"approve": True, "comment": ""}, format="json")
        .status_code
        == 400
    )
    response = api(gate.world.clearance).post(
        f"/api/generation/requests/{rid}/sign-off/",
        {"approve": True, "comment": "Consent 2026-04 covers the harbour scene."},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    sign_off = SignOff.objects.get(request_id=rid)
    assert LedgerEntry.objects.get(seq=sign_off.ledger_seq).entry_type == "generation.signed_off"
    again = api(gate.world.admin).post(
        f"/api/generation/requests/{rid}/sign-off/", {"approve": False, "comment": "no"}, format="json"
    )
    assert again.status_code == 409
    assert queue(gate.world.producer_a, rid).status_code == 202
    assert GenerationRequest.objects.get(pk=rid).status == "succeeded"


def test_the_requester_cannot_sign_off_their_own_request(gate, api):
    f.make_grant(
        gate.world.prod_a,
        gate.world.party,
        [gate.likeness],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
        contract_sha256=f.sha("x"),
    )
    f.make_consent(gate.world.prod_a, gate.talent, permitted_uses=["likeness", "atmosphere"])
    body = gate.body(
        inputs=[{"asset": gate.plate.pk, "role": "plate"}, {"asset": gate.likeness.pk, "role": "likeness"}]
    )
    rid = api(gate.world.clearance).post("/api/generation/requests/", body, format="json").json()["id"]
    response = api(gate.world.clearance).post(
        f"/api/generation/requests/{rid}/sign-off/", {"approve": True, "comment": "mine"}, format="json"
    )
    assert response.status_code == 403 and "requester" in response.json()["errors"][0]["message"]
    assert not SignOff.objects.exists()


def test_a_consent_revoked_between_approval_and_run_stops_it(gate, api, queue):
    data, consent = likeness_request(gate, api)
    rid = data["id"]
    api(gate.world.clearance).post(
        f"/api/generation/requests/{rid}/sign-off/", {"approve": True, "comment": "fine"}, format="json"
    )
    rl.consent_revoke(actor=gate.world.clearance, consent=consent, reason="Performer withdrew consent")
    queue(gate.world.producer_a, rid)
    req = GenerationRequest.objects.get(pk=rid)
    assert req.status == "stopped" and "revoked" in req.failure
    assert not GenerationOutput.objects.filter(request=req).exists()
    recheck = req.decisions.get(kind="run_check")
    assert recheck.outcome == "refused" and recheck.as_of_seq > req.decisions.get(kind="gate").as_of_seq


def test_a_grant_revoked_between_approval_and_run_stops_it(gate, api, queue):
    rid = submit(api, gate.world.producer_a, gate).json()["id"]
    rl.grant_revoke(actor=gate.world.clearance, grant=gate.grant, reason="Licensor terminated")
    queue(gate.world.producer_a, rid)
    req = GenerationRequest.objects.get(pk=rid)
    assert (
        req.status == "stopped"
        and "revoked" in req.failure
        and not Asset.objects.filter(origin="generated").exists()
    )


def test_engine_start_without_an_approved_run_decision_raises(gate, api):
    rid = submit(api, gate.world.producer_a, gate).json()["id"]
    req = GenerationRequest.objects.get(pk=rid)
    gate_decision = req.decisions.get(kind="gate")
    with pytest.raises(NotApproved):
        engine_start(decision=None)
    with pytest.raises(NotApproved):
        engine_start(decision=gate_decision)  # an approved gate decision is not a run-time check
    forged = Decision(request=req, kind="run_check", outcome="approved", reasons=[], as_of_seq=0)
    with pytest.raises(NotApproved):
        engine_start(decision=forged)  # never recorded
    with recording(actor="system:worker") as rec:
        refused = services.decision_record(rec, req, p.Outcome(p.REFUSED, (), 0), "run_check")
    with pytest.raises(NotApproved):
        engine_start(decision=refused)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_offs_exactly_one_wins():
    from ..conftest import World
    from .conftest import Gate

    world = World()
    gate = Gate(world)
    f.make_grant(
        world.prod_a,
        world.party,
        [gate.likeness],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
        contract_sha256=f.sha("x"),
    )
    f.make_consent(world.prod_a, gate.talent, permitted_uses=["likeness", "atmosphere"])
    req = services.request_submit(
        actor=world.producer_a,
        production=world.prod_a,
        shot=gate.shot,
        engine="atmosphere",
        seed=1,
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
        inputs=[{"asset": gate.plate, "role": "plate"}, {"asset": gate.likeness, "role": "likeness"}],
    )
    assert req.status == "needs_clearance"
    barrier = threading.Barrier(2)
    results = []

    def sign(user, approve):
        try:
            barrier.wait()
            services.request_sign_off(actor=user, request=req, approve=approve, comment="checked")
            results.append("won")
        except Conflict:
            results.append("409")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign, args=(world.clearance, True)),
        threading.Thread(target=sign, args=(world.admin, False)),
    ]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == ["409", "won"]
    assert SignOff.objects.filter(request=req).count() == 1
    assert selectors.request_entries(req.pk).filter(entry_type="generation.signed_off").count() == 1


def test_engines_are_listed_with_versions(world, api):
    engines = {e["name"]: e for e in api(world.producer_a).get("/api/engines/").json()["engines"]}
    assert set(engines) >= {"atmosphere", "set_extension", "crowd_fill"}
    assert engines["crowd_fill"]["version"] == "1.0.0" and engines["crowd_fill"]["uses"] == [
        "crowd_fill",
        "synthetic_performer",
    ]
    assert engines["atmosphere"]["parameters"]["fog_density"]["max"] == 1.0


def test_check_answers_the_decision_and_records_nothing(gate, api):
    before = GenerationRequest.objects.count(), LedgerEntry.objects.count(), Decision.objects.count()
    response = api(gate.world.producer_a).post(
        "/api/generation/requests/check/", gate.body(territories=["US", "CN"]), format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["outcome"] == "refused" and any("not granted in CN" in r["message"] for r in data["reasons"])
    assert (
        GenerationRequest.objects.count(),
        LedgerEntry.objects.count(),
        Decision.objects.count(),
    ) == before
    assert (
        api(gate.world.producer_a)
        .post("/api/generation/requests/check/", gate.body(), format="json")
        .json()["outcome"]
        == "approved"
    )
    assert (
        api(gate.world.producer_b)
        .post("/api/generation/requests/check/", gate.body(), format="json")
        .status_code
        == 400
    )


def test_a_snapshot_as_of_an_earlier_sequence_number_sees_the_records_as_they_were(gate):
    from generation import policy as p
    from generation import selectors

    talent = gate.talent
    consent = f.make_consent(gate.world.prod_a, talent)
    before = selectors.ledger_head()
    rl.consent_revoke(actor=gate.world.clearance, consent=consent, reason="withdrawn")
    rl.grant_amend(actor=gate.world.clearance, grant=gate.grant, changes={"media": ["svod"]}, reason="A1")
    inputs = [
        p.InputFact(position=1, role="plate", asset_id=gate.plate.pk, owner_party_id=gate.world.party.pk)
    ]
    now, _ = selectors.snapshot(production_id=gate.world.prod_a.pk, inputs=inputs, talent_ids={talent.pk})
    then, _ = selectors.snapshot(
        production_id=gate.world.prod_a.pk, inputs=inputs, talent_ids={talent.pk}, as_of=before
    )
    assert [c.status for c in now.consents] == ["revoked"] and [c.status for c in then.consents] == ["active"]
    assert [g.media for g in now.grants] == [frozenset({"svod"})]
    assert [g.media for g in then.grants] == [frozenset({"theatrical", "svod"})] and then.grants[
        0
    ].id == gate.grant.pk
    assert (
        then.consents[0].term == now.consents[0].term
        and then.consents[0].scan_notice_date == now.consents[0].scan_notice_date
    )
    assert then.talents == now.talents and then.as_of_seq == before


def test_a_submission_sent_again_with_its_idempotency_key_is_recorded_once(gate, api):
    client = api(gate.world.producer_a)
    first = client.post(
        "/api/generation/requests/", gate.body(), format="json", HTTP_IDEMPOTENCY_KEY="shot-40-take-1"
    )
    again = client.post(
        "/api/generation/requests/", gate.body(), format="json", HTTP_IDEMPOTENCY_KEY="shot-40-take-1"
    )
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert GenerationRequest.objects.count() == 1
    assert LedgerEntry.objects.filter(entry_type="generation.requested").count() == 1
    # The same key for another request is refused; another key makes another request.
    other = client.post(
        "/api/generation/requests/", gate.body(seed=99), format="json", HTTP_IDEMPOTENCY_KEY="shot-40-take-1"
    )
    assert other.status_code == 409 and other.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert (
        client.post(
            "/api/generation/requests/",
            gate.body(seed=99),
            format="json",
            HTTP_IDEMPOTENCY_KEY="shot-40-take-2",
        ).status_code
        == 201
    )
    bad = client.post("/api/generation/requests/", gate.body(), format="json", HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "idempotency_key_invalid"
    assert GenerationRequest.objects.count() == 2
    # Keys are the requester's own: another user's same key is another request.
    assert (
        api(gate.world.clearance)
        .post("/api/generation/requests/", gate.body(), format="json", HTTP_IDEMPOTENCY_KEY="shot-40-take-1")
        .json()["id"]
        != first.json()["id"]
    )


def test_a_request_left_queued_without_its_message_is_sent_again(gate, django_capture_on_commit_callbacks):
    stranded, recent = gate.submit(), gate.submit(seed=2)
    with django_capture_on_commit_callbacks(
        execute=False
    ):  # their messages are never sent, as with the broker down
        services.request_queue(actor=gate.world.producer_a, request=stranded)
        services.request_queue(actor=gate.world.producer_a, request=recent)
    GenerationRequest.objects.filter(pk=stranded.pk).update(
        updated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_requeue_stranded(older_than=60) == 1  # sent (and, eagerly, run) here
    assert GenerationRequest.objects.get(pk=stranded.pk).status == "succeeded"
    assert GenerationRequest.objects.get(pk=recent.pk).status == "queued"  # only waiting its turn


WRONG_PARAMETERS = [5, "x", [1], [], True, False, 1.5, 10**30]


@pytest.mark.parametrize("parameters", WRONG_PARAMETERS, ids=repr)
@pytest.mark.parametrize("path", ["/api/generation/requests/check/", "/api/generation/requests/"])
def test_parameters_that_are_not_an_object_are_refused_naming_the_field(gate, api, path, parameters):
    before = (GenerationRequest.objects.count(), LedgerEntry.objects.count())
    response = api(gate.world.producer_a).post(path, gate.body(parameters=parameters), format="json")
    assert response.status_code == 400, response.content
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("parameters", "parameters_not_an_object")
    ]
    assert (GenerationRequest.objects.count(), LedgerEntry.objects.count()) == before
