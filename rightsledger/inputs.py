"""Parsers of what a request brings, shared by the API, the ledger's views and the portal: whole
numbers (query parameters, ids posted in forms, headers) and JSON text. Python's own parsers take
more than they should from a stranger: int() reads Unicode digits ("١"), spaces and underscores
and isdigit() passes "²", which int() then refuses; json.loads recurses once per level of nesting
and reads any length. These refuse with a ValidationError that names the field and says what to
send, which the API answers as 400 and the portal shows beside the field. Pure: no ORM."""

import json
import re

from django.core.exceptions import ValidationError

from .errors import PayloadTooLarge

MAX_ID = 2**63 - 1  # the largest value of PostgreSQL's bigint, which every id and size fits in
_DIGITS = re.compile(r"[0-9]{1,25}")  # ASCII digits only; never so many that int() refuses them

# No request this service takes nests more than a few levels (a request's inputs, an amendment's
# changes, a batch of fingerprints); and every JSON body it takes fits in the upload limit.
JSON_MAX_DEPTH = 20
JSON_MAX_BYTES = 10 * 1024 * 1024


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
