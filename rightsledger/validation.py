"""Checks on the values of records, shared by every service. Pure: no ORM."""

import datetime
import re

from . import input_policy, vocab
from .errors import Errors
from .input_policy import MAX_ITEMS, MAX_TEXT, SHOWN  # noqa: F401  (the policy's limits, here and for callers)

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def shown(values) -> str:
    """Return values for an error message: at most SHOWN of them, and how many more."""
    values = list(values)
    more = f" and {len(values) - SHOWN:,} more" if len(values) > SHOWN else ""
    return ", ".join(repr(v) for v in values[:SHOWN]) + more


def text(errors: Errors, field: str, value, *, limit: int = MAX_TEXT) -> str:
    """Return the text, stripped, adding an error if it is longer than limit characters or holds a
    control character (a note, by its field's name, may hold newlines and tabs: input_policy.MULTILINE)."""
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    value = input_policy.normalized(value, field=field)
    problem = input_policy.text_problem(field, value, limit=limit)
    if problem:
        errors.add(field, problem.code, problem.message)
    return value


def _too_many(errors: Errors, field: str, values) -> bool:
    if len(values) > MAX_ITEMS:
        errors.add(field, "too_many", f"{field} has {len(values):,} items; the most it takes is {MAX_ITEMS}.")
        return True
    return False


MIN_USE_DESCRIPTION_CHARS = 40
MIN_USE_DESCRIPTION_WORDS = 6
# An articulable reason (a scan's business reason, a synthetic performer's justification): a
# sentence, not a word.
MIN_REASON_CHARS = 20
MIN_REASON_WORDS = 4


def is_articulable(reason: str) -> bool:
    """Return whether a reason is given as at least a short sentence."""
    reason = (reason or "").strip()
    return len(reason) >= MIN_REASON_CHARS and len(reason.split()) >= MIN_REASON_WORDS


def listed(
    errors: Errors, field: str, values, allowed, *, required: bool = True, what: str = "value"
) -> list[str]:
    """Return the values, deduplicated and sorted, adding an error for each one not allowed."""
    if values is None:
        values = []
    if not isinstance(values, (list, tuple)):
        errors.add(field, "not_a_list", f"Give {field} as a list.")
        return []
    if _too_many(errors, field, values):
        return []
    values = [str(v) for v in values]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors.add(
            field,
            f"{what.replace(' ', '_')}_unknown",
            f"Unknown {what}{'s' if len(unknown) > 1 else ''} {shown(unknown)}; "
            f"use one of: {', '.join(sorted(allowed))}.",
        )
    if required and not values:
        errors.add(field, "required", f"Give at least one {what}.")
    return sorted(set(values) & set(allowed))


def territories(
    errors: Errors, values, exclusions, *, field: str = "territories"
) -> tuple[list[str], list[str]]:
    """Return (territories, exclusions) normalised to upper case, checking ISO 3166-1 alpha-2."""
    if not isinstance(values, (list, tuple)) or not values:
        errors.add(
            field,
            "required",
            "Give at least one territory: ISO 3166-1 alpha-2 codes such as US or FR, or WORLD.",
        )
        return [], []
    if _too_many(errors, field, values):
        return [], []
    codes = [str(v).strip().upper() for v in values]
    unknown = [c for c in codes if c != vocab.WORLD and c not in vocab.TERRITORIES]
    if unknown:
        errors.add(
            field,
            "territory_unknown",
            f"Unknown territory code{'s' if len(unknown) > 1 else ''} {shown(unknown)}: "
            "use ISO 3166-1 alpha-2 codes (US, GB, FR, ...) or WORLD.",
        )
    if vocab.WORLD in codes and len(set(codes)) > 1:
        errors.add(
            field,
            "territory_redundant",
            "WORLD already covers every territory: give WORLD "
            "alone, and list any exceptions in territory_exclusions.",
        )
    exclusions = exclusions or []
    if not isinstance(exclusions, (list, tuple)):
        errors.add("territory_exclusions", "not_a_list", "Give territory_exclusions as a list.")
        exclusions = []
    if _too_many(errors, "territory_exclusions", exclusions):
        return sorted(set(codes)), []
    excl = [str(v).strip().upper() for v in exclusions]
    bad = [c for c in excl if c not in vocab.TERRITORIES]
    if bad:
        errors.add(
            "territory_exclusions",
            "territory_unknown",
            f"Unknown territory code(s) {shown(bad)} in territory_exclusions: use ISO 3166-1 alpha-2 codes.",
        )
    if excl and vocab.WORLD not in codes:
        errors.add(
            "territory_exclusions",
            "exclusions_without_world",
            "Exclusions apply only to WORLD: list the territories covered instead.",
        )
    return sorted(set(codes)), sorted(set(excl))


