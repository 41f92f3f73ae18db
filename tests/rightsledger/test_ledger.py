import hashlib
import json
import time

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from rightsledger import personal
from rightsledger.ledger import checkpoints
from rightsledger.ledger.append import recording
from rightsledger.models import LedgerEntry, Party, RightsGrant
from rightsledger.tlog import note
from rightsledger.tlog.entry import Entry, canonical, leaf_hash

from .. import factories as f


def test_canonical_json_follows_rfc8785_key_order_and_number_forms():
    # RFC 8785 §3.2.3 sorts keys by UTF-16 code units; §3.2.2.3 writes numbers as ECMAScript does.
    assert canonical({"b": 1, "a": [1.0, 1e21, "é"], "€": True, "\u0080": None}) == (
        '{"a":[1,1e+21,"é"],"b":1,"\u0080":null,"€":true}'.encode()
    )


def test_leaf_hash_is_sha256_of_zero_byte_and_entry():
    # RFC 9162 §2.1.1: the hash of the empty leaf is SHA-256(0x00).
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()


def test_every_write_appends_an_entry_whose_leaf_hash_covers_its_bytes(world):
    entry = LedgerEntry.objects.filter(entry_type="party.created").latest("seq")
    body = bytes(entry.body)
    assert bytes(entry.leaf_hash) == hashlib.sha256(b"\x00" + body).digest()
    decoded = json.loads(body)
    assert decoded["seq"] == entry.seq
    assert decoded["type"] == "party.created"
    assert decoded["payload"]["party"] == entry.record_id
    # The bytes are canonical: re-encoding what they say gives the same bytes.
    assert Entry(**{k: decoded[k] for k in ("seq", "type", "actor", "time", "payload")}).encode() == body


def test_talent_entries_name_no_one(world):
    talent = f.make_talent(
        "Maria Alvarez", guild=world.guild, member_id="SAG-1001", professional_name="Mara Vega"
    )
    entry = LedgerEntry.objects.get(record_type="talent", record_id=talent.pk)
    assert b"Alvarez" not in bytes(entry.body) and b"Vega" not in bytes(entry.body)
    assert b"SAG-1001" not in bytes(entry.body)  # a member id identifies a person: committed to, not held
    assert json.loads(bytes(entry.body))["payload"]["memberships"] == [
        {
            "guild": world.guild.pk,
            "member_id": personal.commitment(talent.personal_salt, f"member_id:{world.guild.pk}", "SAG-1001"),
        }
    ]


def test_sequence_numbers_are_unique_and_increasing(world):
    seqs = list(LedgerEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == len(set(seqs)) > 5
    times = list(LedgerEntry.objects.order_by("seq").values_list("time", flat=True))
    assert times == sorted(times)


def test_a_recording_block_that_records_nothing_is_refused_and_rolled_back(world):
    before = Party.objects.count()
    with pytest.raises(RuntimeError, match="wrote no ledger entry"):
        with recording(actor=None):
            Party.objects.create(studio=world.studio, name="Unrecorded", kind="vendor")
    assert Party.objects.count() == before


def test_an_entry_must_name_its_record(world):
    with pytest.raises(ValueError, match="names no record"):
        with recording(actor=None) as rec:
            rec.append("x.happened", {})


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_update_and_delete_of_entries():
    if connection.vendor != "postgresql":
        pytest.skip("the trigger under test is PostgreSQL's")
    f.StudioFactory()
    entry = LedgerEntry.objects.latest("seq")
    with pytest.raises(DatabaseError, match="append-only: UPDATE"):
        with transaction.atomic():
            LedgerEntry.objects.filter(seq=entry.seq).update(actor="someone else")
    with pytest.raises(DatabaseError, match="append-only: DELETE"):
        with transaction.atomic():
            LedgerEntry.objects.filter(seq=entry.seq).delete()
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE rightsledger_ledgerentry CASCADE")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE rightsledger_ledgerentry SET actor = actor WHERE false")  # no row: allowed
    assert LedgerEntry.objects.get(seq=entry.seq).actor == entry.actor


