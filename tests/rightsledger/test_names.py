"""Names are matched as Unicode TS #39 compares strings: invisible characters, look-alike letters,
compatibility forms, accents and case make no difference; other words stay other words. Pure: no
database."""

import random
import unicodedata

import pytest
import regex

from rightsledger import names
from rightsledger.names import find, name_forms, ngrams, normalize

from ..name_variants import NOT_NAMES, demo_performers, variants

PERFORMERS = demo_performers()
NAMES = [n for p in PERFORMERS for n in p.names]
CASES = [(name, label, written) for name in NAMES for label, written in variants(name, controls=True).items()]


def test_the_corpus_covers_every_demo_performer_and_each_kind_of_variant():
    assert len(PERFORMERS) >= 3 and {"Mara Vega", "Jon Brandt", "Harold Finch"} <= set(NAMES)
    labels = {label for _, label, _ in CASES}
    kinds = [
        "soft hyphen",
        "zero-width space",
        "zero-width joiner",
        "zero-width non-joiner",
        "word joiner",
        "byte order mark",
        "combining grapheme joiner",
        "Cyrillic",
        "Greek",
        "Latin look-alike",
        "fullwidth",
        "mathematical",
        "mixed case",
        "extra spaces",
    ]
    for kind in kinds:
        assert any(kind in label for label in labels), kind
    # Every variant is written differently from the name: none is the plain name by accident.
    spelled = [(n, written) for n, label, written in CASES if "case" not in label and "accents" not in label]
    assert all(written != name for name, written in spelled)


@pytest.mark.parametrize("name, label, written", CASES, ids=[f"{n}: {label}" for n, label, _ in CASES])
def test_a_variant_of_a_demo_performers_name_in_a_prompt_is_that_name(name, label, written):
    prompt = f"wide shot of {written} walking along the harbour at dusk"
    assert ngrams(prompt) & name_forms(name), (label, written, sorted(ngrams(prompt)))
    assert find(prompt, [name]), (label, written)


@pytest.mark.parametrize("prompt", NOT_NAMES)
def test_ordinary_words_and_near_misses_name_no_demo_performer(prompt):
    indexed = {form for name in NAMES for form in name_forms(name)}
    assert not ngrams(prompt) & indexed
    assert find(prompt, NAMES) == []


def test_case_is_folded_and_a_capital_is_read_as_the_letter_it_looks_like():
    assert normalize("MARIA ALVAREZ") == normalize("María Álvarez") == normalize("maria alvarez")
    # Cyrillic capital Ve, whose small letter is no b; Greek capital Eta, whose small letter looks like n.
    assert normalize("Jon \u0412randt") == normalize("Jon Brandt")
    assert normalize("\u0397AROLD") == normalize("Harold")
    assert normalize("MAR\u0399A") == normalize("Maria")  # Greek capital Iota, whose prototype is l, is an I
    assert normalize("Marla") != normalize("Maria") and normalize("all") != normalize("Ali")


def test_words_are_found_before_look_alikes_are_mapped():
    # "|" and "1" look like "l", but they are not letters: they still part words.
    assert name_forms("Mara Vega") & ngrams("Mara Vega|35mm, f/1.4")
    assert normalize("Mara Vega|35mm") == normalize("Mara Vega 35mm")
    assert normalize("Vega—the star") == normalize("Vega the star")


def test_the_forms_settle_and_stay_as_they_are_for_every_character_the_mapping_touches():
    prototypes = names._prototypes()
    touched = set(prototypes) | {c for p in prototypes.values() for c in p}
    for char in map(chr, range(0x3000)):
        if char.casefold() != char or unicodedata.normalize("NFKD", char) != char:
            touched.add(char)
    for char in sorted(touched):
        for letter in names._letters(char):
            form = names._form(letter)
            assert "".join(names._form(c) for c in names._letters(form)) == form, (char, form)


def test_normalize_of_a_normalized_name_is_the_same():
    for _name, _, written in CASES:
        assert normalize(normalize(written)) == normalize(written)


def test_find_gives_the_spans_of_the_text_as_written():
    text = "Close on Ma\u00adra VEGA\u2019s face; M. Vega waves; Mar\u0430 Vegas laughs."
    spans = find(text, ["Mara Vega", "M. Vega"])
    assert [text[a:b] for a, b in spans] == ["Ma\u00adra VEGA", "M. Vega"]
    bold = "\U0001d40c\U0001d41a\U0001d42b\U0001d41a"  # "Mara" in mathematical bold
    assert find(f"{bold} Vega", ["Mara Vega"]) == [(0, 9)]
    assert find("anything", []) == [] and find("anything", ["", " "]) == []


def test_the_grams_of_each_way_of_reading_a_text_are_every_run_of_that_way():
    # ngrams adds, for each other way of reading the words (cut, glued, transliterated), only the
    # runs through a word that reads differently: the same set as every run of every way, which
    # find() (spans kept) gives too.
    rng = random.Random(21)
    vocabulary = [
        "Mara",
        "Vega's",
        "close-up",
        "O\u2019Neil",
        "x",
        "Jean-Luc-Paul",
        "b'c'd",
        "-",
        "'",
        "M.",
        "J",
        "\u041c\u0430\u0440\u0430",
        "Brand\u0442",
        "a",
        "b",
        "Ma-ra",
        "1",
        "\u00b2",
    ]
    for _ in range(2000):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 14)))
        streams = names._streams(names._found(names._letters(text)))
        every = set().union(*(names._gram_set([w[0] for w in s], 6) for s, _ in streams))
        assert ngrams(text, 6) == every, text
        assert {gram for _, _, gram in names._grams(text, 6)} == every, text


