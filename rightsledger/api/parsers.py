"""Request parsers. A JSON body goes through the one bounded parse (rightsledger.input_policy): nested
too deeply, too long or not JSON, it is refused as bad input (400, or 413 for its length)."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .. import input_policy


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, reading through the bounded parse: 400 (not 500) to JSON nested too
    deeply to parse, 413 to a body over the limit, read no further than the limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        limit = input_policy.JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        try:
            text = raw if len(raw) > limit else raw.decode(encoding)
            return input_policy.json_value(text, field="body", max_bytes=limit)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(f"The body is not JSON text in {encoding}.") from None
        except DjangoValidationError as exc:
            raise ParseError(exc.messages[0]) from None
