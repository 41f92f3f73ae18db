"""Personal data in the ledger: committed to, never held.

Free text can name people: who signed a consent, what a replica is for, a party's name, a
grant's restrictions, a reservation's note, a shot's description, an asset's title and file
name, a prompt, a sign-off's comment, the reason for an amendment. The ledger is append-only and
public to guilds, so it cannot hold that text: it holds, per field, a salted commitment

    SHA-256(salt || RFC 8785 {"field": name, "value": value})

with a 32-byte salt kept beside the values in the record's row. Whoever is shown the values and
the salt can check them against the entry; without the salt a guess cannot be confirmed. Erasing
the values and the salt leaves the ledger, its tree and every proof as they were, and the
erased values can no longer be confirmed by anyone.

Pure: no Django.
"""

import hashlib
import hmac
import secrets

from .tlog.entry import canonical

# What an erasure leaves in a free-text field it redacts.
ERASED = "[erased]"


def new_salt() -> str:
    """Return a fresh salt, as hex."""
    return secrets.token_hex(32)


def commitment(salt: str, field: str, value) -> str:
    """Return the hex commitment to one field's value."""
    return hashlib.sha256(bytes.fromhex(salt) + canonical({"field": field, "value": value})).hexdigest()


def commitments(salt: str, values: dict) -> dict:
    """Return the commitments to the values that are not empty (an empty field is left out)."""
    return {name: commitment(salt, name, value) for name, value in sorted(values.items()) if value}


def opens(committed: dict, salt: str, values: dict) -> bool:
    """Whether the values and salt are exactly those the commitments were made to."""
    if not salt:
        return False
    return committed.keys() == {k for k, v in values.items() if v} and all(
        hmac.compare_digest(committed[name], commitment(salt, name, values[name])) for name in committed
    )


def record_commitments(record) -> dict:
    """Return {"personal": commitments} for a ledger entry about a record that declares its free
    text (rightsledger.models.CommitsText: `personal_fields`, `personal_salt`): one commitment per
    field that is not empty, with the record's salt. Every entry that speaks of a record's text
    carries this, and nothing else of the text."""
    return {
        "personal": commitments(
            record.personal_salt, {name: getattr(record, name) for name in record.personal_fields}
        )
    }
