"""Appending to the ledger. Called only from services, inside their transaction."""

from django.db import connection, transaction
import datetime

from django.utils import timezone

from .models import LedgerEntry
from .tlog.entry import Entry

LEDGER_SEQUENCE = "rightsledger_ledger_seq"


def _next_seq_and_txid() -> tuple[int, int | None]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval('{LEDGER_SEQUENCE}'), txid_current()")
            seq, txid = cursor.fetchone()
            return seq, txid
        # SQLite serialises writers, and every append follows a write in the same
        # transaction, so the write lock is already held here.
        cursor.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM rightsledger_ledgerentry")
        return cursor.fetchone()[0], None


def actor_of(user) -> str:
    """Return how a user is named in the ledger: by id, never by name."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    return f"user:{user.pk}"


def format_time(dt) -> str:
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ledger_append(
    *,
    entry_type: str,
    actor: str,
    payload: dict,
    record_type: str = "",
    record_id: int | None = None,
    chain=None,
    production=None,
) -> LedgerEntry:
    """Append one entry and return it. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append must run inside the transaction that writes the record")
    seq, txid = _next_seq_and_txid()
    now = timezone.now()
    entry = Entry(seq=seq, type=entry_type, actor=actor, time=format_time(now), payload=payload)
    body = entry.encode()
    return LedgerEntry.objects.create(
        seq=seq,
        entry_type=entry_type,
        actor=actor,
        time=now,
        body=body,
        leaf_hash=entry.leaf_hash(),
        record_type=record_type,
        record_id=record_id,
        chain=chain,
        production=production,
        txid=txid,
    )
