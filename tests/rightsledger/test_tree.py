"""The verifiable ledger in PostgreSQL: sequencing, checkpoints, proofs, the guild's proof bundle
and witnessed checkpoints, the offline verifier, and the audit."""

import base64
import json
import subprocess
import sys

import pytest
from django.db import connection

from rightsledger.ledger import audit, checkpoints, sequencer, witnesses
from rightsledger.models import Checkpoint, LedgerEntry, LedgerLeaf, LedgerNode
from rightsledger.tlog import merkle, note
from rightsledger.tlog.verify import main as verify_main

from .. import factories as f

# The sequencer takes only entries whose transactions have ended, so these tests commit.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_key")]


@pytest.fixture
def consent(world):
    talent = f.make_talent("Maria Alvarez", guild=world.guild, member_id="SAG-1001")
    c = f.make_consent(world.prod_a, talent)
    from rightsledger import services

    services.consent_amend(
        actor=world.clearance, consent=c, changes={"media": ["theatrical"]}, reason="Amendment 1"
    )
    return c


def test_integration_gives_every_entry_a_leaf_and_the_root_matches(world):
    assert sequencer.ledger_integrate(limit=7) == 7  # in batches
    while sequencer.ledger_integrate(limit=7):
        pass
    entries = list(LedgerEntry.objects.order_by("leaf__index").values_list("leaf_hash", flat=True))
    assert sequencer.tree_size() == LedgerEntry.objects.count() == LedgerLeaf.objects.count()
    assert sequencer.root_at(len(entries)) == merkle.root([bytes(h) for h in entries])
    assert sequencer.ledger_integrate() == 0


def test_publishing_signs_the_root_of_every_leaf_in_batches_and_grows_the_tree_without_a_key(
    world, settings, monkeypatch, tmp_path
):
    monkeypatch.setattr(checkpoints, "INTEGRATE_BATCH", 4)  # several batches in the one transaction
    cp = checkpoints.ledger_publish()
    leaves = [
        bytes(h) for h in LedgerEntry.objects.order_by("leaf__index").values_list("leaf_hash", flat=True)
    ]
    assert cp.size == len(leaves) == sequencer.tree_size() > 8 and bytes(cp.root) == merkle.root(
        leaves
    ) == sequencer.root_at(cp.size)
    assert checkpoints.ledger_publish() is None  # nothing new: no checkpoint
    f.make_party(world.studio, name="Grown")
    settings.LEDGER_SIGNING_KEY_FILE, settings.LEDGER_SIGNING_KEY_CREATE = str(tmp_path / "none"), False
    with pytest.raises(RuntimeError, match="No ledger signing key"):
        checkpoints.ledger_publish()
    # The new entry is in the tree (its proof can be served), and no checkpoint was signed.
    assert (
        sequencer.tree_size() == LedgerEntry.objects.count() > cp.size
        and checkpoints.latest_checkpoint().size == cp.size
    )


def test_a_checkpoint_is_a_signed_note_served_at_ledger_checkpoint(world, client, ledger_key):
    cp = checkpoints.ledger_publish()
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = note.open_note(response.content.decode(), note.Verifier.parse(ledger_key))
    parsed = note.Checkpoint.parse(text)
    assert (
        parsed.size == cp.size
        and parsed.root == bytes(cp.root)
        and parsed.origin == "rightsledger.example/ledger"
    )
    assert client.get(f"/ledger/checkpoint/{cp.size}").content == response.content
    assert client.get("/ledger/checkpoint/999999").status_code == 404
    assert checkpoints.ledger_checkpoint(force=True) is None  # nothing new, no new checkpoint


def test_inclusion_and_consistency_proofs_through_the_api(world, api, ledger_key):
    first = checkpoints.ledger_publish()
    f.make_party(world.studio, name="Later Party")
    second = checkpoints.ledger_publish()
    entry = LedgerEntry.objects.filter(production=world.prod_a).order_by("seq").first()
    client = api(world.producer_a)
    data = client.get(f"/api/ledger/proofs/inclusion/?seq={entry.seq}&tree_size={second.size}").json()
    merkle.verify_inclusion(
        data["leaf_index"],
        second.size,
        bytes.fromhex(data["leaf_hash"]),
        [base64.b64decode(p) for p in data["proof"]],
        bytes(second.root),
    )
    by_hash = client.get(f"/api/ledger/proofs/inclusion/?leaf_hash={data['leaf_hash']}").json()
    assert by_hash["proof"] == data["proof"] and by_hash["tree_size"] == second.size
    c = client.get(f"/api/ledger/proofs/consistency/?from={first.size}&to={second.size}").json()
    merkle.verify_consistency(
        first.size,
        second.size,
        bytes(first.root),
        bytes(second.root),
        [base64.b64decode(p) for p in c["proof"]],
    )
    raw = client.get(f"/api/ledger/entries/{entry.seq}/bytes/")
    assert raw.content == bytes(entry.body) and merkle.hash_leaf(raw.content) == bytes(entry.leaf_hash)


