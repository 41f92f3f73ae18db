"""A grant's, consent's or reservation's page: its versions, fields in words, what relied on it."""

from django.contrib.auth import get_user_model

from generation import selectors as gen_selectors
from rightsledger import access
from rightsledger import selectors as rl_selectors
from rightsledger.api.records import RECORDS
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import ConsentRecord
from rightsledger.models.notices import FLAG_OUTCOMES

from .. import recordwords
from .decisions import record_proof_link


def revocation_impact(user, kind: str, record) -> dict | None:
    """Return what relied on a grant or consent, of what the user may read (None for a reservation)."""
    if kind not in ("grant", "consent"):
        return None
    return gen_selectors.revocation_impact(kind, record.chain, user=user)


def can_change_record(user, production) -> bool:
    """Return whether the user may amend or revoke a record of the production (of no production: a
    performer's, which whoever may register talent changes)."""
    if production is None:
        return access.can_register_talent(user)
    return access.holds(user, production, access.CLEARANCE_ROLES)


def record_page(user, kind: str, record, *, versions, production) -> dict:
    """Return a record's page: its versions (a queryset of the kind the user may see), ledger
    entries, fields in words, what relied on it, what became of it since this version, the
    people who wrote it, and whether the user may change it."""
    versions = list(
        rl_selectors.with_number(versions.filter(chain=record.chain))
        .select_related("created_by")
        .order_by("version")
    )
    entries = list(
        rl_selectors.ledger_entries_for(user).filter(record_type=kind, chain=record.chain).order_by("seq")
    )
    newer = next((v for v in versions if v.replaces_id == record.pk), None)
    actors = {int(e.actor.split(":", 1)[1]) for e in entries if e.actor.startswith("user:")}
    users = [v.created_by for v in versions] + list(get_user_model().objects.filter(pk__in=actors))
    people = rl_selectors.people_named(users)
    for e in entries:
        e.meaning = entry_meaning(e.entry_type)
        e.by = people.get(int(e.actor.split(":", 1)[1])) if e.actor.startswith("user:") else e.actor
    flags = list(rl_selectors.flags_on_chain(record)) if kind == "consent" else None
    return {
        "flags": flags,
        "open_flags": [fl for fl in flags or () if fl.unresolved],
        "outcomes": FLAG_OUTCOMES,
        "may_answer": production is not None and access.holds(user, production, access.CLEARANCE_ROLES),
        "kind": kind,
        "record": record,
        "versions": versions,
        "latest": versions[-1] if versions else record,
        "superseded_by": newer,
        "entries": entries,
        "people": people,
        "impact": revocation_impact(user, kind, record),
        "rows": recordwords.record_rows(
            record,
            type(record).record_fields(),
            withheld=ConsentRecord.TERMS_FIELDS
            if kind == "consent" and not access.can_read_consent_terms(user, record)
            else (),
        ),
        "hashes": [
            (recordwords.field_label(f), getattr(record, f))
            for f in recordwords.HASH_FIELDS
            if hasattr(record, f)
        ],
        "assets": record.assets.all() if kind == "grant" else None,
        "proof_file": record_proof_link(kind, record),
        "document": rl_selectors.record_document(record),
        "document_words": RECORDS[kind].document,
        "current": newer is None and record.status == "active",
        "may_change": can_change_record(user, production),
    }


def entry_meaning(entry_type: str) -> str:
    try:
        return EntryType(entry_type).meaning
    except ValueError:
        return entry_type


# --- Shot audit ----------------------------------------------------------------------------------
