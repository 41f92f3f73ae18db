"""Fifty writers at once on PostgreSQL: sign-offs, revocations and runs, each on its own
connection, released together. Afterwards every race has one winner and clean 409s for the
rest, a revocation committed before a run started has stopped it, nothing was recorded twice or
left half-written, no file is orphaned, and the ledger has every entry once, in one tree that
its audit recomputes."""

import datetime
import random
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from generation import services as gen
from generation.models import GenerationOutput, GenerationRequest, SignOff
from rightsledger import services
from rightsledger.errors import Conflict
from rightsledger.ledger import audit, checkpoints, sequencer
from rightsledger.models import Asset, LedgerEntry, LedgerLeaf, RightsGrant

from . import factories as f

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_key")]

RUNS, SIGN_OFFS, REVOKED = 12, 10, 6


def _submit(world, shot, inputs):
    return gen.request_submit(
        actor=world.producer_a,
        production=world.prod_a,
        shot=shot,
        engine="atmosphere",
        seed=3,
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
        inputs=inputs,
    )


def test_fifty_writers_at_once(world, settings):
    shot = f.make_shot(world.prod_a)
    plates = [f.make_asset(world.prod_a, seed=600 + i, owner=world.party) for i in range(RUNS)]
    grants = [
        f.make_grant(
            world.prod_a, world.party, [p], uses=["genai_input"], media=["theatrical"], territories=["WORLD"]
        )
        for p in plates
    ]
    runs = [_submit(world, shot, [{"asset": p, "role": "plate"}]) for p in plates]
    talent = f.make_talent("Performer Concurrent", guild=world.guild, member_id="C-1")
    likeness = f.make_asset(world.prod_a, seed=690, kind="likeness_reference", talent=talent)
    sign_plates = [f.make_asset(world.prod_a, seed=700 + i) for i in range(SIGN_OFFS)]
    f.make_grant(
        world.prod_a,
        world.party,
        [likeness, *sign_plates],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
    )
    f.make_consent(world.prod_a, talent, permitted_uses=["atmosphere", "likeness"])
    waiting = [
        _submit(world, shot, [{"asset": p, "role": "plate"}, {"asset": likeness, "role": "likeness"}])
        for p in sign_plates
    ]
    assert {r.status for r in runs} == {"approved"} and {r.status for r in waiting} == {"needs_clearance"}

    # 12 runs, 6 of them queued twice; 10 requests signed off by two users at once; 6 of the runs'
    # grants revoked twice at once: 50 writers.
    jobs = [("run", r) for r in runs] + [("run", r) for r in runs[:REVOKED]]
    jobs += [("sign_off", (r, user)) for r in waiting for user in (world.clearance, world.admin)]
    jobs += [("revoke", g) for g in grants[:REVOKED] for _ in range(2)]
    assert len(jobs) == 50
    rng = random.Random(50)
    rng.shuffle(jobs)
    barrier = threading.Barrier(len(jobs))
    outcomes, revoked_at, run_started = Counter(), {}, {}
    lock = threading.Lock()

    def work(kind, subject, delay):
        try:
            barrier.wait()
            if kind != "revoke":
                time.sleep(delay)  # spread the starts, so that runs start both before and after a revocation
            if kind == "run":
                started = time.monotonic()
                gen.request_queue(
                    actor=world.producer_a, request=subject
                )  # Celery runs it eagerly, here, after the commit
                with lock:
                    run_started.setdefault(subject.pk, started)
            elif kind == "sign_off":
                gen.request_sign_off(
                    actor=subject[1], request=subject[0], approve=True, comment="Checked against the consent."
                )
            else:
                services.grant_revoke(
                    actor=world.clearance, grant=subject, reason="Withdrawn by the rights holder."
                )
                with lock:
                    revoked_at.setdefault(subject.pk, time.monotonic())
            with lock:
                outcomes[f"{kind} ok"] += 1
        except Conflict as exc:
            with lock:
                outcomes[f"{kind} 409 {exc.code}"] += 1
        except Exception as exc:  # anything else would be a 500 to the caller
            with lock:
                outcomes[f"{kind} 500 {type(exc).__name__}: {exc}"] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(*job, rng.random() * 0.05)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(" 500 " in k for k in outcomes), outcomes
    # One winner per race: each request runs once, each sign-off and revocation happens once.
    assert (
        outcomes["run ok"] == RUNS
        and outcomes["run 409 not_queueable_queued"]
        + outcomes.get("run 409 not_queueable_succeeded", 0)
        + outcomes.get("run 409 not_queueable_stopped", 0)
        + outcomes.get("run 409 not_queueable_running", 0)
        == REVOKED
    ), outcomes
    assert (
        outcomes["sign_off ok"] == SIGN_OFFS and outcomes["sign_off 409 already_signed_off"] == SIGN_OFFS
    ), outcomes
    assert (
        outcomes["revoke ok"] == REVOKED
        and sum(v for k, v in outcomes.items() if k.startswith("revoke 409")) == REVOKED
    ), outcomes
    for r in waiting:
        assert (
            SignOff.objects.filter(request=r).count() == 1
            and GenerationRequest.objects.get(pk=r.pk).status == "approved"
        )
    for g in grants[:REVOKED]:
        assert RightsGrant.objects.filter(chain=g.chain, action="revoked").count() == 1

    # A revocation committed before a run started stopped it; every run ended, once.
    for request, grant in zip(runs, grants):
        status = GenerationRequest.objects.get(pk=request.pk).status
        outputs = GenerationOutput.objects.filter(request=request).count()
        assert (status, outputs) in (("succeeded", 1), ("stopped", 0)), (request.pk, status, outputs)
        if grant.pk in revoked_at and revoked_at[grant.pk] < run_started[request.pk]:
            assert status == "stopped", (
                f"request {request.pk} ran although its grant was revoked before it started"
            )
        if grant not in grants[:REVOKED]:
            assert status == "succeeded"
    assert (
        Counter(GenerationRequest.objects.get(pk=r.pk).status for r in runs[:REVOKED])["stopped"] >= 1
    )  # the race was run both ways

    # No orphan file: every stored file is an asset's.
    media = Path(settings.MEDIA_ROOT)
    stored = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file() and "assets" in p.parts}
    assert stored == {a.file.name for a in Asset.objects.all()}

    # The ledger: every entry once, in one tree with no gap, that the audit recomputes.
    while sequencer.ledger_integrate():
        pass
    checkpoints.ledger_publish()
    entries = LedgerEntry.objects.count()
    leaves = list(LedgerLeaf.objects.order_by("index").values_list("index", "entry_id"))
    assert [i for i, _ in leaves] == list(range(entries)) and len({seq for _, seq in leaves}) == entries
    result = audit.ledger_audit()
    assert result.ok, result.problems