@pytest.mark.parametrize(
    "query,status",
    [("seq=abc", 400), ("", 400), ("seq=99999999", 404), ("leaf_hash=zz", 400), ("seq=1&tree_size=-1", 400)],
)
def test_bad_proof_requests_get_clear_errors(world, api, query, status):
    checkpoints.ledger_publish()
    response = api(world.admin).get(f"/api/ledger/proofs/inclusion/?{query}")
    assert response.status_code == status and response.json()["errors"][0]["message"]


def test_an_entry_not_yet_sequenced_has_its_proof_after_the_next_checkpoint(world, api):
    checkpoints.ledger_publish()
    shot = f.make_shot(world.prod_a, "EP103_SH0010")
    entry = LedgerEntry.objects.get(record_type="shot", record_id=shot.pk)
    response = api(world.admin).get(f"/api/ledger/proofs/inclusion/?seq={entry.seq}")
    assert response.status_code == 409 and "next checkpoint" in response.json()["errors"][0]["message"]


def test_the_guilds_proof_bundle_verifies_offline(world, api, consent, ledger_key, tmp_path):
    checkpoints.ledger_publish()
    response = api(world.guild_rep).get(f"/api/consents/{consent.pk}/proofs/")
    assert response.status_code == 200
    bundle = response.json()
    assert [e["type"] for e in bundle["entries"]] == ["consent.created", "consent.amended"] and bundle[
        "pending"
    ] == []
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    assert verify_main(["bundle", str(path), "--key", ledger_key]) == 0
    # The same through the installed console script, as a guild would run it.
    out = subprocess.run(
        [sys.executable, "-m", "rightsledger.tlog.verify", "bundle", str(path), "--key", ledger_key],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0 and "VERIFIED" in out.stdout
    # Tampering: a changed entry, a changed proof, another key.
    tampered = json.loads(path.read_text())
    body = json.loads(base64.b64decode(tampered["entries"][0]["entry"]))
    body["payload"]["training_permission"] = "allowed"
    from rightsledger.tlog.entry import canonical

    tampered["entries"][0]["entry"] = base64.b64encode(canonical(body)).decode()
    path.write_text(json.dumps(tampered))
    assert verify_main(["bundle", str(path), "--key", ledger_key]) == 1
    other_key = note.verifier_key(
        "rightsledger.example/ledger",
        __import__(
            "cryptography.hazmat.primitives.asymmetric.ed25519", fromlist=["x"]
        ).Ed25519PrivateKey.generate(),
    )
    path.write_text(json.dumps(bundle))
    assert verify_main(["bundle", str(path), "--key", other_key]) == 1
    assert verify_main(["bundle", str(path), "--key", "not-a-key"]) == 2
    path.write_text("{not json")
    assert verify_main(["bundle", str(path), "--key", ledger_key]) == 2


def test_the_guild_rep_cannot_get_bundles_of_other_guilds_consents(world, api):
    outsider = f.make_talent("Jon Brandt", guild=world.other_guild, member_id="EQ-1")
    c = f.make_consent(world.prod_a, outsider)
    checkpoints.ledger_publish()
    assert api(world.guild_rep).get(f"/api/consents/{c.pk}/proofs/").status_code == 404


def test_consistency_between_saved_checkpoints_verifies_offline(world, api, ledger_key, tmp_path):
    old = checkpoints.ledger_publish()
    f.make_party(world.studio, name="Another")
    new = checkpoints.ledger_publish()
    proof = api(world.admin).get(f"/api/ledger/proofs/consistency/?from={old.size}&to={new.size}").json()
    (tmp_path / "old").write_text(old.note)
    (tmp_path / "new").write_text(new.note)
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    assert (
        verify_main(
            [
                "consistency",
                str(tmp_path / "old"),
                str(tmp_path / "new"),
                str(tmp_path / "proof.json"),
                "--key",
                ledger_key,
            ]
        )
        == 0
    )
    proof["proof"][0] = base64.b64encode(b"\x00" * 32).decode()
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    assert (
        verify_main(
            [
                "consistency",
                str(tmp_path / "old"),
                str(tmp_path / "new"),
                str(tmp_path / "proof.json"),
                "--key",
                ledger_key,
            ]
        )
        == 1
    )


def test_a_guild_witnesses_checkpoints_and_the_ledger_proves_consistency(world, api, ledger_key):
    seen = checkpoints.ledger_publish()
    client = api(world.guild_rep)
    assert client.post("/api/ledger/witness/", {"note": seen.note}, format="json").status_code == 201
    forged = seen.note.replace(f"\n{seen.size}\n", f"\n{seen.size + 1}\n")
    bad = client.post("/api/ledger/witness/", {"note": forged}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "checkpoint_invalid"
    f.make_party(world.studio, name="More")
    checkpoints.ledger_publish()
    report = client.get("/api/ledger/witness/").json()
    assert [c["consistent"] for c in report["checkpoints"]] == [True]
    assert (
        api(world.producer_a).post("/api/ledger/witness/", {"note": seen.note}, format="json").status_code
        == 403
    )


def test_a_rewritten_history_fails_the_witness_consistency_proof_and_the_audit(tmp_path, settings):
    from ..conftest import World

    settings.LEDGER_SIGNING_KEY_FILE = str(tmp_path / "k2")
    settings.LEDGER_SIGNING_KEY_CREATE = False
    checkpoints.key_generate()
    world = World()
    talent = f.make_talent("Maria Alvarez", guild=world.guild, member_id="SAG-1")
    consent = f.make_consent(world.prod_a, talent)
    seen = checkpoints.ledger_publish()
    witnesses.witness_register(actor=world.guild_rep, guild=world.guild, note_text=seen.note)
    assert audit.ledger_audit().ok

    # The studio's database superuser rewrites the consent's entry behind the application's
    # back, rebuilds the tree from the altered entries and signs a new checkpoint with the real key.
    entry = LedgerEntry.objects.get(record_type="consent", record_id=consent.pk)
    body = json.loads(bytes(entry.body))
    body["payload"]["training_permission"] = "allowed"
    from rightsledger.tlog.entry import canonical

    new_body = canonical(body)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # the triggers stop refusing
        cursor.execute("UPDATE rightsledger_ledgerentry SET body = %s WHERE seq = %s", [new_body, entry.seq])
        result = audit.ledger_audit()
        assert (
            not result.ok
            and f"entry seq {entry.seq}" in result.problems[0]
            and "altered" in result.problems[0]
        )
        cursor.execute(
            "UPDATE rightsledger_ledgerentry SET leaf_hash = %s WHERE seq = %s",
            [merkle.hash_leaf(new_body), entry.seq],
        )
        cursor.execute(
            "DELETE FROM rightsledger_ledgernode; DELETE FROM rightsledger_ledgerleaf; "
            "DELETE FROM rightsledger_checkpoint;"
        )
        cursor.execute("UPDATE rightsledger_treestate SET size = 0, horizon_txid = 0, horizon_seq = 0")
        cursor.execute("SET session_replication_role = origin")
    rebuilt = checkpoints.ledger_publish()
    # One entry more than the guild saw: its own witness registration.
    assert rebuilt.size == seen.size + 1 and bytes(rebuilt.root) != bytes(seen.root)
    report = witnesses.witness_report(world.guild)
    assert (
        report["checkpoints"][0]["consistent"] is False and "rewritten" in report["checkpoints"][0]["problem"]
    )


def test_ledger_audit_command(world, capsys):
    from django.core.management import call_command

    checkpoints.ledger_publish()
    call_command("ledger", "audit")
    assert "Audit passed" in capsys.readouterr().out


def test_tree_rows_are_append_only(world):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL trigger")
    checkpoints.ledger_publish()
    from django.db import DatabaseError, transaction

    for model in (LedgerNode, LedgerLeaf, Checkpoint):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                model.objects.all().delete()


def test_the_periodic_job_waits_for_the_interval(world, settings):
    from rightsledger.tasks import ledger_publish as periodic

    settings.LEDGER_CHECKPOINT_INTERVAL_SECONDS = 3600
    first = periodic.apply().get()
    assert first == sequencer.tree_size()  # the first checkpoint is issued at once
    f.make_party(world.studio, name="Grown")
    assert periodic.apply().get() is None  # grown, but the interval has not passed
    assert checkpoints.latest_checkpoint().size == first
    settings.LEDGER_CHECKPOINT_INTERVAL_SECONDS = 0
    assert periodic.apply().get() == sequencer.tree_size() > first


@pytest.mark.django_db(transaction=True)
def test_the_audit_reads_a_large_tree_in_parts_on_connections_of_their_own(settings):
    from ..conftest import World

    settings.LEDGER_AUDIT_PARALLEL_MIN, settings.LEDGER_AUDIT_WORKERS = 1, 3
    World()
    checkpoints.ledger_publish()
    result = audit.ledger_audit()
    assert result.ok and result.entries == result.checkpoint_size == sequencer.tree_size() > 10
    # An entry altered in the last part is found and named, as in one pass.
    last = LedgerLeaf.objects.order_by("-index").first()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE rightsledger_ledgerentry SET body = body || ' '::bytea WHERE seq = %s", [last.entry_id]
        )
        cursor.execute("SET session_replication_role = origin")
    result = audit.ledger_audit()
    assert (
        not result.ok and f"entry seq {last.entry_id} (leaf {last.index}) was altered" in result.problems[0]
    )
