"""Words, their readings, grams and the finding of names in a text (see rightsledger.names). Pure."""

from collections.abc import Iterable, Iterator

import regex

from .letters import (
    _CUT,
    _ENCODED,
    _GAP,
    _MARKS,
    _WORD,
    _decode_once,
    _decoded,
    _letters,
    _skeleton,
    _transliterated,
)

# The most words a registered name may have (registration refuses more): every name is indexed.
MAX_NAME_WORDS = 10


# A name of up to this many words is also found with one other word between two of its words.
MAX_GAPPED_WORDS = 3


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
