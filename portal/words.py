"""The few words the registers, the calendar and their exports put on a record: codes as words,
lists as a person writes them, territories by name, dates in the portal's one format. Pure: no
model import, so the CSV and the iCalendar feed say exactly what the pages say."""

import datetime

import pycountry

from rightsledger import vocab
from rightsledger import words as rl_words

# Codes whose words are not their letters with spaces.
_SPECIAL = {
    "svod": "SVOD",
    "avod": "AVOD",
    "tvod": "TVOD",
    "fast": "FAST",
    "tv": "TV",
    "trailer_promo": "trailers and promotion",
    "genai_training": "training AI models",
    "genai_input": "input to AI generation",
    "de_aging": "de-ageing",
    "ai_training": "AI training",
    "ai_generative_training": "generative AI training",
    "ai_inference": "AI inference",
    "non_exclusive": "not exclusively",
    "needs_clearance": "needs a clearance sign-off",
    vocab.WORLD: "worldwide",
}


def code(value: str) -> str:
    """Return a vocabulary code as words ("stunt_double" -> "stunt double")."""
    if value in _SPECIAL:
        return _SPECIAL[value]
    label = rl_words.label(value)
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def territory(value: str) -> str:
    """Return a territory code by name ("GB" -> "United Kingdom"; WORLD -> "worldwide")."""
    if value == vocab.WORLD:
        return _SPECIAL[vocab.WORLD]
    country = pycountry.countries.get(alpha_2=value)
    return getattr(country, "common_name", None) or (country.name if country else value)


def prose(values, word=code, conjunction: str = "and") -> str:
    """Return a list as a person writes it: "SVOD, AVOD and theatrical"."""
    items = [word(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def day(value: datetime.date | None) -> str:
    """Return a date as "3 December 2026" (empty for none)."""
    return f"{value.day} {value:%B %Y}" if value else ""


def moment(value: datetime.datetime | None) -> str:
    """Return a time as "3 December 2026, 15:46 UTC" (empty for none)."""
    if not value:
        return ""
    value = value.astimezone(datetime.UTC)
    return f"{day(value.date())}, {value:%H:%M} UTC"


def term(start: datetime.date | None, end: datetime.date | None) -> str:
    """Return a term in words: "from 1 January 2026 to 31 December 2030", or "in perpetuity"."""
    if end is None:
        return f"from {day(start)}, in perpetuity" if start else "in perpetuity"
    return f"from {day(start)} to {day(end)}" if start else f"until {day(end)}"
