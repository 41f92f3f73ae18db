"""A grant's, consent's or reservation's fields as its page's table shows them: each in words
(rightsledger.words), the hashes apart for the technical details. No query: what a field names
(a grantor, a talent) is read from the record as loaded."""

import datetime
from dataclasses import dataclass

from rightsledger import words

# Field labels where the field's name does not read well as words.
FIELD_LABELS = {
    "grantor": "Granted by",
    "uses": "Uses",
    "media": "Media",
    "territory_exclusions": "Except",
    "term_start": "Term starts",
    "term_end": "Term ends",
    "requires_review": "Needs a clearance sign-off",
    "grantor_role": "Given by",
    "grantor_name": "Signed by",
    "replica_type": "Kind of replica",
    "modalities": "What the replica covers",
    "intended_use_description": "Intended use",
    "permitted_uses": "Permitted uses",
    "prohibited_uses": "Prohibited uses",
    "prohibited_uses_note": "Prohibited uses, in the contract's words",
    "permitted_shots": "Shots",
    "permitted_scenes": "Scenes",
    "training_permission": "Training",
    "scan_notice_date": "Scan notice given",
    "capture_business_reason": "Business reason for the scan",
    "compensation_reference": "Compensation terms",
    "residual_terms_reference": "Residual terms",
    "union_notified_date": "Union notified",
    "subject_type": "Applies to",
    "effective_date": "In effect from",
}
# The vocabulary a list or code field takes its words from, where the field's name does not say.
FIELD_VOCABULARY = {
    "uses": "grant_uses",
    "permitted_uses": "generation_uses",
    "prohibited_uses": "generation_uses",
    "grantor_role": "grantor_roles",
    "training_permission": "training_permissions",
    "subject_type": "reservation_subjects",
    "source": "reservation_sources",
    "representation": "representation",
    "replica_type": "replica_types",
    "exclusivity": "exclusivity",
    "modalities": "modalities",
    "media": "media",
}
# Fields that are empty say this instead of nothing (PORTAL.md: an empty list of languages is
# "in every language"); any other empty field is left out.
EMPTY = {
    "languages": "Every language",
    "permitted_shots": "Any shot of the production",
    "term_end": "No end",
    "union_notified_date": "Not yet",
}
HASH_FIELDS = ("contract_sha256", "evidence_sha256")


@dataclass(frozen=True)
class Row:
    label: str
    text: str


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or words.capfirst(name.replace("_", " "))


def field_text(record, name: str, value) -> str:
    """Return one field's value in words ("" when an empty field says nothing)."""
    if value in (None, "", [], {}):
        return EMPTY.get(name, "")
    if name in ("territories",):
        return words.capfirst(words.territories(value))
    if name == "territory_exclusions":
        return words.territories(value)
    if name == "languages":
        return words.prose(words.language(c) for c in value)
    if name == "asset" and hasattr(value, "pk"):
        return f"A-{value.pk} {value.title or value.original_filename}"
    if isinstance(value, bool):
        return words.yes_no(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return words.moment(value) if isinstance(value, datetime.datetime) else words.day(value)
    if isinstance(value, (list, tuple)):
        if name in FIELD_VOCABULARY or name in ("uses",):
            vocabulary = FIELD_VOCABULARY.get(name)
            if name == "uses" and getattr(record, "ledger_type", "") == "reservation":
                vocabulary = "reservation_uses"
            return words.capfirst(words.labels(value, vocabulary))
        return words.prose(value)
    if name in FIELD_VOCABULARY:
        return words.capfirst(words.label(value, FIELD_VOCABULARY[name]))
    if isinstance(value, dict):
        return scope_text(value)
    return str(value)


def scope_text(scope: dict, *, capital: bool = True) -> str:
    """Return a partial revocation's scope in words: {"modalities": ["voice"]} -> "Voice" (or
    "voice", without capital, inside a sentence)."""
    parts = []
    for key, values in scope.items():
        vocabulary = FIELD_VOCABULARY.get(key)
        said = words.labels(values, vocabulary) if isinstance(values, list) else words.label(values)
        parts.append(f"{field_label(key).lower()}: {said}" if len(scope) > 1 else said)
    said = "; ".join(parts)
    return words.capfirst(said) if capital else said


# What a withheld field (a consent's terms, for a producer) says when it holds something.
WITHHELD = "On record: clearance and the guild can read them"


def record_rows(record, names, withheld=()) -> list[Row]:
    """Return the record's fields in words, each that says something, hashes left out; a field
    in withheld says only that it is on record."""
    rows = []
    for name in names:
        if name in HASH_FIELDS or name == "assets":
            continue
        value = getattr(record, name)
        text = (WITHHELD if value else "") if name in withheld else field_text(record, name, value)
        if text:
            rows.append(Row(field_label(name), text))
    return rows
