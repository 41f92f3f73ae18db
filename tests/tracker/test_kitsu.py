"""The Kitsu bridge against a real zou: shots synced in and kept in step, decisions posted back
as comments, statuses and shot data, exactly once even across an outage."""

import datetime
import itertools
import json
import time

import gazu
import pytest

from generation.models import GenerationRequest
from rightsledger import services as rl
from rightsledger.models import LedgerEntry, Shot
from tracker import services
from tracker.kitsu import TASK_TYPE
from tracker.models import TrackerLink, TrackerPost

from .. import factories as f

_names = itertools.count(1)


def project(client, sequences=3, shots=50):
    """A Kitsu project of sequences x shots, each shot with a frame range."""
    p = gazu.project.new_project(f"Harbour {next(_names)} {time.monotonic_ns()}", client=client)
    for s in range(1, sequences + 1):
        seq = gazu.shot.new_sequence(p, f"SQ{s:02d}", client=client)
        for n in range(1, shots + 1):
            gazu.shot.new_shot(
                p, seq, f"SH{n * 10:04d}", nb_frames=48, frame_in=1001, frame_out=1048, client=client
            )
    return p


def linked(world, client, sequences=1, shots=3):
    p = project(client, sequences, shots)
    services.project_link(actor=None, production=world.prod_a, external_id=p["id"], external_name=p["name"])
    return p


def test_a_project_of_150_shots_syncs_once_and_a_second_run_changes_nothing(world, kitsu):
    p = linked(world, kitsu, sequences=3, shots=50)
    plan = services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings())
    assert len(plan.created) == 150 and not plan.updated and not plan.removed
    shot = Shot.objects.get(production=world.prod_a, code="SQ02_SH0130")
    assert (shot.sequence, shot.frame_in, shot.frame_out, shot.frame_count, shot.removed) == (
        "SQ02",
        1001,
        1048,
        48,
        False,
    )
    link = TrackerLink.objects.get(shot=shot)
    assert (
        link.kind == "shot"
        and link.external_name == "SQ02/SH0130"
        and LedgerEntry.objects.filter(record_type="tracker_link", record_id=link.pk).exists()
    )
    entries = LedgerEntry.objects.count()
    again = services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings())
    assert again.changes == 0 and len(again.unchanged) == 150 and LedgerEntry.objects.count() == entries
    assert (
        services.project_link(actor=None, production=world.prod_a, external_id=p["id"]).pk
        == TrackerLink.objects.get(kind="project").pk
    )


def test_a_changed_frame_range_arrives_and_a_removed_shot_is_marked_never_deleted(world, kitsu):
    p = linked(world, kitsu)
    services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings())
    remote = {s["name"]: s for s in gazu.shot.all_shots_for_project(p, client=kitsu)}
    changed = gazu.shot.get_shot(remote["SH0020"]["id"], client=kitsu)
    changed["data"]["frame_out"], changed["nb_frames"] = 1072, 72
    gazu.shot.update_shot(changed, client=kitsu)
    gazu.shot.remove_shot(remote["SH0030"], force=True, client=kitsu)
    dry = services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings(), dry_run=True)
    assert dry.updated == {
        "SQ01_SH0020": {"frame_out": [1048, 1072], "frame_count": [48, 72]}
    } and dry.removed == ["SQ01_SH0030"]
    assert Shot.objects.get(code="SQ01_SH0020").frame_out == 1048  # a dry run changes nothing
    plan = services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings())
    assert plan.updated == dry.updated and plan.removed == ["SQ01_SH0030"]
    assert Shot.objects.get(code="SQ01_SH0020").frame_out == 1072
    removed = Shot.objects.get(code="SQ01_SH0030")
    assert removed.removed is True
    update = LedgerEntry.objects.filter(entry_type="shot.updated", record_id=removed.pk).latest("seq")
    assert json.loads(bytes(update.body))["payload"]["changes"] == {"removed": True}
    assert services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings()).changes == 0


def clearance_comments(client, shot_id):
    task_type = gazu.task.get_task_type_by_name(TASK_TYPE, client=client)
    task = gazu.task.get_task_by_entity(shot_id, task_type, client=client)
    return task, (gazu.task.all_comments_for_task(task, client=client) if task else [])


def run_request_body(shot, plate, **overrides):
    return {
        "shot": shot.pk,
        "engine": "atmosphere",
        "parameters": {"fog_density": 0.3, "rain": 0},
        "seed": 1,
        "intended_use": "atmosphere",
        "media": ["theatrical"],
        "territories": ["US"],
        "release_start": "2026-06-01",
        "release_end": "2027-05-31",
        "inputs": [{"asset": plate.pk, "role": "plate"}],
        **overrides,
    }