def test_every_invisible_character_is_read_past_not_only_the_default_ignorable_ones():
    # Every control, format, private-use and unassigned code point (and the braille blank) between
    # two letters of a name, whatever its category: the name is still read.
    # (Categories as the regex module's Unicode version has them: a code point unassigned in an older one
    # may be a letter now.)
    category = regex.compile(r"[\p{Cc}\p{Cf}\p{Co}\p{Cn}]")
    invisible = [
        chr(c)
        for c in range(0x110000)
        if category.match(chr(c)) and chr(c) not in "\t\n\v\f\r" and not 0xE0020 <= c <= 0xE007E
    ]  # tag characters are read as the ASCII they copy
    invisible.append("\u2800")
    rng = random.Random(39)
    for char in (
        rng.sample(invisible, 3000) + [c for c in invisible if ord(c) < 0x10000 and c <= "\uffff"][:2000]
    ):
        assert normalize(f"Ma{char}ra Vega") == normalize("Mara Vega"), hex(ord(char))
        assert names.INVISIBLE.search(f"Ma{char}ra"), hex(ord(char))
    for space in "\t\n\r\v\f":  # a line break parts words, as a space does
        assert normalize(f"Mara{space}Vega") == normalize("Mara Vega")


def test_latin_letters_in_other_forms_are_read_from_their_unicode_names():
    fold = names._FOLD
    assert len(fold) > 100
    for code, letter in fold.items():
        name = unicodedata.name(chr(code))
        assert "LATIN" in name or "REGIONAL INDICATOR" in name, name
        assert f"LETTER {letter.upper()}" in name or f"CAPITAL {letter.upper()}" in name, name
    for written in ("\u029c", "\U0001f157", "\U0001f177", "\U0001f1ed", "\u1d34"):  # ʜ, 🅗, 🅷, 🇭, ᴴ
        assert normalize(written + "arold") == normalize("harold"), written


def test_encodings_are_decoded_conservatively():
    assert (
        normalize("Mara%20Vega") == normalize("Mara&nbsp;Vega") == normalize("Mara&#x20;Vega") == "rnara vega"
    )
    assert normalize("Mara%2520Vega") == normalize("Mara&amp;nbsp;Vega") == "rnara vega"
    # What is not an encoding, or not UTF-8, stays as written.
    assert normalize("100% cotton") == normalize("100 cotton")
    assert normalize("AT&T at 50%FF") == normalize("AT T at 50 FF")
    assert names._decoded("%FF%FEVega") == "%FF%FEVega" and names._decoded("a&b") == "a&b"


def test_words_part_at_letters_and_digits():
    # A word is read whole, and cut where letters and digits meet: "Vega\u00b9" (superscript one) is
    # "Vega1", "vega" and "1" (which UTS #39 reads as an l); "J0n" read whole is "Jon".
    assert normalize("Vega\u00b9") == normalize("Vega1") == normalize("Vegal")
    assert {normalize("Vega"), normalize("Vega 1")} <= ngrams("Vega\u00b9") & ngrams("2Vega1")
    assert normalize("J0n") == normalize("Jon") and normalize("Har0ld") == normalize("Harold")


def test_other_scripts_are_compared_transliterated_too():
    assert ngrams("\u041c\u0430\u0440\u0430 \u0412\u0435\u0433\u0430") & name_forms("Mara Vega")
    assert ngrams("\u0414\u0436\u043e\u043d \u0411\u0440\u0430\u043d\u0434\u0442") & name_forms("Jon Brandt")
    # A name registered in another script is found written in Latin letters, and the other way round.
    assert ngrams("close on Mara Vega") & name_forms("\u041c\u0430\u0440\u0430 \u0412\u0435\u0433\u0430")
    # Transliteration is letter by letter: a Greek spelling of a foreign name is not undone.
    assert not ngrams("\u039c\u03ac\u03c1\u03b1 \u0392\u03ad\u03b3\u03ba\u03b1") & name_forms("Mara Vega")


def test_a_name_is_found_in_another_order_or_with_one_word_inside_it_but_not_both():
    forms = name_forms("Mara Vega")
    for written in ("Vega, Mara", "Vega Mara", "Mara J. Vega", "Mara (Hawk) Vega", "Mara and Vega"):
        assert ngrams(written) & forms, written
    for written in ("Vega J. Mara", "Mara the hawk Vega", "Mara, Marla Vegas", "Vegas Mara"):
        assert not ngrams(written) & forms, written
    # A name of four words is found in another order, not with a word inside it (MAX_GAPPED_WORDS).
    assert ngrams("Lopez, Ana Maria de") & name_forms("Ana Maria de Lopez")
    assert not ngrams("Ana Maria J. de Lopez") & name_forms("Ana Maria de Lopez")


def test_pieces_and_single_letters_are_read_together():
    forms = name_forms("Mara Vega")
    for written in ("Ma-ra Ve-ga", "Ma'ra Vega", "M a r a V e g a", "M a r a  Vega", "M-a-r-a Vega"):
        assert ngrams(written) & forms, written
    assert not ngrams("M a Vega") & forms  # two single letters are not a word
