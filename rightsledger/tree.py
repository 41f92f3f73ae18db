"""The verifiable ledger: sequencing entries into the Merkle tree, signed checkpoints, proofs,
witnessed checkpoints, and the audit.

One sequencer at a time integrates entries (a PostgreSQL advisory lock), in batches, from
Celery beat or on demand; never on a web request's path. An entry gets its sequence number when
it is written; its leaf index when the sequencer takes it; its proof once a checkpoint covers it.
"""

import base64
import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .errors import Conflict
from .models import Checkpoint, LedgerLeaf, LedgerNode, TreeState, WitnessedCheckpoint
from .tlog import merkle, note
from .tlog.verify import BUNDLE_FORMAT

SEQUENCER_LOCK = 0x52_4C_54_52_45_45  # "RLTREE"


# --- Signing key ---------------------------------------------------------------------------------


def _key_path() -> Path:
    return Path(settings.LEDGER_SIGNING_KEY_FILE)


def key_generate(path: Path | None = None, name: str | None = None) -> str:
    """Write a new Ed25519 key (C2SP note private key form) to a 0600 file; return its verifier key."""
    path = path or _key_path()
    name = name or settings.LEDGER_ORIGIN
    key = Ed25519PrivateKey.generate()
    pub = note.public_bytes(key)
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    text = f"PRIVATE+KEY+{name}+{note.key_id(name, pub).hex()}+{base64.b64encode(note.ED25519 + seed).decode()}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    return note.verifier_key(name, key)


@dataclass(frozen=True)
class SigningKey:
    name: str
    key: Ed25519PrivateKey

    @property
    def verifier_key(self) -> str:
        return note.verifier_key(self.name, self.key)


def signing_key() -> SigningKey:
    """Load the ledger's signing key (creating a development key when allowed and missing)."""
    path = _key_path()
    if not path.exists():
        if not settings.LEDGER_SIGNING_KEY_CREATE:
            raise RuntimeError(f"No ledger signing key at {path}: create one with `manage.py ledger init-key`.")
        try:
            key_generate(path)
        except FileExistsError:
            pass
    parts = path.read_text().strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise RuntimeError(f"{path} is not a ledger signing key (PRIVATE+KEY+name+id+key).")
    raw = base64.b64decode(parts[4])
    return SigningKey(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))


# --- Sequencing ----------------------------------------------------------------------------------


def _node_reader(keys):
    """Fetch the given (level, index) nodes in one query; return node(level, index) -> hash."""
    found = _nodes(LedgerNode.key_of(level, index) for level, index in keys)

    def node(level, index):
        try:
            return found[LedgerNode.key_of(level, index)]
        except KeyError:
            raise LookupError(f"node ({level}, {index}) is not stored: the tree is incomplete")

    return node


def ledger_integrate(*, limit: int = 50_000) -> int:
    """Take the next entries into the tree; return how many. One sequencer at a time."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCER_LOCK])
            state, _ = TreeState.objects.select_for_update().get_or_create(pk=1)
            if connection.vendor == "postgresql":
                # Every transaction older than xmin has ended, so every entry it wrote is visible
                # now and none can appear later: the tree takes exactly those, in (txid, seq) order.
                cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                xmin = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT seq, txid, leaf_hash FROM rightsledger_ledgerentry WHERE txid < %s AND (txid, seq) > (%s, %s) "
                    "ORDER BY txid, seq LIMIT %s",
                    [xmin, state.horizon_txid, state.horizon_seq, limit],
                )
            else:
                cursor.execute(
                    "SELECT seq, 0, leaf_hash FROM rightsledger_ledgerentry WHERE seq > %s ORDER BY seq LIMIT %s",
                    [state.horizon_seq, limit],
                )
            rows = cursor.fetchall()
        if not rows:
            return 0
        size = state.size
        # The right edge of the tree as it is: its perfect subtrees, which new leaves complete.
        edge = merkle.range_nodes(0, size)
        node = _node_reader(edge)
        stack = [(level, index, node(level, index)) for level, index in edge]
        leaves, nodes = [], []
        for offset, (seq, _, leaf_hash) in enumerate(rows):
            index = size + offset
            leaves.append(LedgerLeaf(index=index, entry_id=seq))
            entry = (0, index, bytes(leaf_hash))
            nodes.append(LedgerNode(key=LedgerNode.key_of(0, index), hash=entry[2]))
            stack.append(entry)
            while len(stack) >= 2 and stack[-1][0] == stack[-2][0]:
                level, right_index, right = stack.pop()
                _, left_index, left = stack.pop()
                parent = (level + 1, left_index >> 1, merkle.hash_children(left, right))
                nodes.append(LedgerNode(key=LedgerNode.key_of(parent[0], parent[1]), hash=parent[2]))
                stack.append(parent)
        LedgerLeaf.objects.bulk_create(leaves, batch_size=5000)
        LedgerNode.objects.bulk_create(nodes, batch_size=5000)
        state.size = size + len(rows)
        state.horizon_seq, state.horizon_txid = rows[-1][0], rows[-1][1]
        state.save()
        return len(rows)


def tree_size() -> int:
    state = TreeState.objects.filter(pk=1).first()
    return state.size if state else 0


def root_at(size: int) -> bytes:
    edge = merkle.range_nodes(0, size)
    return merkle.root_from_nodes(size, _node_reader(edge))


def ledger_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Sign a checkpoint if the tree has grown and the interval has passed (or force)."""
    with transaction.atomic():
        size = tree_size()
        last = Checkpoint.objects.order_by("-size").first()
        if size == 0 or (last and last.size >= size):
            return None
        interval = datetime.timedelta(seconds=settings.LEDGER_CHECKPOINT_INTERVAL_SECONDS)
        if not force and last and timezone.now() - last.created_at < interval:
            return None
        root = root_at(size)
        key = signing_key()
        text = note.checkpoint_text(settings.LEDGER_ORIGIN, size, root)
        return Checkpoint.objects.create(size=size, root=root, note=note.sign(text, key.name, key.key))