WITNESSES = 20


def test_twenty_registrations_of_one_checkpoint_at_once(world, api):
    """A guild's tools register the same checkpoint from 20 connections at once (the tester saw
    four 500s): each is answered 201 with the one record, which is written once, with one entry."""
    from rightsledger.models import WitnessedCheckpoint

    f.make_asset(world.prod_a, seed=880)
    for _ in range(300):  # the tree takes entries once every older transaction of the server has ended
        checkpoint = checkpoints.ledger_publish()
        if checkpoint is not None:
            break
        time.sleep(0.1)
    assert checkpoint is not None
    barrier = threading.Barrier(WITNESSES)
    answers, lock = [], threading.Lock()

    def register():
        try:
            client = api(world.guild_rep)
            barrier.wait()
            response = client.post("/api/ledger/witness/", {"note": checkpoint.note}, format="json")
            with lock:
                answers.append((response.status_code, response.content))
        except Exception as exc:  # a 500 to the caller
            with lock:
                answers.append((500, repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(WITNESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == WITNESSES and {status for status, _ in answers} == {201}, Counter(answers)
    assert len({body for _, body in answers}) == 1  # the same record, for every caller
    assert WitnessedCheckpoint.objects.filter(guild=world.guild, size=checkpoint.size).count() == 1
    assert LedgerEntry.objects.filter(entry_type="witness.registered").count() == 1