def test_a_failed_write_leaves_no_entry(world, ledger_count):
    before = ledger_count(), RightsGrant.objects.count()
    with pytest.raises(ValidationError) as refused:
        f.make_grant(world.prod_a, world.party, [], territories=["XX"])
    assert {field: [e.code for e in errors] for field, errors in refused.value.error_dict.items()} == {
        "assets": ["required"],
        "territories": ["territory_unknown"],
    }
    assert (ledger_count(), RightsGrant.objects.count()) == before


def _covered(seq: int):
    """Return the newest checkpoint whose tree holds the entry seq, or None."""
    from rightsledger.models import LedgerLeaf

    leaf = LedgerLeaf.objects.filter(entry_id=seq).first()
    checkpoint = checkpoints.latest_checkpoint()
    covers = leaf is not None and checkpoint is not None and leaf.index < checkpoint.size
    return checkpoint if covers else None


def _consent_revoked(world):
    """Revoke a consent (a write that signs no output); return the revocation's ledger entry."""
    from rightsledger import services

    consent = f.make_consent(world.prod_a, f.make_talent(guild=world.guild), actor=world.clearance)
    services.consent_revoke(actor=world.clearance, consent=consent, reason="The performer withdrew.")
    return LedgerEntry.objects.filter(entry_type="consent.revoked").latest("seq")


@pytest.mark.django_db(transaction=True)
def test_a_worker_publishes_a_checkpoint_shortly_after_any_write_and_a_burst_shares_it(broker, settings):
    """With a real worker on Redis and no beat: a burst of writes sends a few publishes, not one
    each, none with a countdown, and signs a few checkpoints; a revocation (it signs no output) is
    covered in seconds."""
    from django.core.cache import cache

    from rightsledger.models import Checkpoint

    from ..conftest import World
    from ..workers import BROKER, Worker, wait_for, worker_environment

    settings.LEDGER_PUBLISH_ON_WRITE = True
    settings.LEDGER_CHECKPOINT_INTERVAL_SECONDS = 3600  # not the periodic job's doing
    # The mark of a queued publish is in the cache the web processes and the worker share.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": BROKER}
    }
    world = World()
    broker.flushdb()
    cache.clear()
    writes = 30
    for n in range(writes):
        f.make_party(world.studio, name=f"Burst party {n}")
    burst = LedgerEntry.objects.latest("seq").seq
    sent = broker.llen("celery")  # the publishes the burst sent, waiting for a worker
    assert 1 <= sent <= writes // 5, f"{writes} writes sent {sent} publishes"

    worker = Worker(worker_environment(LEDGER_CHECKPOINT_INTERVAL_SECONDS="3600", CACHE_URL=BROKER)).start()
    try:
        wait_for(lambda: _covered(burst), timeout=30, what="a checkpoint covering the burst")
        signed = Checkpoint.objects.count()
        assert 1 <= signed <= writes // 3, f"{writes} writes gave {signed} checkpoints"

        entry = _consent_revoked(world)
        checkpoint = wait_for(
            lambda: _covered(entry.seq), timeout=30, what="a checkpoint covering the revocation"
        )
        assert note.open_note(checkpoint.note, checkpoints.verifier())

        # A transaction open elsewhere, older than a write, holds the write out of the tree: the
        # publish sent after the write leaves it out, and the next publish takes it once that
        # transaction has ended (here a later write's; the beat's where no write follows).
        db = connection.settings_dict
        with psycopg.connect(
            dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
        ) as elsewhere:
            elsewhere.execute("SELECT txid_current()")
            held = f.make_party(world.studio, name="Held back")
            time.sleep(3)  # the publish it sent ran, and had to leave it out
            held_seq = LedgerEntry.objects.get(record_type="party", record_id=held.pk).seq
            assert _covered(held_seq) is None
            elsewhere.rollback()
        f.make_party(world.studio, name="After the hold")
        wait_for(lambda: _covered(held_seq), timeout=30, what="a checkpoint covering the held-back write")
    finally:
        worker.stop()
