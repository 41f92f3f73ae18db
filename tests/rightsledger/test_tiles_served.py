"""The ledger served as C2SP tlog-tiles: the sequencer writes the tiles as it integrates, and a
client that reads only /ledger/checkpoint and /ledger/tile/... recomputes the signed root, proves
entries and consistency, and catches a changed byte."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from rightsledger import services, vocab
from rightsledger.ledger import checkpoints
from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import LedgerEntry, LedgerTile
from rightsledger.tlog import merkle, tiles
from rightsledger.tlog.note import Checkpoint, Verifier, open_note
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_key")]


def _append(n: int, start: int = 0) -> None:
    with recording(actor="system") as rec:
        rec.append_many(
            [(EntryType.PARTY_CREATED, {"party": start + k}, {"record_type": "party"}) for k in range(n)]
        )


def _fetcher(client):
    def fetch(path: str) -> bytes:
        response = client.get(f"/ledger/{path}")
        if response.status_code == 404:
            raise LookupError(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:200])
        return response.content

    return fetch


def _checkpoint(client) -> Checkpoint:
    verifier = Verifier.parse(client.get("/ledger/verifier-key").content.decode())
    return Checkpoint.parse(open_note(client.get("/ledger/checkpoint").content.decode(), verifier))


@pytest.fixture
def operator(db):
    return f.UserFactory(is_superuser=True, is_staff=True)


def test_a_client_audits_the_whole_ledger_from_the_served_tiles_alone(operator):
    _append(300)
    first = checkpoints.ledger_publish()
    _append(260, start=300)
    second = checkpoints.ledger_publish()
    public, auditor = Client(), Client()
    auditor.force_login(operator)
    cp = _checkpoint(public)
    assert (cp.size, cp.root) == (second.size, bytes(second.root)) and cp.size >= 560

    # Hash tiles alone: the root, one entry's inclusion, and consistency with the first checkpoint.
    tiles.verify_root(_fetcher(public), cp.size, cp.root)
    entry = LedgerEntry.objects.get(leaf__index=5)
    tiles.verify_inclusion(_fetcher(public), 5, cp.size, bytes(entry.leaf_hash), cp.root)
    tiles.verify_consistency(_fetcher(public), first.size, cp.size, bytes(first.root), cp.root)
    # With the entry bundles (an operator's): every entry, hashed, makes the tiles and the root.
    assert tiles.verify_tree(_fetcher(auditor), cp.size, cp.root) == cp.size
    assert tiles.verify_entry(_fetcher(auditor), 300, cp.size, cp.root) == bytes(
        LedgerEntry.objects.get(leaf__index=300).body
    )


def test_full_tiles_are_immutable_partial_ones_short_lived_and_narrower_widths_are_prefixes(operator):
    _append(300)
    width = checkpoints.ledger_publish().size - 256
    assert 0 < width < 256
    client = Client()
    full, partial = client.get("/ledger/tile/0/000"), client.get(f"/ledger/tile/0/001.p/{width}")
    assert full["Cache-Control"] == "public, max-age=31536000, immutable" and len(full.content) == 256 * 32
    assert partial["Cache-Control"] == "public, max-age=10" and len(partial.content) == width * 32
    assert client.get("/ledger/tile/0/001.p/10").content == partial.content[: 10 * 32]
    assert client.get(f"/ledger/tile/0/001.p/{width + 1}").status_code == 404  # not there yet
    assert client.get("/ledger/tile/0/001").status_code == 404
    assert client.get("/ledger/tile/1/000.p/1").content == merkle.root(
        [bytes(h) for h in full_leaf_hashes(256)]
    )
    for bad in ("0/1", "0/x000/001", "0/000.p/256", "0/000.p/0", "64/000", "entries/01"):
        response = client.get(f"/ledger/tile/{bad}")
        assert response.status_code == 404 and b"tile/<level>/<index>" in response.content, bad


def full_leaf_hashes(n: int) -> list[bytes]:
    return list(
        LedgerEntry.objects.filter(leaf__index__lt=n)
        .order_by("leaf__index")
        .values_list("leaf_hash", flat=True)
    )


def test_entry_bundles_are_served_to_operators_only_and_hold_the_hashed_bytes(operator):
    _append(3)
    checkpoints.ledger_publish()
    size = checkpoints.latest_checkpoint().size
    anonymous, member = Client(), Client()
    member.force_login(f.UserFactory())
    for client in (anonymous, member):
        refused = client.get(f"/ledger/tile/entries/000.p/{size}")
        assert refused.status_code == 403 and b"/api/ledger/entries/" in refused.content
    by_token = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operator).key}")
    bundle = by_token.get(f"/ledger/tile/entries/000.p/{size}")
    assert bundle.status_code == 200 and bundle["Cache-Control"] == "no-store"
    bodies = [bytes(b) for b in LedgerEntry.objects.order_by("leaf__index").values_list("body", flat=True)]
    assert tiles.parse_bundle(bundle.content, size) == bodies
    # An operator's API token reads them too, unless it may only ask for training clearance.
    for scope, status in ((vocab.TOKEN_SCOPE_READ_ONLY, 200), (vocab.TOKEN_SCOPE_TRAINING_CLEARANCE, 403)):
        _, text = services.api_token_create(
            actor=operator,
            user=operator,
            name=scope,
            scope=scope,
            expires_at=datetime.date.today() + datetime.timedelta(days=5),
        )
        answer = Client(HTTP_AUTHORIZATION=f"Bearer {text}").get(f"/ledger/tile/entries/000.p/{size}")
        assert answer.status_code == status


def _tamper(level: int, index: int, at: int) -> None:
    """Change one byte of a stored tile, as someone with write access to the database would."""
    row = LedgerTile.objects.get(key=LedgerTile.key_of(level, index))
    data = bytearray(row.data)
    data[at] ^= 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE rightsledger_ledgertile SET data = %s WHERE key = %s", [bytes(data), row.key])


def test_one_changed_byte_in_a_served_tile_or_bundle_is_caught(operator):
    _append(300)
    checkpoints.ledger_publish()
    public, auditor = Client(), Client()
    auditor.force_login(operator)
    cp = _checkpoint(public)
    leaf = bytes(LedgerEntry.objects.get(leaf__index=2).leaf_hash)
    _tamper(0, 0, 3 * 32 + 5)  # leaf 3's hash, a sibling in leaf 2's proof
    with pytest.raises(merkle.ProofError):
        tiles.verify_inclusion(_fetcher(public), 2, cp.size, leaf, cp.root)
    with pytest.raises(merkle.ProofError):
        tiles.verify_tree(_fetcher(auditor), cp.size, cp.root)
    _tamper(0, 0, 3 * 32 + 5)  # put it back
    tiles.verify_tree(_fetcher(auditor), cp.size, cp.root)
    _tamper(1, 0, 0)  # the subtree hash of the first 256 leaves, which the root is made from
    with pytest.raises(merkle.ProofError):
        tiles.verify_root(_fetcher(public), cp.size, cp.root)
    _tamper(1, 0, 0)
    _tamper(-1, 0, 40)  # a byte inside the first entry of the first bundle
    with pytest.raises(merkle.ProofError):
        tiles.verify_tree(_fetcher(auditor), cp.size, cp.root)


def test_an_entry_over_the_bundle_limit_is_refused_when_recorded_and_nothing_is_written():
    before = LedgerEntry.objects.count()
    with pytest.raises(ValidationError, match="at most 65,535 bytes"):
        with recording(actor="system") as rec:
            rec.append(
                EntryType.PARTY_CREATED, {f"note{k}": "x" * 10_000 for k in range(7)}, record_type="party"
            )
    assert LedgerEntry.objects.count() == before


def test_tiles_written_in_batches_equal_the_tiles_of_the_whole_tree():
    for start in range(0, 700, 233):
        _append(233, start=start)
        checkpoints.ledger_publish()
    leaves = [
        bytes(h) for h in LedgerEntry.objects.order_by("leaf__index").values_list("leaf_hash", flat=True)
    ]
    stored = {t.key: (t.width, bytes(t.data)) for t in LedgerTile.objects.all()}
    expected = tiles.build_tiles(leaves)
    for tile, data in expected.items():
        assert stored[LedgerTile.key_of(tile.level, tile.index)] == (tile.width, data), tile.path