def ledger_publish(*, force: bool = True) -> Checkpoint | None:
    """Integrate everything pending and sign a checkpoint of it. On demand (force) whenever the
    tree has grown; from the periodic job only once the interval has passed as well."""
    while ledger_integrate():
        pass
    return ledger_checkpoint(force=force)


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


# --- Proofs --------------------------------------------------------------------------------------


def _b64(hashes) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


@dataclass(frozen=True)
class Leaf:
    index: int
    seq: int
    leaf_hash: bytes


def leaf_for(*, seq: int | None = None, leaf_hash: bytes | None = None) -> Leaf:
    """The tree position of an entry, by sequence number or leaf hash (one indexed read)."""
    with connection.cursor() as cursor:
        if seq is not None:
            cursor.execute('SELECT l."index", e.seq, e.leaf_hash FROM rightsledger_ledgerentry e LEFT JOIN rightsledger_ledgerleaf l ON l.seq = e.seq WHERE e.seq = %s', [seq])
        else:
            cursor.execute('SELECT l."index", e.seq, e.leaf_hash FROM rightsledger_ledgerentry e LEFT JOIN rightsledger_ledgerleaf l ON l.seq = e.seq WHERE e.leaf_hash = %s LIMIT 1', [leaf_hash])
        row = cursor.fetchone()
    if row is None:
        raise LookupError("No such ledger entry.")
    if row[0] is None:
        raise Conflict("The entry is recorded but not yet in the tree; its proof is available after the next checkpoint.", code="not_yet_sequenced")
    return Leaf(row[0], row[1], bytes(row[2]))


def _nodes(keys) -> dict[int, bytes]:
    keys = list(keys)
    if connection.vendor != "postgresql":
        return {k: bytes(h) for k, h in LedgerNode.objects.filter(key__in=keys).values_list("key", "hash")}
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, hash FROM rightsledger_ledgernode WHERE key = ANY(%s)", [keys])
        return {k: bytes(h) for k, h in cursor.fetchall()}


def inclusion_proof(leaf, size: int) -> list[bytes]:
    """The inclusion proof of a leaf in the tree of a given size: O(log n) nodes, one query."""
    if leaf.index >= size:
        raise Conflict(f"Leaf {leaf.index} is not in the tree of size {size}; ask against a later checkpoint.", code="not_in_tree")
    parts = merkle.inclusion_nodes(leaf.index, size)
    return merkle.assemble(parts, _node_reader(k for part in parts for k in part))


def consistency_proof(old: int, new: int) -> list[bytes]:
    parts = merkle.consistency_nodes(old, new)
    return merkle.assemble(parts, _node_reader(k for part in parts for k in part))


def proof_bundle(entries) -> dict:
    """A bundle that rightsledger-verify checks offline: the latest checkpoint, and each entry's
    canonical bytes and inclusion proof. Entries not yet covered by a checkpoint are listed apart."""
    checkpoint = latest_checkpoint()
    bundle = {"format": BUNDLE_FORMAT, "checkpoint": checkpoint.note if checkpoint else None, "verifier_key": signing_key().verifier_key,
              "entries": [], "pending": []}
    leaves = {seq: Leaf(index, seq, b"") for index, seq in LedgerLeaf.objects.filter(entry__in=[e.seq for e in entries]).values_list("index", "entry_id")}
    for entry in entries:
        leaf = leaves.get(entry.seq)
        if checkpoint is None or leaf is None or leaf.index >= checkpoint.size:
            bundle["pending"].append(entry.seq)
            continue
        bundle["entries"].append(
            {
                "seq": entry.seq,
                "type": entry.entry_type,
                "leaf_index": leaf.index,
                "leaf_hash": bytes(entry.leaf_hash).hex(),
                "entry": base64.b64encode(bytes(entry.body)).decode(),
                "proof": _b64(inclusion_proof(leaf, checkpoint.size)),
            }
        )
    return bundle


# --- Witnesses -----------------------------------------------------------------------------------


