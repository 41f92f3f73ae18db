"""Appending to the ledger. Called only from services, inside their transaction."""

from django.db import connection, transaction
import datetime

from django.utils import timezone

from .models import LedgerEntry
from .tlog.entry import Entry, leaf_hash

LEDGER_SEQUENCE = "rightsledger_ledger_seq"


def _next_seqs(n: int) -> tuple[list[int], int | None]:
    """Return n new sequence numbers and the transaction id, in one round trip."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT nextval('{LEDGER_SEQUENCE}'), txid_current() FROM generate_series(1, %s)", [n])
            rows = cursor.fetchall()
            return [r[0] for r in rows], rows[0][1]
        # SQLite serialises writers, and every append follows a write in the same
        # transaction, so the write lock is already held here.
        cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM rightsledger_ledgerentry")
        top = cursor.fetchone()[0]
        return list(range(top + 1, top + 1 + n)), None


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
    return ledger_append_many(
        [dict(entry_type=entry_type, actor=actor, payload=payload, record_type=record_type, record_id=record_id, chain=chain, production=production)]
    )[0]


def ledger_append_many(items: list[dict]) -> list[LedgerEntry]:
    """Append several entries (each a dict of ledger_append's arguments) with one round trip for
    their sequence numbers and one insert. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append must run inside the transaction that writes the record")
    seqs, txid = _next_seqs(len(items))
    now = timezone.now()
    time_text = format_time(now)
    entries = []
    for seq, item in zip(seqs, items):
        entry = Entry(seq=seq, type=item["entry_type"], actor=item["actor"], time=time_text, payload=item["payload"])
        body = entry.encode()
        entries.append(
            LedgerEntry(
                seq=seq, entry_type=item["entry_type"], actor=item["actor"], time=now, body=body, leaf_hash=leaf_hash(body),
                record_type=item.get("record_type", ""), record_id=item.get("record_id"), chain=item.get("chain"),
                production=item.get("production"), txid=txid,
            )
        )
    return LedgerEntry.objects.bulk_create(entries)
