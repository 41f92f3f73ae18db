"""What a code, a list, a date, a place or a person reads as on a page, in a CSV and in a PDF
(PORTAL.md): the one presentation layer. The portal's template filters (portal.templatetags.words)
and the exports call these, so they all say the same words. Pure: no Django import."""

import datetime
import re
from collections.abc import Iterable

import pycountry

from . import vocab

# Names that take "the" in a sentence ("the United Kingdom", "the Netherlands").
_WITH_ARTICLE = {"Netherlands", "Philippines", "Bahamas", "Gambia", "Maldives", "Comoros", "Seychelles"}


def label(code, vocabulary: str | None = None) -> str:
    """Return a code's label as a table shows it: "Input to AI generation", "de-ageing". A code
    in two vocabularies is looked up in the one named (vocab.VOCABULARY_LABELS); an unknown code
    reads as words, never with its underscores."""
    if code is None or code == "":
        return ""
    code = str(code)
    labels = vocab.VOCABULARY_LABELS.get(vocabulary, vocab.LABELS) if vocabulary else vocab.LABELS
    return labels.get(code) or vocab.LABELS.get(code) or code.replace("_", " ")


def phrase(code, vocabulary: str | None = None) -> str:
    """Return a code as it reads inside a sentence: "as an input to AI generation", "not exclusively"."""
    if code in vocab.PHRASES:
        return vocab.PHRASES[code]
    text = label(code, vocabulary)
    # Lower the first letter of a word, not of an acronym ("SVOD", "AI training").
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def options(codes) -> list[tuple[str, str]]:
    """Return a vocabulary's codes with their labels, as a form offers them: [("svod", "SVOD"), ...]."""
    name = next((n for n, values in vocab.VOCABULARIES.items() if tuple(values) == tuple(codes)), None)
    return [(c, capfirst(label(c, name))) for c in codes]


def capfirst(text: str) -> str:
    """Return text with its first letter a capital, the rest as it is."""
    return text[:1].upper() + text[1:]


def prose(items: Iterable) -> str:
    """Return items joined as a person writes them: "A", "A and B", "A, B and C"; "" for none."""
    words = [str(i) for i in items if i not in (None, "")]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


# Vocabularies whose codes a list names in the vocabulary's own order, not as stored (a grant's
# uses read from "as an input to AI generation" on).
_IN_VOCABULARY_ORDER = {"grant_uses"}


def labels(codes, vocabulary: str | None = None, *, sentence: bool = False) -> str:
    """Return a list of codes as prose of their labels: ["svod", "theatrical"] -> "SVOD and theatrical"."""
    word = phrase if sentence else label
    codes = list(codes or ())
    if vocabulary in _IN_VOCABULARY_ORDER:
        order = {c: i for i, c in enumerate(vocab.VOCABULARIES[vocabulary])}
        codes.sort(key=lambda c: order.get(c, len(order)))
    return prose(word(c, vocabulary) for c in codes)


def article(text: str) -> str:
    """Return text after "a" or "an": "an employment-based replica", "a background replica"."""
    return f"{'an' if text[:1].lower() in 'aeiou' else 'a'} {text}" if text else ""


def yes_no(value) -> str:
    """Return "Yes" or "No"."""
    return "Yes" if value else "No"


def territory(code: str, *, article: bool = True) -> str:
    """Return a territory's name: "the United Kingdom", "France"; WORLD reads "worldwide"."""
    if code == vocab.WORLD:
        return "worldwide"
    country = pycountry.countries.get(alpha_2=str(code).upper())
    if country is None:
        return str(code)
    name = getattr(country, "common_name", None) or country.name
    if article and (
        name.startswith("United ") or name.endswith(" Islands") or "Republic" in name or name in _WITH_ARTICLE
    ):
        return f"the {name}"
    return name


def territories(codes, exclusions=()) -> str:
    """Return where a record applies, in words: "the United Kingdom and the United States",
    "worldwide except China"; exclusions say nothing when there are none."""
    where = prose(territory(c) for c in codes or ())
    if exclusions:
        where += f" except {prose(territory(c) for c in exclusions)}"
    return where


def where(codes, exclusions=()) -> str:
    """Return where, as a sentence goes on: "worldwide except China", "in the United Kingdom"."""
    said = territories(codes, exclusions)
    return said if not said or said.startswith("worldwide") else f"in {said}"


def language(code: str) -> str:
    """Return a language's name: "en" -> "English", "en-US" -> "English (the United States)"."""
    base, _, region = str(code).partition("-")
    found = pycountry.languages.get(alpha_2=base.lower()) if len(base) == 2 else None
    name = getattr(found, "common_name", None) or getattr(found, "name", None) or str(code)
    return f"{name} ({territory(region)})" if region else name