def run_request(world, api, capture, shot, plate, **overrides):
    body = run_request_body(shot, plate, **overrides)
    with capture(execute=True):
        rid = api(world.producer_a).post("/api/generation/requests/", body, format="json").json()["id"]
    with capture(execute=True):
        api(world.producer_a).post(f"/api/generation/requests/{rid}/queue/")
    return GenerationRequest.objects.get(pk=rid)


@pytest.fixture
def plate(world):
    asset = f.make_asset(world.prod_a, seed=61, owner=world.party)
    f.make_grant(
        world.prod_a,
        world.party,
        [asset],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
        term_start=datetime.date(2026, 1, 1),
        term_end=datetime.date(2030, 12, 31),
    )
    return asset


def test_a_request_on_a_linked_shot_posts_comment_status_and_data(
    world, kitsu, api, plate, django_capture_on_commit_callbacks
):
    p = linked(world, kitsu)
    services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings())
    shot = Shot.objects.get(code="SQ01_SH0010")
    external = TrackerLink.objects.get(shot=shot).external_id
    started = time.perf_counter()
    req = run_request(world, api, django_capture_on_commit_callbacks, shot, plate)
    elapsed = time.perf_counter() - started
    assert req.status == "succeeded", req.failure
    task, comments = clearance_comments(kitsu, external)
    texts = [c["text"] for c in reversed(comments)]
    assert len(texts) == 3 and all(f"request {req.pk}" in t for t in texts), texts
    assert (
        "the gate decided APPROVED" in texts[0]
        and "the check at run time decided APPROVED" in texts[1]
        and "ran: its output is signed" in texts[2]
    )
    gate = req.decisions.get(kind="gate")
    assert (
        f"[rightsledger:decision:{gate.pk}]" in texts[0]
        and f"https://rights.example/shots/{shot.pk}/audit/" in texts[0]
    )
    assert gazu.task.get_task_status(task["task_status_id"], client=kitsu)["name"] == "Approved"
    data = gazu.shot.get_shot(external, client=kitsu)["data"]["rightsledger"]
    run_check = req.decisions.get(kind="run_check")
    assert data == {
        "decision": run_check.pk,
        "ledger_seq": run_check.ledger_seq,
        "status": "approved",
        "request": req.pk,
        "audit": f"https://rights.example/shots/{shot.pk}/audit/",
    }
    assert TrackerPost.objects.filter(state="delivered").count() == 3
    # A shot of the same production that no link names gets no post.
    unlinked = f.make_shot(world.prod_a, "SQ99_SH9990")
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api(world.producer_a)
            .post("/api/generation/requests/", run_request_body(unlinked, plate), format="json")
            .status_code
            == 201
        )
    assert TrackerPost.objects.count() == 3 and not TrackerPost.objects.filter(shot=unlinked).exists()
    # The gate's decision alone, to its comment on the zou shot (delivered at commit, in the test's
    # eager mode).
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rid = (
            api(world.producer_a)
            .post("/api/generation/requests/", {**run_request_body(shot, plate)}, format="json")
            .json()["id"]
        )
    decided = time.perf_counter()
    for callback in callbacks:
        callback()
    to_comment = time.perf_counter() - decided
    _, comments = clearance_comments(kitsu, external)
    assert f"request {rid}" in comments[0]["text"]
    print(
        "\nrequest submitted to its three comments (gate, run check, run; "
        f"engine included): {elapsed:.2f} s; a committed decision to its "
        f"comment, status and data on the zou shot: {to_comment * 1000:.0f} ms"
    )
    print("zou shot data:", json.dumps(gazu.shot.get_shot(external, client=kitsu)["data"]))
    print("zou comment:", comments[0]["text"])
    assert p  # the project stays for the session's zou