def languages(errors: Errors, values, *, field: str = "languages") -> list[str]:
    """Return ISO 639-1 codes, lower case. An empty list means every language."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        errors.add(field, "not_a_list", f"Give {field} as a list of ISO 639-1 codes such as en or fr.")
        return []
    if _too_many(errors, field, values):
        return []
    codes = [str(v).strip().lower() for v in values]
    bad = [c for c in codes if c not in vocab.LANGUAGES]
    if bad:
        errors.add(
            field,
            "language_unknown",
            f"Unknown language code(s) {shown(bad)}: use ISO 639-1 codes such as en, fr or ja.",
        )
    return sorted(set(codes) - set(bad))


def term(errors: Errors, start, end) -> None:
    if start is None:
        errors.add("term_start", "required", "Give the date the term starts.")
        return
    if not isinstance(start, datetime.date) or (end is not None and not isinstance(end, datetime.date)):
        errors.add("term_start", "invalid", "Give dates as YYYY-MM-DD.")
        return
    if end is not None and end < start:
        errors.add(
            "term_end",
            "term_end_before_start",
            f"The term ends ({end}) before it starts ({start}): check the dates in the contract.",
        )


def sha256_hex(errors: Errors, field: str, value, *, required: bool = True) -> str:
    value = (value or "").strip().lower()
    if not value:
        if required:
            errors.add(
                field,
                "required",
                f"Give {field}: the SHA-256 of the signed document, 64 hexadecimal characters.",
            )
        return ""
    if not HEX64.match(value):
        errors.add(field, "sha256_invalid", f"{field} must be a SHA-256: 64 hexadecimal characters.")
    return value


def document_sha256(errors: Errors, field: str, value, *, what: str) -> str:
    """Return a record's document hash (field): set from the uploaded document, or typed where the
    document stays with the studio's legal team; refuse neither, or one that is not a SHA-256."""
    value = sha256_hex(errors, field, value, required=False)
    if not value:
        errors.add(
            field,
            "required",
            f"Upload {what} (a PDF or an image), or, where it stays with you, give its SHA-256: "
            "64 hexadecimal characters.",
        )
    return value


def choice(errors: Errors, field: str, value, allowed) -> str:
    """Return the value, adding an error unless it is one of allowed."""
    if value not in allowed:
        errors.add(
            field, "invalid_choice", f"{value!r} is not a valid {field}; use one of: {', '.join(allowed)}."
        )
    return value


def use_description(errors: Errors, description) -> str:
    """The intended use must be described specifically (CA Labor Code §927, NY GOL §5-302)."""
    description = text(errors, "intended_use_description", description)
    if not description:
        errors.add(
            "intended_use_description",
            "description_missing",
            "Describe the intended use of the digital replica: which scenes, what it will do, and in "
            "what work. A consent without it is not enforceable (CA Labor Code §927, NY GOL §5-302).",
        )
    elif len(description) < MIN_USE_DESCRIPTION_CHARS or len(description.split()) < MIN_USE_DESCRIPTION_WORDS:
        errors.add(
            "intended_use_description",
            "description_not_specific",
            f"The description of the intended use is too vague ({len(description)} characters): say "
            "which scenes, what the replica does and in what work, in at least one full sentence.",
        )
    return description


def assets_in_production(errors: Errors, field: str, assets, production_id: int, *, label: str = "") -> bool:
    """Add an error for each asset registered in another production; return whether all belong.
    Inputs, grants and every other record over assets share this rule and its code."""
    other = [a.pk for a in assets if a is not None and a.production_id != production_id]
    if other:
        what = f"Asset{'s' if len(other) > 1 else ''} {', '.join(map(str, other))}"
        errors.add(
            field,
            "asset_other_production",
            f"{label}{what} {'are' if len(other) > 1 else 'is'} not registered in this "
            f"production: register {'them' if len(other) > 1 else 'it'} here first.",
        )
    return not other
