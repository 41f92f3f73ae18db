"""Proof files (C2SP tlog-proof) of consent versions and outputs: served to whoever may read the
record, embedded in the output's Content Credentials, checked offline by `rightsledger-verify proof`
(run as a command) and failed by one changed byte in the entry, a proof hash or the checkpoint;
cosigned by a witness written to the spec (tests/tlog/test_witness.py), and checked by aics-tlog,
which shares no code with us, where its virtualenv exists."""

import base64
import json
import subprocess
import sys

import pytest
from django.test import Client

from generation.models import GenerationRequest
from provenance import manifest as mf
from provenance import services as prov
from rightsledger import tasks
from rightsledger.api.records import RECORDS
from rightsledger.ledger import checkpoints
from rightsledger.models import LedgerEntry
from rightsledger.tlog.verify import main
from tests import factories as f
from tests.conftest import client_for
from tests.generation.conftest import Gate
from tests.rightsledger.test_cosigning import Served, policy_file
from tests.tlog.test_witness import SpecWitness
from tests.tlog_tools import ROOT, aics_tlog, venv

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_key")]
QUORUM_NONE = "quorum none\n"


@pytest.fixture
def witness(ledger_key, settings, tmp_path):
    """A witness written to the spec, over HTTP, named by the ledger's witness policy (quorum 1)."""
    spec = SpecWitness("witness.guild.example/w1", ledger_key)
    served = Served(spec)
    settings.LEDGER_WITNESS_POLICY_FILE = str(policy_file(tmp_path, [(spec, served.url)]))
    yield spec
    served.close()


def verify(capsys, path, key, policy_text, *extra) -> tuple[int, str, str]:
    """Run `rightsledger-verify proof` on a file with a witness policy; return (rc, out, err)."""
    policy = path.parent / "check.policy"
    policy.write_text(policy_text)
    rc = main(["proof", str(path), "--log-key", key, "--witness-policy", str(policy), *extra])
    out = capsys.readouterr()
    return rc, out.out, out.err


def parts(data: bytes) -> tuple[list[str], str]:
    """Split a proof file by hand, as C2SP tlog-proof lays it out: its lines, and the checkpoint."""
    head, _, note = data.decode().partition("\n\n")
    return head.split("\n"), note


def join(lines: list[str], note: str) -> bytes:
    return ("\n".join(lines) + "\n\n" + note).encode()


def flip_b64(line: str, at: int = 5) -> str:
    """The same base64 text with one bit of the decoded byte `at` changed."""
    raw = bytearray(base64.b64decode(line))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def changed_files(data: bytes) -> dict[str, bytes]:
    """The proof file with one changed byte: in the entry, in a proof hash, in the checkpoint's root."""
    lines, note = parts(data)
    assert lines[0] == "c2sp.org/tlog-proof@v1" and lines[1].startswith("extra ")
    entry = lines[:1] + ["extra " + flip_b64(lines[1][6:], 30)] + lines[2:]
    hashes = lines[:3] + [flip_b64(lines[3])] + lines[4:]
    origin, size, root, rest = note.split("\n", 3)
    checkpoint = "\n".join([origin, size, flip_b64(root), rest])
    return {
        "entry": join(entry, note),
        "proof hash": join(hashes, note),
        "checkpoint": join(lines, checkpoint),
    }


def assert_fails_after_one_changed_byte(capsys, data, path, key, policy_text):
    for what, bad in changed_files(data).items():
        path.write_bytes(bad)
        rc, out, err = verify(capsys, path, key, policy_text)
        assert rc == 1 and "VERIFIED" not in out and err.startswith("FAILED: "), (what, err)
    path.write_bytes(data)


