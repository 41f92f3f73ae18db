"""Names are matched as Unicode TS #39 compares strings: invisible characters, look-alike letters,
compatibility forms, accents and case make no difference; other words stay other words. Pure: no
database."""

import random
import unicodedata

import pytest

from rightsledger import names
from rightsledger.names import find, name_forms, ngrams, normalize

from ..name_variants import NOT_NAMES, demo_performers, variants

PERFORMERS = demo_performers()
NAMES = [n for p in PERFORMERS for n in p.names]
CASES = [(name, label, written) for name in NAMES for label, written in variants(name, controls=True).items()]


def test_the_corpus_covers_every_demo_performer_and_each_kind_of_variant():
    assert len(PERFORMERS) >= 3 and {"Mara Vega", "Jon Brandt", "Harold Finch"} <= set(NAMES)
    labels = {label for _, label, _ in CASES}
    kinds = ["soft hyphen", "zero-width space", "zero-width joiner", "zero-width non-joiner", "word joiner",
             "byte order mark", "combining grapheme joiner", "Cyrillic", "Greek", "Latin look-alike",
             "fullwidth", "mathematical", "mixed case", "extra spaces"]
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
    for name, _, written in CASES:
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
    vocabulary = ["Mara", "Vega's", "close-up", "O\u2019Neil", "x", "Jean-Luc-Paul", "b'c'd", "-", "'", "M.",
                  "J", "\u041c\u0430\u0440\u0430", "Brand\u0442", "a", "b", "Ma-ra", "1", "\u00b2"]
    for _ in range(2000):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 14)))
        streams = names._streams(names._found(names._letters(text)))
        every = set().union(*(names._gram_set([w[0] for w in s], 6) for s, _ in streams))
        assert ngrams(text, 6) == every, text
        assert {gram for _, _, gram in names._grams(text, 6)} == every, text
