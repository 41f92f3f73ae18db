"""Our ledger checked with code that is not ours, over HTTP, from a live server of ours: aics-tlog
(a C2SP tlog-tiles, checkpoint and cosignature verifier) run as a process from its own virtualenv,
and aics-witness (a C2SP tlog-witness) as a real witness in a process of its own. Skipped, saying
why, only where no Python >= 3.12 could make their virtualenv (`make tlog-tools`)."""

import urllib.request

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from rightsledger import tasks
from rightsledger.ledger import checkpoints, cosigning
from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import Checkpoint, LedgerEntry, LedgerTile, WitnessCosignature
from rightsledger.tlog import note, tiles
from rightsledger.tlog import witness as w
from tests import factories as f
from tests.tlog_tools import MISSING, AicsWitness, aics_tlog, audit, venv

pytestmark = [
    pytest.mark.skipif(venv() is None, reason=MISSING),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_key"),
]


def _append(n: int, start: int = 0) -> None:
    with recording(actor="system") as rec:
        rec.append_many(
            [(EntryType.PARTY_CREATED, {"party": start + k}, {"record_type": "party"}) for k in range(n)]
        )


def _get(url: str, token: str = "") -> bytes:
    headers = {"Authorization": f"Token {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return response.read()


@pytest.fixture
def operator_token(db):
    return Token.objects.create(user=f.UserFactory(is_superuser=True, is_staff=True)).key


def _leaf(index: int) -> LedgerEntry:
    return LedgerEntry.objects.get(leaf__index=index)


def test_aics_tlog_verifies_a_fresh_ledger_over_http(live_server, ledger_key, operator_token, tmp_path):
    tiles_url = f"{live_server.url}/ledger/"
    _append(300)
    checkpoints.ledger_publish()
    saved = tmp_path / "first.note"
    saved.write_bytes(_get(tiles_url + "checkpoint"))
    _append(300, start=300)
    size = checkpoints.ledger_publish().size
    key = ["--log-key", ledger_key]

    head = aics_tlog("verify-checkpoint", "--tiles", tiles_url, *key)  # the note, and the root from the tiles
    assert head["ok"] and head["tiles_ok"] and head["size"] == size, head
    for index in (0, 5, 255, 256, 511, size - 1):
        found = aics_tlog(
            "verify-inclusion",
            "--tiles",
            tiles_url,
            *key,
            "--index",
            str(index),
            "--leaf-hash",
            bytes(_leaf(index).leaf_hash).hex(),
        )
        assert found["ok"], found
    moved = aics_tlog("verify-consistency", "--tiles", tiles_url, *key, "--old-checkpoint", str(saved))
    assert moved["ok"] and moved["new_size"] == size and moved["old_size"] < size, moved

    # The entries themselves: an operator mirrors the bundles (they are not public) into a folder
    # that aics-tlog reads after the public tiles.
    mirror = tmp_path / "mirror"
    for tile in tiles.tiles_for_size(size):
        if tile.level == 0:
            path = mirror / tiles.Tile(tiles.ENTRIES, tile.index, tile.width).path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_get(tiles_url + path.relative_to(mirror).as_posix(), operator_token))
    out = tmp_path / "entry"
    found = aics_tlog(
        "verify-inclusion",
        "--tiles",
        tiles_url,
        "--tiles",
        str(mirror),
        *key,
        "--index",
        "300",
        "--entry-out",
        str(out),
    )
    assert found["ok"] and out.read_bytes() == bytes(_leaf(300).body), found

    full = audit(tiles_url, ledger_key, token=operator_token)  # every tile and every bundle
    assert full["ok"] and full["size"] == size and full["bundles"] == 3, full


