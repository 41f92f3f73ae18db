"""The one input policy: what text, lists and mappings the service takes from anyone, and what
may be written into the append-only ledger, which can never forget it; and how what a request
brings as text (a whole number, JSON) is read. No ORM: Django's ValidationError only.

- Text holds no control character (Unicode category Cc, and no half of a surrogate pair); a
  multi-line note (a field named in MULTILINE) may hold a newline (LF, or CR LF as a browser
  sends it, which the serializers and services store as LF) or a tab.
- Text is at most MAX_TEXT characters.
- A list has at most MAX_ITEMS items and names each value (an id, a code, a text) once; a pair
  such as [first, last] (a field named in PAIRS) may name one twice. A list of objects (a
  request's inputs, a decision's reasons) is not a set: its items have rules of their own.
- A mapping has at most MAX_ITEMS keys of at most MAX_KEY characters each; a free-form one (a
  field named in FREE_FORM) holds values of at most MAX_VALUE characters.

The API's input serializers apply it to every body (rightsledger.api.serializers.StrictSerializer,
which the portal's forms parse with too), services to the text they are given
(rightsledger.validation.text), and `recording()` checks every ledger payload against it again.

Whole numbers (query parameters, ids posted in forms, headers) and JSON text are read by
whole_number and json_value, shared by the API, the ledger's views and the portal. Python's own
parsers take more than they should from a stranger: int() reads Unicode digits ("١"), spaces and
underscores and isdigit() passes "²", which int() then refuses; json.loads recurses once per level
of nesting and reads any length. These refuse with a ValidationError that names the field and says
what to send, which the API answers as 400 and the portal shows beside the field.
"""

import json
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .errors import PayloadTooLarge

MAX_TEXT = 10_000  # characters of a text field (restrictions, descriptions, notes, reasons)
MAX_ITEMS = 300  # items of a list, keys of a mapping (every territory of the world is 249)
MAX_KEY = 64  # characters of a key of a mapping
MAX_VALUE = 200  # characters of a value of a free-form mapping (external ids, engine parameters)
SHOWN = 10  # problems, or values, an answer repeats
MAX_ID = 2**63 - 1  # the largest value of PostgreSQL's bigint, which every id and size fits in

# No request this service takes nests more than a few levels (a request's inputs, an amendment's
# changes, a batch of fingerprints); and every JSON body it takes fits in the upload limit.
JSON_MAX_DEPTH = 20
JSON_MAX_BYTES = 10 * 1024 * 1024

# Fields whose text is a note written by a person: lines and tabs are kept.
MULTILINE = frozenset(
    {
        "description",
        "restrictions",
        "intended_use_description",
        "prohibited_uses_note",
        "note",
        "reason",
        "comment",
        "prompt",
    }
)
# Fields whose lists are pairs [first, last], which may name one value twice (frame 12 to 12).
PAIRS = frozenset({"frames", "release_window"})
# Mappings whose keys and values the caller chooses.
FREE_FORM = frozenset({"external_ids", "parameters"})

