"""canonical() gives RFC 8785 bytes: the same as the reference implementation (rfc8785), byte
for byte, on randomised JSON values, and refuses what it refuses."""

import random

import pytest
import rfc8785

from rightsledger.tlog.entry import canonical

CHARS = [
    "a",
    "Z",
    "0",
    " ",
    '"',
    "\\",
    "/",
    "\b",
    "\f",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1f",
    "\x7f",
    "é",
    "ß",
    "\u2028",
    "\ue000",
    "\uffff",
    "日本",
    "😀",
    "\U0001f600x",
    "\ud800",
]


def _text(rng, surrogates):
    pool = CHARS if surrogates else CHARS[:-1]
    return "".join(rng.choice(pool) for _ in range(rng.randint(0, 6)))


def _value(rng, depth=0, surrogates=False):
    kind = rng.randint(0, 9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.choice([0, 1, -1, 42, 2**53 - 1, -(2**53) + 1, 2**53, -(2**53), 10**20])
    if kind == 3:
        return rng.choice([0.5, -0.0, 1e21, 1e-7, 123.456, 3.0, 5e-324])
    if kind in (4, 5, 6):
        return _text(rng, surrogates)
    if kind in (7, 8):
        return {_text(rng, surrogates): _value(rng, depth + 1, surrogates) for _ in range(rng.randint(0, 5))}
    return [_value(rng, depth + 1, surrogates) for _ in range(rng.randint(0, 5))]


def _reference(value):
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError) as exc:
        return type(exc)


def _ours(value):
    try:
        return canonical(value)
    except (rfc8785.CanonicalizationError, ValueError) as exc:
        return type(exc)


@pytest.mark.parametrize("surrogates", [False, True])
def test_canonical_matches_the_reference_byte_for_byte(surrogates):
    rng = random.Random(8785 + surrogates)
    for _ in range(5000):
        value = _value(rng, surrogates=surrogates)
        assert _ours(value) == _reference(value), value


def test_keys_sort_by_utf16_code_units():
    # U+E000 sorts after an astral character in UTF-16 (its surrogates start D8..DB), before it by code point.
    value = {"\ue000": 1, "😀": 2, "a": 3}
    assert canonical(value) == rfc8785.dumps(value) == '{"a":3,"😀":2,"\ue000":1}'.encode()


def test_ledger_shaped_values_come_out_as_rfc8785():
    payload = {
        "request": 12,
        "reasons": [
            {
                "rule": "R1",
                "outcome": "pass",
                "subject": "input 1",
                "records": [{"type": "grant", "id": 3, "seq": None}],
            }
        ],
        "note": "Mara Vega — «rain»\n",
        "flag": True,
    }
    assert canonical(payload) == rfc8785.dumps(payload)