def test_decisions_made_while_zou_is_down_are_delivered_once_when_it_is_back(
    world, zou, kitsu, api, plate, django_capture_on_commit_callbacks
):
    linked(world, kitsu)
    services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings())
    shots = list(Shot.objects.filter(production=world.prod_a, code__startswith="SQ01_").order_by("code"))
    zou.stop()
    try:
        refused = run_request(
            world, api, django_capture_on_commit_callbacks, shots[0], plate, media=["svod"]
        )  # the grant covers theatrical only
        approved = run_request(world, api, django_capture_on_commit_callbacks, shots[1], plate)
        assert refused.status == "refused" and approved.status == "succeeded"  # Kitsu down blocks nothing
        pending = TrackerPost.objects.filter(state="pending")
        # Delivery stops at the first post that fails, so none overtakes it.
        assert (
            pending.count() == 4
            and pending.first().attempts >= 1
            and "could not be reached" in pending.first().last_error
        )
        result = services.posts_deliver(services.kitsu_from_settings())
        assert result["delivered"] == 0 and result["pending"] == 4
    finally:
        zou.start()
    assert services.posts_deliver(services.kitsu_from_settings()) == {
        "delivered": 4,
        "pending": 0,
        "error": "",
    }
    # A post whose answer was lost (delivered, but not marked so) is found by its key, not posted again.
    lost = TrackerPost.objects.filter(shot=shots[1]).first()
    TrackerPost.objects.filter(pk=lost.pk).update(state="pending")
    assert services.posts_deliver(services.kitsu_from_settings())["delivered"] == 1
    for shot, expected in ((shots[0], 1), (shots[1], 3)):
        _, comments = clearance_comments(kitsu, TrackerLink.objects.get(shot=shot).external_id)
        keys = [c["text"].rsplit("[rightsledger:", 1)[1] for c in comments]
        assert len(keys) == len(set(keys)) == expected, keys
    task, _ = clearance_comments(kitsu, TrackerLink.objects.get(shot=shots[0]).external_id)
    assert gazu.task.get_task_status(task["task_status_id"], client=kitsu)["name"] == "Rejected"


def test_a_revocation_tells_the_shots_that_relied_on_it(
    world, kitsu, api, plate, django_capture_on_commit_callbacks
):
    linked(world, kitsu)
    services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings())
    shot = Shot.objects.get(code="SQ01_SH0010")
    req = run_request(world, api, django_capture_on_commit_callbacks, shot, plate)
    grant = req.decisions.get(kind="gate").reasons
    grant_id = next(r["id"] for reason in grant for r in reason["records"] if r["type"] == "grant")
    from rightsledger.models import RightsGrant

    with django_capture_on_commit_callbacks(execute=True):
        rl.grant_revoke(
            actor=world.clearance, grant=RightsGrant.objects.get(pk=grant_id), reason="Licence terminated"
        )
    task, comments = clearance_comments(kitsu, TrackerLink.objects.get(shot=shot).external_id)
    assert "was revoked" in comments[0]["text"] and f"Requests {req.pk}" in comments[0]["text"]
    assert gazu.task.get_task_status(task["task_status_id"], client=kitsu)["name"] == "Waiting For Approval"


def test_credentials_come_from_the_environment_and_an_unlinked_production_is_refused(world, settings):
    from rightsledger.errors import Conflict
    from tracker.kitsu import TrackerUnavailable

    settings.KITSU_URL = ""
    with pytest.raises(TrackerUnavailable, match="KITSU_URL"):
        services.kitsu_from_settings()
    settings.KITSU_URL, settings.KITSU_EMAIL, settings.KITSU_PASSWORD = "http://127.0.0.1:9", "a@b.c", "x"
    with pytest.raises(Conflict, match="not linked"):
        services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings())
    assert not any(f.name in ("password", "token", "secret") for f in TrackerLink._meta.get_fields())


@pytest.mark.django_db(transaction=True)
def test_the_listener_follows_zous_event_stream(world, zou, kitsu, settings, tmp_path):
    """`manage.py tracker listen` in a process of its own: a frame range changed in Kitsu arrives
    through the event stream, without a sync being run."""
    import os
    import subprocess
    import sys

    from ..workers import ROOT, wait_for, worker_environment

    p = linked(world, kitsu, shots=2)
    services.tracker_sync(production=world.prod_a, kitsu=services.kitsu_from_settings())
    events = zou.start_events()
    env = worker_environment(
        KITSU_URL=zou.url,
        KITSU_EVENTS_URL=events,
        KITSU_EMAIL=settings.KITSU_EMAIL,
        KITSU_PASSWORD=settings.KITSU_PASSWORD,
    )
    log = open(tmp_path / "listen.log", "w+")
    listener = subprocess.Popen(
        [sys.executable, "manage.py", "tracker", "listen", world.prod_a.code],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: "Listening" in (tmp_path / "listen.log").read_text(), 60, "the listener to connect")
        time.sleep(1)
        remote = next(s for s in gazu.shot.all_shots_for_project(p, client=kitsu) if s["name"] == "SH0010")
        remote = gazu.shot.get_shot(remote["id"], client=kitsu)
        remote["data"]["frame_in"] = 990
        gazu.shot.update_shot(remote, client=kitsu)
        shot = Shot.objects.get(production=world.prod_a, code="SQ01_SH0010")
        wait_for(
            lambda: Shot.objects.get(pk=shot.pk).frame_in == 990,
            30,
            "the change to arrive:\n" + (tmp_path / "listen.log").read_text(),
        )
    finally:
        os.killpg(listener.pid, 9)
        listener.wait(timeout=10)
        zou.stop_events()