def witness_register(*, actor, guild, note_text: str) -> WitnessedCheckpoint:
    """Record that a guild has seen a checkpoint. It must be signed by this ledger's key and match
    the checkpoint of that size the ledger issued."""
    from django.core.exceptions import ValidationError

    verifier = note.Verifier.parse(signing_key().verifier_key)
    try:
        cp = note.Checkpoint.parse(note.open_note(note_text, verifier))
    except note.NoteError as exc:
        raise ValidationError({"note": ValidationError(f"Not a checkpoint signed by this ledger: {exc}", code="checkpoint_invalid")})
    if cp.origin != settings.LEDGER_ORIGIN:
        raise ValidationError({"note": ValidationError(f"The checkpoint is of {cp.origin}, not {settings.LEDGER_ORIGIN}.", code="checkpoint_other_log")})
    witnessed, _ = WitnessedCheckpoint.objects.get_or_create(
        guild=guild, size=cp.size, defaults={"root": cp.root, "note": note_text, "created_by": actor}
    )
    return witnessed


def witness_report(guild) -> dict:
    """For each checkpoint the guild witnessed: the consistency proof to the latest checkpoint,
    and whether it verifies. A rewritten history fails here."""
    latest = latest_checkpoint()
    out = {"latest": latest.note if latest else None, "checkpoints": []}
    for w in WitnessedCheckpoint.objects.filter(guild=guild).order_by("size"):
        item = {"size": w.size, "root": base64.b64encode(bytes(w.root)).decode(), "witnessed_at": w.created_at.isoformat()}
        if latest is None or w.size > latest.size:
            item.update(consistent=False, problem="The ledger's latest checkpoint is older than this one: the log was rolled back.")
        else:
            try:
                proof = consistency_proof(w.size, latest.size)
                merkle.verify_consistency(w.size, latest.size, bytes(w.root), bytes(latest.root), proof)
                item.update(consistent=True, proof=_b64(proof), to_size=latest.size)
            except (merkle.ProofError, LookupError, ValueError) as exc:
                item.update(consistent=False, problem=f"History was rewritten: {exc}")
        out["checkpoints"].append(item)
    return out


# --- Audit ---------------------------------------------------------------------------------------


@dataclass
class AuditResult:
    entries: int
    tree_size: int
    checkpoint_size: int
    ok: bool
    problems: list[str]


def ledger_audit() -> AuditResult:
    """Recompute every leaf hash from its entry's bytes and the latest checkpoint's root from
    those leaves, and verify the checkpoint's signature. Name the first divergence.

    The leaf hashes are recomputed by the database (SHA-256 over each stored entry, in C, next
    to the data); the tree above them is recomputed here.
    """
    problems = []
    checkpoint = latest_checkpoint()
    size = checkpoint.size if checkpoint else 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One pass next to the data: every leaf hash recomputed, in tree order, packed into one
            # value (32 bytes each), and the first leaf whose entry no longer matches its hash.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(
                "SELECT count(*), max(i), string_agg(h, ''::bytea ORDER BY i), min(i) FILTER (WHERE h <> stored) FROM ("
                "  SELECT l.index AS i, e.leaf_hash AS stored, sha256('\\x00'::bytea || e.body) AS h"
                "  FROM rightsledger_ledgerleaf l JOIN rightsledger_ledgerentry e ON e.seq = l.seq) AS leaves"
            )
            count, top, packed, first_altered = cursor.fetchone()
            altered = None
            if first_altered is not None:
                cursor.execute("SELECT seq FROM rightsledger_ledgerleaf WHERE index = %s", [first_altered])
                altered = (first_altered, cursor.fetchone()[0])
            packed = bytes(packed or b"")
            leaves = [packed[i : i + 32] for i in range(0, len(packed), 32)]
            if count and top != count - 1:
                problems.append("leaves are missing from the tree")
        else:
            cursor.execute(
                'SELECT l."index", e.seq, e.body, e.leaf_hash FROM rightsledger_ledgerleaf l '
                'JOIN rightsledger_ledgerentry e ON e.seq = l.seq ORDER BY l."index"'
            )
            rows = cursor.fetchall()
            leaves = [merkle.hash_leaf(bytes(body)) for _, _, body, _ in rows]
            altered = next(((i, seq) for (i, seq, _, stored), h in zip(rows, leaves) if h != bytes(stored)), None)
    if altered:
        problems.append(f"entry seq {altered[1]} (leaf {altered[0]}) was altered: its bytes no longer hash to its recorded leaf hash")
    if checkpoint:
        try:
            note.open_note(checkpoint.note, note.Verifier.parse(signing_key().verifier_key))
        except note.NoteError as exc:
            problems.append(f"checkpoint {checkpoint.size}: {exc}")
        if len(leaves) < size:
            problems.append(f"the tree has {len(leaves)} leaves, fewer than the latest checkpoint's {size}")
        elif merkle.root(leaves[:size]) != bytes(checkpoint.root):
            problems.append(f"the root recomputed from the entries does not match checkpoint {size}")
    return AuditResult(entries=len(leaves), tree_size=tree_size(), checkpoint_size=size, ok=not problems, problems=problems)