def languages(codes) -> str:
    """Return the languages a record covers, as a sentence's end: "in English and French", or
    "in every language" when it names none."""
    if not codes:
        return "in every language"
    return f"in {prose(language(c) for c in codes)}"


def _as_date(value):
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return datetime.date.fromisoformat(value)
    return value


def day(value) -> str:
    """Return a date as "3 December 2026" (a time is read in UTC); "" for none."""
    value = _as_date(value)
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return f"{value.day} {value:%B %Y}"


def moment(value) -> str:
    """Return a time as "3 December 2026, 15:46 UTC" (a date alone as day() writes it)."""
    value = _as_date(value)
    if not isinstance(value, datetime.datetime):
        return day(value)
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return f"{day(value)}, {value:%H:%M} UTC"


def term(start, end) -> str:
    """Return a term: "from 1 December 2026 to 30 November 2027", or "from ..., in perpetuity"."""
    if end in (None, ""):
        return f"from {day(start)}, in perpetuity" if start else "in perpetuity"
    return f"from {day(start)} to {day(end)}" if start else f"until {day(end)}"


def person(name: str, role: str | None = None) -> str:
    """Return a person as a page names them: "Dana Okafor (clearance)"."""
    return f"{name} ({label(role, 'roles')})" if role else name


# A code inside a sentence the gate wrote ("no grant permits genai_input for svod in WORLD"): a
# word with an underscore, an acronym written as a code, WORLD.
_CODE_IN_TEXT = re.compile(r"(?<![\w./:-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+|svod|avod|tvod|WORLD)(?![\w-])")
_C2PA_WORDS = {
    "notAllowed": "not allowed",
    "parentOf": "made from it",
    "inputTo": "used as an input",
    "componentOf": "a part of it",
}
_C2PA_IN_TEXT = re.compile(r"\b(" + "|".join(_C2PA_WORDS) + r")\b")
_ISO_DATE_IN_TEXT = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_TERRITORIES_IN_TEXT = re.compile(r"\b(in|except) ([A-Z]{2}(?:, [A-Z]{2})*)\b")
_RECORD_IN_TEXT = re.compile(r"\b(grant|consent|reservation) (\d+)\b")


def reword(text: str, numbers: dict | None = None) -> str:
    """Return a sentence written with codes (the gate's reasons, kept as they were recorded) in
    words: each known code by its label, and each "grant 8" by the number the record keeps for
    life, where numbers ({("grant", 8): 4}) says it."""
    if not text:
        return ""

    def code(m):
        found = m.group(1)
        if found == vocab.WORLD:
            return "worldwide"
        if found not in vocab.LABELS:
            return found
        said = label(found)
        return said[:1].lower() + said[1:] if said[1:2].islower() else said

    text = _CODE_IN_TEXT.sub(code, re.sub(r"\bin WORLD\b", "worldwide", text))
    text = _C2PA_IN_TEXT.sub(lambda m: _C2PA_WORDS[m.group(1)], text)
    text = _ISO_DATE_IN_TEXT.sub(lambda m: _day_or_same(m.group(1)), text)
    text = _TERRITORIES_IN_TEXT.sub(_territories_in_text, text)
    if numbers:
        text = _RECORD_IN_TEXT.sub(
            lambda m: f"{m.group(1)} {numbers.get((m.group(1), int(m.group(2))), m.group(2))}", text
        )
    return text


def _day_or_same(text: str) -> str:
    try:
        return day(datetime.date.fromisoformat(text))
    except ValueError:
        return text


def _territories_in_text(m) -> str:
    codes = m.group(2).split(", ")
    if not all(c in vocab.TERRITORIES for c in codes):
        return m.group(0)
    return f"{m.group(1)} {territories(codes)}"


def training_mining(uses: dict | None) -> list[tuple[str, str]]:
    """Return a C2PA training-and-data-mining assertion in words, grouped by what it says of each
    use: [("may not be used for", "AI training and data mining")]."""
    grouped: dict[str, list[str]] = {}
    order = {use: i for i, use in enumerate(vocab.RESERVATION_USES)}
    for use, verdict in sorted((uses or {}).items(), key=lambda item: order.get(item[0].split(".")[-1], 9)):
        said = verdict.get("use") if isinstance(verdict, dict) else verdict
        grouped.setdefault(vocab.TRAINING_MINING_VERDICTS.get(said, f"says {said} for"), []).append(
            label(use, "training_mining")
        )
    return [(verdict, prose(names)) for verdict, names in grouped.items()]
