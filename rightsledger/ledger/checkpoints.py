"""Signed checkpoints of the tree (C2SP tlog-checkpoint in a signed note, Ed25519), and the
ledger's signing key, kept in a 0600 file and never in the database."""

import base64
import datetime
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from celery import current_app
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ..models import Checkpoint
from ..tlog import note
from .sequencer import INTEGRATE_BATCH, integrate, root_at, tree_size

log = logging.getLogger(__name__)
# The cache key that stands for "a publish is already scheduled": the writes of a burst share it.
PUBLISH_QUEUED_KEY = "rightsledger:ledger-publish-queued"
PUBLISH_TASK = "rightsledger.ledger_publish"


def _key_path() -> Path:
    return Path(settings.LEDGER_SIGNING_KEY_FILE)


def key_generate(path: Path | None = None, name: str | None = None) -> str:
    """Write a new Ed25519 key (C2SP note private key form) to a 0600 file; return its verifier key."""
    path = path or _key_path()
    name = name or settings.LEDGER_ORIGIN
    key = Ed25519PrivateKey.generate()
    pub = note.public_bytes(key)
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    text = (
        f"PRIVATE+KEY+{name}+{note.key_id(name, pub).hex()}+"
        f"{base64.b64encode(note.ED25519 + seed).decode()}\n"
    )
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
    """Return the ledger's signing key (creating a development key when allowed and missing)."""
    path = _key_path()
    if not path.exists():
        if not settings.LEDGER_SIGNING_KEY_CREATE:
            raise RuntimeError(
                f"No ledger signing key at {path}: create one with `manage.py ledger init-key`."
            )
        try:
            key_generate(path)
        except FileExistsError:
            pass
    parts = path.read_text().strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise RuntimeError(f"{path} is not a ledger signing key (PRIVATE+KEY+name+id+key).")
    raw = base64.b64decode(parts[4])
    return SigningKey(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))


def verifier() -> note.Verifier:
    """Return the verifier of this ledger's signed notes."""
    return note.Verifier.parse(signing_key().verifier_key)


def ledger_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Sign a checkpoint if the tree has grown and the interval has passed (or force); return it."""
    with transaction.atomic():
        return _checkpoint(tree_size(), None, force)


def _checkpoint(
    size: int, root: bytes | None, force: bool, key: SigningKey | None = None
) -> Checkpoint | None:
    """Within a transaction: sign a checkpoint of the tree of this size (root: its root, if known)."""
    last = Checkpoint.objects.order_by("-size").first()
    if size == 0 or (last and last.size >= size):
        return None
    interval = datetime.timedelta(seconds=settings.LEDGER_CHECKPOINT_INTERVAL_SECONDS)
    if not force and last and timezone.now() - last.created_at < interval:
        return None
    root = root if root is not None else root_at(size)
    key = key or signing_key()
    text = note.checkpoint_text(settings.LEDGER_ORIGIN, size, root)
    return Checkpoint.objects.create(size=size, root=root, note=note.sign(text, key.name, key.key))


def ledger_publish(*, force: bool = True) -> Checkpoint | None:
    """Integrate everything pending and sign a checkpoint of it; return the new checkpoint. On
    demand (force) whenever the tree has grown; from the periodic job once the interval has passed.
    The last batch and the checkpoint share a transaction, under the sequencer's lock: the root
    signed is the one just computed. Without a signing key the tree still grows (proofs need it),
    and the error is raised after."""
    try:
        key, missing = signing_key(), None
    except RuntimeError as exc:
        key, missing = None, exc
    while True:
        with transaction.atomic():
            taken, size, root = integrate(INTEGRATE_BATCH)
            if taken < INTEGRATE_BATCH:  # a short batch took everything committed when it began
                checkpoint = _checkpoint(size, root, force, key) if key else None
                break
    if missing:
        raise missing
    return checkpoint


def ledger_publish_soon() -> bool:
    """After a ledger write has committed: have a checkpoint that covers it signed shortly, so a
    write that signs no output (a revocation, an erasure) is provable at once. Returns whether a
    publish was run or sent by this call (False: one is queued that will take the write, or none
    could be sent).

    With a worker, a write sends `rightsledger.ledger_publish` unless one is already queued and
    not yet started: the cache holds that mark, which the publish clears as it starts, so every
    write is taken by a publish that starts after it committed, and the writes of a burst share
    one (the mark is shared where the processes share a cache, CACHE_URL; with a cache of each
    process's own, a process sends at most one publish per beat interval, and the beat takes the
    rest). Nothing is sent with a countdown: a worker holds such a message unacknowledged until it
    is due, and losing the broker then stops the worker (kombu fails restoring it). The mark lasts
    at most the beat's interval, so a publish lost with the broker holds nothing back for longer
    than the beat's own publish, which also takes an entry left out behind a transaction open
    elsewhere. With Celery eager (the demo), the publish runs here, after the commit: a few
    queries and one Ed25519 signature."""
    if not settings.LEDGER_PUBLISH_ON_WRITE:
        return False
    if current_app.conf.task_always_eager:
        ledger_publish(force=True)  # what the task runs, without a line of Celery's log per write
        return True
    if not cache.add(PUBLISH_QUEUED_KEY, 1, timeout=max(1, settings.LEDGER_CHECKPOINT_INTERVAL_SECONDS)):
        return False
    try:
        current_app.send_task(PUBLISH_TASK, kwargs={"force": True})
    except Exception:  # noqa: BLE001  (no broker now: the periodic publish signs it later)
        cache.delete(PUBLISH_QUEUED_KEY)
        log.warning("ledger publish not sent now; the periodic publish will sign it", exc_info=True)
        return False
    return True


def publish_started() -> None:
    """Clear the mark of a queued publish, as it starts: a write committing from now on sends its own."""
    cache.delete(PUBLISH_QUEUED_KEY)


def recent_sizes(count: int) -> list[int]:
    """Return the sizes of the newest checkpoints, newest first."""
    return list(Checkpoint.objects.order_by("-size").values_list("size", flat=True)[:count])


def latest_checkpoint() -> Checkpoint | None:
    """Return the newest signed checkpoint, or None before the first."""
    return Checkpoint.objects.order_by("-size").first()
