"""Witnesses, the C2SP way: each new checkpoint is submitted to the policy's witnesses over HTTP
(tlog-witness add-checkpoint), their cosignatures are verified, kept and served on the checkpoint,
and a witness that is down, slow or refuses never holds publishing up. The witness here is one
written to the spec in the tests (tests/tlog/test_witness.py), served over HTTP; the same checks
against a witness of another codebase are in test_tlog_tools.py."""

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from rightsledger import tasks
from rightsledger.ledger import checkpoints, cosigning, witnesses
from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import LedgerEntry, WitnessCosignature
from rightsledger.tlog import witness as w
from rightsledger.tlog.note import Verifier
from rightsledger.tlog.policy import Policy, QuorumError
from tests import factories as f
from tests.tlog.test_witness import SpecWitness
from tests.tlog_tools import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_key")]


class Served:
    """A witness behind a real HTTP server on a loopback port (slow: each answer waits that long)."""

    def __init__(self, witness, port: int = 0, slow: float = 0):
        self.witness, self.slow, self.requests = witness, slow, 0
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                served.requests += 1
                time.sleep(served.slow)
                status, body = served.witness.add_checkpoint(
                    self.rfile.read(int(self.headers["Content-Length"]))
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except BrokenPipeError:
                    pass  # the log stopped waiting: its timeout

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def witness(ledger_key, settings, tmp_path):
    spec = SpecWitness("witness.guild.example/w1", ledger_key)
    served = Served(spec)
    settings.LEDGER_WITNESS_POLICY_FILE = str(policy_file(tmp_path, [(spec, served.url)]))
    yield spec, served
    served.close()


def policy_file(tmp_path, witnesses, quorum=None):
    lines = [f"witness w{k} {spec.vkey} {url}" for k, (spec, url) in enumerate(witnesses, 1)]
    path = tmp_path / "witnesses.policy"
    path.write_text("\n".join([*lines, f"quorum {quorum or 'w1'}", ""]))
    return path


def _append(n: int, start: int = 0) -> None:
    with recording(actor="system") as rec:
        rec.append_many(
            [(EntryType.PARTY_CREATED, {"party": start + k}, {"record_type": "party"}) for k in range(n)]
        )


def test_each_new_checkpoint_is_submitted_cosigned_verified_kept_and_served(witness, ledger_key):
    spec, served = witness
    _append(300)
    first = tasks.ledger_publish(force=True)  # the task publishes, then sends the submission
    cosigned = WitnessCosignature.objects.get()
    assert (cosigned.checkpoint_id, cosigned.witness, cosigned.vkey) == (first, "w1", spec.vkey)
    assert spec.size == first >= 300
    _append(20, start=300)
    second = tasks.ledger_publish(force=True)  # from the first, with the proof the witness checks
    assert spec.size == second == first + 20 and served.requests == 2
    note = Client().get("/ledger/checkpoint").content.decode()
    assert (
        note == checkpoints.latest_checkpoint().note + WitnessCosignature.objects.get(checkpoint=second).line
    )
    policy = Policy.parse(f"log {ledger_key}\nwitness w1 {spec.vkey}\nquorum w1\n")
    assert set(policy.check(note).cosigned) == {"w1"}
    assert (
        Client().get(f"/ledger/checkpoint/{first}").content.decode().count("\u2014 ") == 2
    )  # log and witness
    # Nothing more to submit: the task sends no request for a checkpoint already cosigned.
    tasks.ledger_publish(force=True)
    assert served.requests == 2


def test_a_witness_that_saw_more_than_we_recorded_answers_409_and_the_log_resends_from_there(witness):
    spec, served = witness
    _append(5)
    first = checkpoints.ledger_publish()
    # The witness cosigned size 5 through another path: the log has no record of it.
    assert spec.add_checkpoint(w.add_checkpoint_body(0, [], first.note))[0] == 200
    _append(7, start=5)
    checkpoints.ledger_publish()
    [result] = cosigning.ledger_cosign()
    assert (result.outcome, spec.size, served.requests) == ("cosigned", first.size + 7, 2)  # 409, then resent


def test_a_witness_that_is_down_or_slow_never_holds_publishing_up_and_is_tried_again(
    ledger_key, settings, tmp_path, caplog
):
    spec = SpecWitness("witness.guild.example/w1", ledger_key)
    port = free_port()
    settings.LEDGER_WITNESS_POLICY_FILE = str(policy_file(tmp_path, [(spec, f"http://127.0.0.1:{port}")]))
    settings.LEDGER_WITNESS_TIMEOUT_SECONDS = 0.5
    _append(3)
    with caplog.at_level(logging.WARNING, logger="rightsledger.ledger.cosigning"):
        size = tasks.ledger_publish(force=True)  # published; the witness is down
    assert size >= 3 and f"witness w1 did not cosign checkpoint {size} (unreachable)" in caplog.text
    assert not WitnessCosignature.objects.exists()
    slow = Served(spec, port=port, slow=2)
    try:
        started = time.monotonic()
        [result] = cosigning.ledger_cosign()
        assert result.outcome == "unreachable" and time.monotonic() - started < 1.5  # timed out
        slow.slow = 0
        assert tasks.ledger_publish() is None  # the beat: nothing new to sign, the witness tried again
        assert WitnessCosignature.objects.get().checkpoint_id == size
    finally:
        slow.close()


def test_a_cosignature_that_does_not_verify_is_refused_and_not_served(witness, caplog):
    spec, served = witness
    spec.key = Ed25519PrivateKey.generate()  # answers with a key that is not the one in the policy
    _append(2)
    checkpoints.ledger_publish()
    with caplog.at_level(logging.WARNING, logger="rightsledger.ledger.cosigning"):
        [result] = cosigning.ledger_cosign()
    assert result.outcome == "refused" and "does not verify" in result.detail
    assert not WitnessCosignature.objects.exists()
    assert Client().get("/ledger/checkpoint").content.decode() == checkpoints.latest_checkpoint().note


def test_which_witnesses_cosigned_and_whether_the_quorum_holds_with_the_guild_that_runs_one(
    ledger_key, settings, tmp_path
):
    one, two = (SpecWitness(f"witness.example/w{k}", ledger_key) for k in (1, 2))
    served = Served(one)
    path = tmp_path / "witnesses.policy"
    settings.LEDGER_WITNESS_POLICY_FILE = str(path)
    path.write_text(
        f"witness w1 {one.vkey} {served.url}\nwitness w2 {two.vkey}\ngroup both all w1 w2\nquorum both\n"
    )
    guild = f.make_guild(name="Screen Actors Guild", abbreviation="SAG")
    witnesses.guild_witness_key_set(actor=f.UserFactory(), guild=guild, vkey=one.vkey)
    assert LedgerEntry.objects.filter(entry_type="guild.witness_key_set").count() == 1
    _append(4)
    checkpoints.ledger_publish()
    before = cosigning.checkpoint_witnesses()
    assert (before.quorum, before.quorum_met) == ("both", False)
    try:
        cosigning.ledger_cosign()
    finally:
        served.close()
    found = cosigning.checkpoint_witnesses()
    assert found.quorum_met is False  # w2 has no submission URL: it has not cosigned
    [w1, w2] = found.witnesses
    assert (w1.name, w1.guild, w2.name, w2.guild, w2.cosigned_at) == (
        "w1",
        "Screen Actors Guild",
        "w2",
        None,
        None,
    )
    assert w1.cosigned_at and w1.in_policy
    with pytest.raises(QuorumError):
        Policy.parse(path.read_text() + f"log {ledger_key}\n").check(
            Client().get("/ledger/checkpoint").content.decode()
        )
    path.write_text(
        f"witness w1 {one.vkey} {served.url}\nwitness w2 {two.vkey}\ngroup any1 any w1 w2\nquorum any1\n"
    )
    assert cosigning.checkpoint_witnesses(found.size).quorum_met is True
    user = f.UserFactory()
    api = Client()
    api.force_login(user)
    body = api.get("/api/ledger/cosignatures/").json()
    assert body["quorum"] == "any1" and body["quorum_met"] is True
    assert [(x["name"], x["guild"]) for x in body["witnesses"]] == [
        ("w1", "Screen Actors Guild"),
        ("w2", None),
    ]
    assert api.get("/api/ledger/cosignatures/?size=999").status_code == 404


def test_a_guild_witness_key_must_be_a_cosignature_key(ledger_key):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Not a witness key"):
        witnesses.guild_witness_key_set(
            actor=f.UserFactory(), guild=f.make_guild(), vkey=ledger_key
        )  # a 0x01 key
    assert Verifier.parse(ledger_key)
