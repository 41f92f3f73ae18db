"""What an erasure reaches beyond the performer's own records: every text field of every record, in
every app, that names them.

The fields are found by introspection (every concrete CharField, TextField and JSONField of every
installed model but the ledger's own, which holds only ids and commitments), so a field added
tomorrow is searched without anyone listing it. A field names the performer when one of its runs
of words, normalised (rightsledger.names), is one of their names, aliases or ids. Clearance sees
the list (erasure_preview); talent_erase (rightsledger.services) redacts those confirmed.

Reads only: the writes are in rightsledger.services.
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import models

from .models import VersionedRecord
from .names import MAX_NAME_WORDS, ngrams, normalize

# Models never searched: the ledger's own tables (immutable; entries hold ids and commitments, and
# the erasure test reads every entry's bytes), and Django's bookkeeping, which holds no free text.
SKIPPED = {
    "rightsledger.ledgerentry",
    "rightsledger.ledgerleaf",
    "rightsledger.ledgernode",
    "rightsledger.checkpoint",
    "rightsledger.treestate",
    "rightsledger.witnessedcheckpoint",
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
}
# A performer's own records: only theirs are searched (a namesake's name is their own, not a mention).
OWN_ROWS = {
    "rightsledger.talent": "pk",
    "rightsledger.talentname": "talent_id",
    "rightsledger.guildmembership": "talent_id",
}
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
CHUNK = 2000


@dataclass(frozen=True)
class FoundField:
    """One field of one record that names the performer."""

    model: str  # app_label.model_name
    id: int
    field: str
    redactable: bool  # False for a code of an append-only record, which no update may change

    @property
    def key(self) -> str:
        """Return the field's name as clearance confirms it: "rightsledger.party:12:name"."""
        return f"{self.model}:{self.id}:{self.field}"


def erasure_terms(talent) -> set[str]:
    """Return the performer's names, aliases, external ids and member ids, normalised."""
    raw = [
        talent.legal_name,
        talent.professional_name,
        *(talent.aliases or []),
        *(talent.external_ids or {}).values(),
        *talent.memberships.values_list("member_id", flat=True),
    ]
    return {n for n in (normalize(str(x)) for x in raw if x) if n}


def mentions(value, terms: set[str]) -> bool:
    """Whether text, or any string inside a JSON value (keys included), names one of the terms."""
    if not terms:
        return False
    if isinstance(value, str):
        longest = max(MAX_NAME_WORDS, *(len(t.split()) for t in terms))
        # "Harold Finch's archive" names him too: a possessive is one word to the normaliser.
        return bool((ngrams(value, longest) | ngrams(_POSSESSIVE.sub("", value), longest)) & terms)
    if isinstance(value, dict):
        return any(mentions(k, terms) or mentions(v, terms) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(mentions(v, terms) for v in value)
    return False


def searched_models() -> list[type]:
    """Return every installed concrete model that an erasure searches."""
    return [
        m
        for m in apps.get_models()
        if not m._meta.abstract and not m._meta.proxy and m._meta.label_lower not in SKIPPED
    ]


def text_fields(model) -> list[models.Field]:
    """Return the model's own text columns: CharField (and its kinds), TextField, JSONField; not
    a primary key, nor a password hash (Django's users), which hold no one's name."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, TEXT_FIELDS) and not f.primary_key and f.name != "password"
    ]


def redactable(model, field: models.Field) -> bool:
    """Whether an erasure may change the field: any field but a code of an append-only (versioned)
    record, whose free text is its declared personal_fields (the database allows those alone)."""
    return not issubclass(model, VersionedRecord) or field.name in model.personal_fields


def erasure_preview(talent, *, terms: set[str] | None = None) -> list[FoundField]:
    """Return every field of every record that names the performer, by model, id and field.
    Reads every text column of every searched table once, in chunks: an erasure's cost."""
    terms = erasure_terms(talent) if terms is None else terms
    found = []
    for model in searched_models():
        fields = text_fields(model)
        if not fields or not terms:
            continue
        names = [f.attname for f in fields]
        rows = model._default_manager.order_by("pk")
        if model._meta.label_lower in OWN_ROWS:
            rows = rows.filter(**{OWN_ROWS[model._meta.label_lower]: talent.pk})
        rows = rows.values_list("pk", *names)
        for pk, *values in rows.iterator(chunk_size=CHUNK):
            for f, value in zip(fields, values):
                if mentions(value, terms):
                    found.append(FoundField(model._meta.label_lower, pk, f.name, redactable(model, f)))
    return found
