"""The words the registers, the calendar and their exports put on a record, in the presentation
layer's terms (rightsledger.words): a code as a list says it, territories by name, lists as a
person writes them. Pure: no model import, so the CSV and the iCalendar feed say exactly what the
pages say."""

from rightsledger import words as rl_words
from rightsledger.words import day, moment, term

__all__ = ["code", "day", "moment", "prose", "term", "territory"]


def code(value: str) -> str:
    """Return a vocabulary code as a list says it: "stunt_double" -> "stunt double", "svod" -> "SVOD"."""
    label = rl_words.label(value)
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def territory(value: str) -> str:
    """Return a territory by name, as a list says it ("GB" -> "United Kingdom"; WORLD -> "worldwide")."""
    return rl_words.territory(value, article=False)


def prose(values, word=code, conjunction: str = "and") -> str:
    """Return a list of codes as a person writes it: "SVOD, AVOD and theatrical"."""
    items = [word(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
