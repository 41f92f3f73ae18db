"""Writing facts: every record that the gate or a verifier relies on is written inside
`recording()`, which opens the transaction and appends the record's ledger entry in it.

On PostgreSQL a deferred constraint trigger on every ledger-backed table refuses, at commit, a
row that has no entry with its record type, record id and transaction id, whatever the Python
code does. On SQLite (the demo) the guard below is the only one.
"""

import datetime
import logging
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from .. import input_policy
from ..models import LedgerEntry
from ..tlog.entry import Entry, leaf_hash
from ..tlog.tiles import EntryTooLarge, check_entry_size
from .checkpoints import ledger_publish_soon
from .entry_types import ENTRY_TYPES

LEDGER_SEQUENCE = "rightsledger_ledger_seq"
log = logging.getLogger(__name__)


def actor_of(user) -> str:
    """Return how an actor is named in the ledger: a user by id, never by name; a string as given
    ("system:worker"); anyone else as "system"."""
    if isinstance(user, str):
        return user
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    return f"user:{user.pk}"


def format_time(dt) -> str:
    """Return a time as the ledger writes it: UTC, microseconds, a Z suffix."""
    return dt.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _next_seqs(n: int) -> tuple[list[int], int | None]:
    """Return n new sequence numbers and the transaction id, in one round trip."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval('{LEDGER_SEQUENCE}'), txid_current() FROM generate_series(1, %s)",  # nosec B608
                [n],
            )  # the statement is made of a constant
            rows = cursor.fetchall()
            return [r[0] for r in rows], rows[0][1]
        # SQLite serialises writers, and every append follows a write in the same
        # transaction, so the write lock is already held here.
        cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM rightsledger_ledgerentry")
        top = cursor.fetchone()[0]
        return list(range(top + 1, top + 1 + n)), None


def _append(items: list[dict], reserved: tuple[list[int], int | None] | None = None) -> list[LedgerEntry]:
    """Append entries with one round trip for their sequence numbers (none if reserved) and one insert."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "A ledger entry must be written in the transaction "
            "that writes its record: use ledger.append.recording()."
        )
    seqs, txid = reserved if reserved is not None else _next_seqs(len(items))
    if len(seqs) != len(items):
        raise RuntimeError(f"{len(seqs)} sequence numbers were reserved for {len(items)} entries.")
    now = timezone.now()
    time_text = format_time(now)
    entries = []
    for seq, item in zip(seqs, items):
        body = Entry(
            seq=seq, type=item["entry_type"], actor=item["actor"], time=time_text, payload=item["payload"]
        ).encode()
        try:
            check_entry_size(body)
        except EntryTooLarge as exc:
            raise ValidationError(f"Not recorded: {exc}.", code="entry_too_large") from None
        entries.append(
            LedgerEntry(
                seq=seq,
                entry_type=item["entry_type"],
                actor=item["actor"],
                time=now,
                body=body,
                leaf_hash=leaf_hash(body),
                record_type=item["record_type"],
                record_id=item["record_id"],
                chain=item.get("chain"),
                production=item.get("production"),
                txid=txid,
            )
        )
    return LedgerEntry.objects.bulk_create(entries)


def require_recordable(entry_type: str, payload: dict) -> None:
    """Refuse a payload the input policy refuses (rightsledger.input_policy: a repeated list item, a
    control character, an over-long list, key or text), which the ledger would keep for ever.
    Every caller's input was checked before: this is a programming error, answered as a
    ValidationError (a 400 naming the field) and logged, rather than written."""
    found = input_policy.problems(payload, multiline=True)
    if found:
        log.error("refused a %s ledger entry: %s", entry_type, [(p.field, p.code) for p in found])
        raise ValidationError(
            {p.field: ValidationError(f"Not recorded: {p.message}", code=p.code) for p in found}
        )


class Recorder:
    """Appends the entries of one recording block. Each entry names its record: a ledger-backed
    model instance (its `ledger_type` and id), or record_type and record_id given apart."""

    def __init__(self, actor):
        self.actor = actor_of(actor)
        self.entries: list[LedgerEntry] = []
        self._reserved = None

    def reserve(self, n: int) -> list[int]:
        """Take the sequence numbers of the n entries the next append writes, for a record that
        names its entry's number when it is written (one round trip, as the append would)."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Reserve sequence numbers inside ledger.append.recording().")
        self._reserved = _next_seqs(n)
        return list(self._reserved[0])

    def _take_reserved(self):
        reserved, self._reserved = self._reserved, None
        return reserved

    def _item(
        self,
        entry_type: str,
        payload: dict,
        *,
        record=None,
        record_type: str = "",
        record_id: int | None = None,
        chain=None,
        production=None,
        actor=None,
    ) -> dict:
        if record is not None:
            record_type, record_id = record.ledger_type, record.pk
            chain = chain if chain is not None else getattr(record, "chain", None)
        if not record_type:
            raise ValueError(f"The {entry_type} entry names no record.")
        if entry_type not in ENTRY_TYPES:
            raise ValueError(
                f"{entry_type!r} is not a ledger entry type: add it to rightsledger/ledger/entry_types.py."
            )
        require_recordable(entry_type, payload)
        return dict(
            entry_type=str(entry_type),
            actor=actor_of(actor) if actor is not None else self.actor,
            payload=payload,
            record_type=record_type,
            record_id=record_id,
            chain=chain,
            production=production,
        )

    def append(self, entry_type: str, payload: dict, **record) -> LedgerEntry:
        """Append one entry and return it."""
        entry = _append([self._item(entry_type, payload, **record)], self._take_reserved())[0]
        self.entries.append(entry)
        return entry

    def append_many(self, items: list[tuple[str, dict, dict]]) -> list[LedgerEntry]:
        """Append several (entry_type, payload, record keywords) with one insert; return them."""
        if not items:
            return []
        entries = _append(
            [self._item(entry_type, payload, **record) for entry_type, payload, record in items],
            self._take_reserved(),
        )
        self.entries.extend(entries)
        return entries


@contextmanager
def recording(*, actor):
    """Open a transaction (a savepoint inside another) in which records are written with their
    ledger entries; yield the Recorder. A block that wrote no entry is an error, and rolls back.
    Once the outermost transaction commits, a checkpoint that covers the entries is published
    shortly (checkpoints.ledger_publish_soon); a failure there is logged and never undoes the write."""
    with transaction.atomic():
        recorder = Recorder(actor)
        yield recorder
        if not recorder.entries:
            raise RuntimeError(
                "A recording block wrote no ledger entry: every fact written in it must be recorded."
            )
        # Once a transaction: its recording blocks (a seed writes hundreds in one) share the publish.
        if not any(func is ledger_publish_soon for _, func, _ in transaction.get_connection().run_on_commit):
            transaction.on_commit(ledger_publish_soon, robust=True)