def test_aics_witness_cosigns_our_checkpoints_and_refuses_a_fork(live_server, ledger_key, settings, tmp_path):
    witness = AicsWitness(tmp_path / "witness")
    witness.add_log(settings.LEDGER_ORIGIN, ledger_key)
    witness.start()
    try:
        policy = tmp_path / "witnesses.policy"
        policy.write_text(f"witness guild {witness.vkey} {witness.url}\nquorum guild\n")
        settings.LEDGER_WITNESS_POLICY_FILE = str(policy)
        _append(5)
        first = checkpoints.ledger_publish()
        # The witness saw the first checkpoint without the log recording it: the log's next
        # submission (from size 0) is answered 409 with the size, and sent again from there.
        status, _ = cosigning._post(witness.url + "/add-checkpoint", w.add_checkpoint_body(0, [], first.note))
        assert status == 200
        _append(300, start=5)
        size = tasks.ledger_publish(force=True)
        assert WitnessCosignature.objects.get(checkpoint=size).witness == "guild", witness.log()
        _append(3, start=305)
        size = tasks.ledger_publish(force=True)  # and from that size, with the consistency proof
        assert WitnessCosignature.objects.filter(checkpoint=size).exists(), witness.log()

        served = _get(f"{live_server.url}/ledger/checkpoint").decode()
        assert served.endswith(WitnessCosignature.objects.get(checkpoint=size).line)
        args = ["verify-checkpoint", "--tiles", f"{live_server.url}/ledger/", "--log-key", ledger_key]
        checked = aics_tlog(*args, "--witness-key", witness.vkey, "--quorum", "1")
        assert checked["ok"] and checked["size"] == size and checked["cosignatures"] == 1, checked
        assert not aics_tlog(*args, "--witness-key", witness.vkey, "--quorum", "2")["ok"]
        assert cosigning.checkpoint_witnesses().quorum_met

        # A fork: a checkpoint of the same size with another root, signed with the log's own key.
        key = checkpoints.signing_key()
        forked = note.sign(
            note.checkpoint_text(settings.LEDGER_ORIGIN, size, b"\x07" * 32), key.name, key.key
        )
        status, answer = cosigning._post(
            witness.url + "/add-checkpoint", w.add_checkpoint_body(size, [], forked)
        )
        assert status == 422, answer
        assert "different root" in witness.log() or "evidence" in witness.log().lower()
    finally:
        witness.stop()


def _tamper_tile(level: int, index: int, at: int) -> None:
    """Change one byte of a stored tile (a change made twice puts it back)."""
    row = LedgerTile.objects.get(key=LedgerTile.key_of(level, index))
    data = bytearray(row.data)
    data[at] ^= 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE rightsledger_ledgertile SET data = %s WHERE key = %s", [bytes(data), row.key])


def test_one_changed_byte_in_a_tile_a_bundle_or_the_checkpoint_is_caught_by_aics_tlog(
    live_server, ledger_key, operator_token
):
    tiles_url = f"{live_server.url}/ledger/"
    _append(300)
    size = checkpoints.ledger_publish().size
    inclusion = [
        "verify-inclusion",
        "--tiles",
        tiles_url,
        "--log-key",
        ledger_key,
        "--index",
        "2",
        "--leaf-hash",
        bytes(_leaf(2).leaf_hash).hex(),
    ]
    assert aics_tlog(*inclusion)["ok"] and audit(tiles_url, ledger_key, token=operator_token)["ok"]

    _tamper_tile(0, 0, 3 * 32 + 5)  # the full tile of leaves 0-255: leaf 3, in leaf 2's proof
    refused = aics_tlog(*inclusion)
    assert not refused["ok"] and "tile/0/000" in refused["error"], refused
    assert not audit(tiles_url, ledger_key)["ok"]
    _tamper_tile(0, 0, 3 * 32 + 5)

    _tamper_tile(tiles.ENTRIES, 0, 40)  # a byte inside the first entry of the first bundle
    refused = audit(tiles_url, ledger_key, token=operator_token)
    assert not refused["ok"] and "tile/entries/000" in refused["error"], refused
    _tamper_tile(tiles.ENTRIES, 0, 40)
    assert audit(tiles_url, ledger_key, token=operator_token)["ok"]

    # The checkpoint: one character of its root line, past the triggers that refuse the change.
    cp = Checkpoint.objects.get(size=size)
    at = cp.note.index("\n", len(cp.note.split("\n")[0]) + 1) + 5
    changed = cp.note[:at] + ("A" if cp.note[at] != "A" else "B") + cp.note[at + 1 :]
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE rightsledger_checkpoint SET note = %s WHERE size = %s", [changed, size])
        cursor.execute("SET session_replication_role = origin")
    refused = aics_tlog("verify-checkpoint", "--tiles", tiles_url, "--log-key", ledger_key)
    assert not refused["ok"], refused


@pytest.mark.heavy(25)
def test_the_demo_prints_the_aics_tlog_command_that_verifies_its_ledger_over_http(live_server):
    import io
    import shlex
    import subprocess

    from django.core.management import call_command

    out = io.StringIO()
    call_command("seed_demo", url=live_server.url, stdout=out)
    [line] = [x for x in out.getvalue().splitlines() if x.strip().startswith("aics-tlog verify-checkpoint")]
    command = shlex.split(line)
    done = subprocess.run(
        [str(venv() / "bin" / "aics-tlog"), *command[1:]], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f'"size": {checkpoints.latest_checkpoint().size}' in done.stdout