def test_a_consent_version_has_a_proof_file_once_a_checkpoint_covers_it(world, ledger_key, tmp_path, capsys):
    talent = f.make_talent("Ada Sol", guild=world.guild, member_id="SAG-9")
    consent = f.make_consent(world.prod_a, talent, permitted_uses=["atmosphere"])
    url = f"/api/consents/{consent.pk}/proof-file/"
    guild = client_for(world.guild_rep)

    early = guild.get(url)
    assert early.status_code == 409
    assert early.json()["errors"] == [
        {
            "code": "not_in_checkpoint",
            "field": None,
            "message": "This record's ledger entry is not yet in a checkpoint; try again in a minute.",
        }
    ]

    size = checkpoints.ledger_publish().size
    got = guild.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "text/plain; charset=utf-8"
    name = f"consent-{consent.pk}-v1.tlog-proof"
    assert got["Content-Disposition"] == f'attachment; filename="{name}"'
    data = got.content
    lines, note = parts(data)
    entry = LedgerEntry.objects.get(record_type="consent", record_id=consent.pk)
    assert base64.b64decode(lines[1][6:]) == bytes(entry.body)
    assert lines[2] == f"index {entry.leaf.index}" and note.split("\n")[1] == str(size)

    path = tmp_path / name
    path.write_bytes(data)
    rc, out, err = verify(capsys, path, ledger_key, QUORUM_NONE)
    assert rc == 0, err
    assert f"entry seq {entry.seq} (consent.created) is leaf {entry.leaf.index}: included" in out
    assert out.endswith("VERIFIED\n")
    assert_fails_after_one_changed_byte(capsys, data, path, ledger_key, QUORUM_NONE)

    # The installed command, as a process of its own, says the same.
    done = subprocess.run(
        [sys.executable, "-m", "rightsledger.tlog.verify", "proof", str(path), "--log-key", ledger_key],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.endswith("VERIFIED\n"), done.stderr

    # A new version has a file of its own, naming its own entry.
    amended = RECORDS["consent"].amend(
        actor=world.clearance,
        record=consent,
        changes={"compensation_reference": "PAY-2026-0043"},
        reason="Corrected.",
    )
    checkpoints.ledger_publish()
    answer = client_for(world.guild_rep).get(f"/api/consents/{amended.pk}/proof-file/")
    assert answer["Content-Disposition"] == f'attachment; filename="consent-{amended.pk}-v2.tlog-proof"'
    entry = LedgerEntry.objects.get(record_type="consent", record_id=amended.pk)
    assert parts(answer.content)[0][1] == "extra " + base64.b64encode(bytes(entry.body)).decode()
    assert entry.entry_type == "consent.amended"


def test_a_proof_file_is_read_by_exactly_who_may_read_the_consent(world, ledger_key):
    own = f.make_consent(world.prod_a, f.make_talent("Ada Sol", guild=world.guild, member_id="SAG-9"))
    other_member = f.make_talent("Bo Rank", guild=world.other_guild, member_id="EQ-1")
    elsewhere = f.make_consent(world.prod_other, other_member)
    checkpoints.ledger_publish()
    path = "/api/consents/{}/proof-file/"
    assert client_for(world.guild_rep).get(path.format(own.pk)).status_code == 200  # the member's guild
    assert client_for(world.clearance).get(path.format(own.pk)).status_code == 200
    assert client_for(world.guild_rep).get(path.format(elsewhere.pk)).status_code == 404  # another tenant's
    assert client_for(world.producer_b).get(path.format(own.pk)).status_code == 404  # another production
    assert client_for(None).get(path.format(own.pk)).status_code == 401


def test_a_cosigned_proof_file_needs_the_witness_policy_quorum(world, ledger_key, witness, tmp_path, capsys):
    consent = f.make_consent(world.prod_a, f.make_talent("Ada Sol", guild=world.guild, member_id="SAG-9"))
    size = tasks.ledger_publish(force=True)  # signs, then submits to the witness (eager)
    data = client_for(world.guild_rep).get(f"/api/consents/{consent.pk}/proof-file/").content
    _, note = parts(data)
    assert note.count("\n— ") == 2 and note.split("\n")[1] == str(size)  # the log's and the witness's
    path = tmp_path / "consent.tlog-proof"
    path.write_bytes(data)
    quorum_one = f"witness guild {witness.vkey}\nquorum guild\n"
    rc, out, err = verify(capsys, path, ledger_key, quorum_one)
    assert rc == 0, err
    assert (
        "cosigned by witness guild (witness.guild.example/w1)" in out and "witness quorum guild: met" in out
    )
    assert_fails_after_one_changed_byte(capsys, data, path, ledger_key, quorum_one)
    stranger = SpecWitness("stranger.example/w", ledger_key)
    rc, _, err = verify(capsys, path, ledger_key, f"witness s {stranger.vkey}\nquorum s\n")
    assert rc == 1 and "does not meet the quorum" in err


def test_a_proof_file_takes_the_newest_checkpoint_the_quorum_cosigned(world, ledger_key, witness):
    talent = f.make_talent("Ada Sol", guild=world.guild, member_id="SAG-9")
    first = f.make_consent(world.prod_a, talent)
    cosigned = tasks.ledger_publish(force=True)
    second = f.make_consent(world.prod_b, talent)
    later = checkpoints.ledger_publish().size  # not yet submitted to the witness
    guild = client_for(world.guild_rep)
    _, note = parts(guild.get(f"/api/consents/{first.pk}/proof-file/").content)
    assert note.split("\n")[1] == str(cosigned) and note.count("\n— ") == 2
    _, note = parts(guild.get(f"/api/consents/{second.pk}/proof-file/").content)
    assert note.split("\n")[1] == str(later) and note.count("\n— ") == 1  # the ledger's signature alone


# The README's commands that split a proof file into what aics-tlog's verify-inclusion takes.
SPLIT = r"""
awk 'NR==2 {print substr($0, 7)}' $F | base64 -d > entry.json
awk 'NR==3 {print substr($0, 7)}' $F > index.txt
awk '/^$/ {exit} NR>3' $F > hashes.txt
awk 'body {print} /^$/ {body=1}' $F > checkpoint.note
"""


def test_aics_tlog_checks_the_parts_of_a_proof_file(world, ledger_key, witness, tmp_path):
    """aics-tlog reads no C2SP tlog-proof file (its verify-bundle takes AICS-1's own JSON bundle),
    so the file is split with awk into what its verify-inclusion takes: the entry, the proof
    hashes, the cosigned checkpoint note."""
    if venv() is None:
        pytest.skip("aics-tlog's virtualenv is not here (make tlog-tools)")
    consent = f.make_consent(world.prod_a, f.make_talent("Ada Sol", guild=world.guild, member_id="SAG-9"))
    tasks.ledger_publish(force=True)
    data = client_for(world.guild_rep).get(f"/api/consents/{consent.pk}/proof-file/").content
    (tmp_path / "c.tlog-proof").write_bytes(data)
    subprocess.run(["bash", "-ec", "F=c.tlog-proof" + SPLIT], cwd=tmp_path, check=True, timeout=30)
    lines, note = parts(data)
    assert (tmp_path / "entry.json").read_bytes() == base64.b64decode(lines[1][6:])
    assert (tmp_path / "checkpoint.note").read_text() == note
    args = [
        "verify-inclusion",
        "--leaf",
        str(tmp_path / "entry.json"),
        "--index",
        (tmp_path / "index.txt").read_text().strip(),
        "--proof",
        str(tmp_path / "hashes.txt"),
        "--checkpoint",
        str(tmp_path / "checkpoint.note"),
        "--log-key",
        ledger_key,
        "--witness-key",
        witness.vkey,
    ]
    found = aics_tlog(*args, "--quorum", "1")
    assert found["ok"] and found["checkpoint_verified"] and found["index"] == int(lines[2][6:]), found
    assert not aics_tlog(*args, "--quorum", "2")["ok"]
    (tmp_path / "hashes.txt").write_text("".join(h + "\n" for h in [flip_b64(lines[3]), *lines[4:]]))
    assert not aics_tlog(*args, "--quorum", "1")["ok"]


def _signed_output(world, gate=None) -> GenerationRequest:
    gate = gate or Gate(world)
    producer = client_for(world.producer_a)
    rid = producer.post("/api/generation/requests/", gate.body(), format="json").json()["id"]
    producer.post(f"/api/generation/requests/{rid}/queue/")  # eager: runs, signs and records it
    req = GenerationRequest.objects.select_related("output__asset").get(pk=rid)
    assert req.status == "succeeded", req.failure
    return req


def test_a_signed_output_carries_its_decisions_proof_file(world, ledger_key, witness, tmp_path, capsys):
    req = _signed_output(world)
    with req.output.asset.file.open("rb") as fh:
        data = fh.read()
    store = prov.read_store(data, "image/png")
    active = store["manifests"][store["active_manifest"]]
    ours = next(a["data"] for a in active["assertions"] if a["label"] == mf.RIGHTSLEDGER_LABEL)
    decision = LedgerEntry.objects.get(seq=req.output.run_decision.ledger_seq)
    assert ours["ledger"]["seq"] == decision.seq and "inclusion_proof" in ours["ledger"]  # kept as they were
    embedded = ours["tlog_proof"].encode()
    lines, note = parts(embedded)
    assert base64.b64decode(lines[1][6:]) == bytes(decision.body)
    assert note.count("\n— ") == 2  # the witness cosigned before the file was signed

    signed = tmp_path / "output.png"
    signed.write_bytes(data)
    quorum_one = f"witness guild {witness.vkey}\nquorum guild\n"
    rc, out, err = verify(capsys, signed, ledger_key, quorum_one)
    assert rc == 0, err
    assert out.startswith("proof read from the file's Content Credentials (com.rightsledger.decision);")
    assert f"entry seq {decision.seq} (generation.rechecked)" in out and out.endswith("VERIFIED\n")
    path = tmp_path / "embedded.tlog-proof"
    path.write_bytes(embedded)
    assert verify(capsys, path, ledger_key, quorum_one)[0] == 0
    assert_fails_after_one_changed_byte(capsys, embedded, path, ledger_key, quorum_one)
    # The same change made inside the signed file itself.
    at = data.index(lines[3].encode())
    tampered = bytearray(data)
    tampered[at + 2] = ord("A") if tampered[at + 2] != ord("A") else ord("B")
    signed.write_bytes(bytes(tampered))
    rc, out, err = verify(capsys, signed, ledger_key, quorum_one)
    assert rc == 1 and "VERIFIED" not in out, err


def test_an_outputs_proof_file_names_its_sha256(world, ledger_key, tmp_path, capsys):
    req = _signed_output(world)
    url = f"/api/generation/requests/{req.pk}/output/proof-file/"
    producer = client_for(world.producer_a)
    assert producer.get(url).status_code == 409  # recorded after the checkpoint its signing published
    checkpoints.ledger_publish()
    got = producer.get(url)
    assert got.status_code == 200
    assert got["Content-Disposition"] == f'attachment; filename="request-{req.pk}-output.tlog-proof"'
    lines, _ = parts(got.content)
    entry = json.loads(base64.b64decode(lines[1][6:]))
    assert entry["type"] == "generation.output_recorded"
    assert entry["payload"]["sha256"] == req.output.asset.sha256 and entry["payload"]["request"] == req.pk
    path = tmp_path / "out.tlog-proof"
    path.write_bytes(got.content)
    assert verify(capsys, path, ledger_key, QUORUM_NONE)[0] == 0
    assert_fails_after_one_changed_byte(capsys, got.content, path, ledger_key, QUORUM_NONE)
    assert client_for(world.producer_b).get(url).status_code == 404  # another production's
    assert client_for(world.guild_rep).get(url).status_code == 404


def test_the_portal_links_the_proof_files_with_the_command_that_checks_them(world, ledger_key):
    consent = f.make_consent(world.prod_a, f.make_talent("Ada Sol", guild=world.guild, member_id="SAG-9"))
    gate = Gate(world)
    req = _signed_output(world, gate)
    web = Client()
    web.force_login(world.guild_rep)
    page = web.get(f"/guild/consents/{consent.pk}/").content.decode()
    name = f"consent-{consent.pk}-v1.tlog-proof"
    assert f'href="/api/consents/{consent.pk}/proof-file/" download="{name}">Download the proof file' in page
    assert f"rightsledger-verify proof {name} --log-key" in page and "--witness-policy" in page
    web.force_login(world.clearance)
    page = web.get(f"/records/consent/{consent.pk}/").content.decode()
    assert "Download the proof file" in page and f"rightsledger-verify proof {name}" in page
    assert "Download the proof file" not in web.get(f"/records/grant/{gate.grant.pk}/").content.decode()
    page = web.get(f"/requests/{req.pk}/").content.decode()
    assert f'href="/api/generation/requests/{req.pk}/output/proof-file/"' in page
    assert f"rightsledger-verify proof request-{req.pk}-output.tlog-proof" in page