_SCALARS = (str, int, float, bool, type(None))
_DIGITS = re.compile(r"[0-9]{1,25}")  # ASCII digits only; never so many that int() refuses them
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# A note may hold tabs and line ends (LF, or CR LF): not a CR alone, which writes over its line.
_CONTROL_NOTE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: its dotted path, a code, and a message a person can act on."""

    field: str
    code: str
    message: str


def _name(field: str) -> str:
    """Return the last part of a dotted path that names a field (not an index)."""
    for part in reversed(field.split(".")):
        if part and not part.isdigit():
            return part
    return field


def _char(c: str) -> str:
    """Return a character as a person can look it up: U+001B (ESCAPE)."""
    return f"U+{ord(c):04X}" + (f" ({unicodedata.name(c)})" if unicodedata.name(c, "") else "")


def text_problem(
    field: str, value: str, *, multiline: bool | None = None, limit: int = MAX_TEXT
) -> Problem | None:
    """Return what is wrong with a text value of the field, or None. A field named in MULTILINE
    may hold newlines and tabs, unless multiline says otherwise."""
    note = _name(field) in MULTILINE if multiline is None else multiline
    bad = (_CONTROL_NOTE if note else _CONTROL_LINE).search(value)
    if bad:
        allowed = "only a newline or a tab may be in a note" if note else "this field is one line of text"
        where = f"{_char(bad.group())}, at position {bad.start() + 1}"
        return Problem(
            field, "control_character", f"{field} holds a control character, {where}: remove it; {allowed}."
        )
    if len(value) > limit:
        return Problem(
            field,
            "too_long",
            f"{field} is {len(value):,} characters; the most it takes is "
            f"{limit:,}. Keep the document itself elsewhere and refer to it.",
        )
    return None


def _shown(values: list) -> str:
    """Return values for a message: at most SHOWN, each cut to 80 characters, and how many more."""
    more = f" and {len(values) - SHOWN:,} more" if len(values) > SHOWN else ""
    return ", ".join(repr(v)[:80] for v in values[:SHOWN]) + more


def problems(
    value, *, field: str = "", multiline: bool | None = None, free_form: bool = False
) -> list[Problem]:
    """Return what is wrong with a value (text, list or mapping, walked to the bottom) under the
    policy: at most SHOWN problems, the first found first. multiline=True lets every text hold
    newlines and tabs (a ledger payload, whose fields are not notes by name); None decides by
    each field's name. Other values (numbers, files, dates) are not this policy's to check."""
    found: list[Problem] = []
    _walk(value, field, multiline, free_form or _name(field) in FREE_FORM, found)
    return found[:SHOWN]


def _walk(value, field: str, multiline, free_form: bool, found: list) -> None:
    """Add to found what is wrong with the value at the dotted path field, and below it."""
    if len(found) >= SHOWN:
        return
    if isinstance(value, str):
        limit = MAX_VALUE if free_form else MAX_TEXT
        problem = text_problem(field or "value", value, multiline=multiline, limit=limit)
        if problem:
            found.append(problem)
    elif isinstance(value, (list, tuple)):
        name = field or "list"
        if len(value) > MAX_ITEMS:
            found.append(
                Problem(
                    name, "too_many", f"{name} has {len(value):,} items; the most it takes is {MAX_ITEMS}."
                )
            )
            return
        if len(value) > 1 and _name(name) not in PAIRS:
            seen, repeated = set(), []
            for item in value:
                if not isinstance(item, _SCALARS):
                    continue
                key = (type(item), item)  # 1 and True, 1 and "1" are different values
                if key in seen and item not in repeated:
                    repeated.append(item)
                seen.add(key)
            if repeated:
                found.append(
                    Problem(
                        name,
                        "repeated_item",
                        f"{name} lists {_shown(repeated)} more than once: give each item once.",
                    )
                )
                return
        for n, item in enumerate(value):
            _walk(item, f"{field}.{n}" if field else str(n), multiline, free_form, found)
    elif isinstance(value, dict):
        name = field or "object"
        if len(value) > MAX_ITEMS:
            found.append(
                Problem(
                    name, "too_many", f"{name} has {len(value):,} keys; the most it takes is {MAX_ITEMS}."
                )
            )
            return
        for key, item in value.items():
            key = str(key)
            if len(key) > MAX_KEY:
                found.append(
                    Problem(
                        name,
                        "key_too_long",
                        f"{name} has a key of {len(key):,} characters "
                        f"({key[:20]!r}...); a key is at most {MAX_KEY}.",
                    )
                )
                continue
            bad = _CONTROL_LINE.search(key)
            if bad:
                found.append(
                    Problem(
                        name,
                        "control_character",
                        f"{name} has a key with a control character, {_char(bad.group())}: remove it.",
                    )
                )
                continue
            path = f"{field}.{key}" if field else key
            _walk(item, path, multiline, free_form or key in FREE_FORM, found)


def normalized(value, *, field: str = ""):
    """Return the value with the line ends of its multi-line notes as newlines (CR LF and CR, as
    browsers and other systems send them); anything else as it is."""
    if isinstance(value, str):
        if _name(field) in MULTILINE and "\r" in value:
            return value.replace("\r\n", "\n").replace("\r", "\n")
        return value
    if isinstance(value, list):
        return [normalized(item, field=field) for item in value]
    if isinstance(value, dict):
        return {k: normalized(item, field=str(k)) for k, item in value.items()}
    return value


# --- Reading what a request brings as text: whole numbers and JSON ---------------------------


def whole_number(value, *, field: str, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """Return value, text of the ASCII digits 0-9, as an int from minimum to maximum. Raise
    ValidationError naming field for anything else: "²", "١", " 1", "1_000", "+1", "-1", "1.0"."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
        if minimum <= number <= maximum:
            return number
    message = f"{field} must be a whole number from {minimum} to {maximum}, written with the digits 0-9."
    raise ValidationError({field: ValidationError(message, code="not_a_whole_number")})


def _depth_over(value, limit: int) -> bool:
    """Return whether a parsed JSON value nests lists and objects more than limit deep (a walk
    with a stack of its own: no recursion, however deep the value)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def json_value(text, *, field: str, max_depth: int = JSON_MAX_DEPTH, max_bytes: int = JSON_MAX_BYTES):
    """Return the value that JSON text (str or bytes) holds. Raise PayloadTooLarge for text over
    max_bytes, and ValidationError naming field for text that is not JSON (NaN and Infinity
    included) or that nests lists and objects more than max_depth deep."""
    if len(text) > max_bytes:
        message = f"{field} is {len(text):,} bytes of JSON; the most this service reads is {max_bytes:,}."
        raise PayloadTooLarge(message, code="json_too_large", field=field)
    nested = ValidationError(
        {
            field: ValidationError(
                f"{field} is JSON nested more than {max_depth} levels deep; nothing this service takes nests "
                "more than a few levels.",
                code="json_too_deep",
            )
        }
    )
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise nested from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError among them
        invalid = ValidationError(f"{field} is not valid JSON ({exc}).", code="json_invalid")
        raise ValidationError({field: invalid}) from None
    if _depth_over(value, max_depth):
        raise nested
    return value
