"""The parsers of a request's whole numbers and JSON text are part of the one input policy:
rightsledger.input_policy. These names stay importable from here for config.middleware,
generation.api.serializers, portal.views and provenance.api.views."""

from .input_policy import (
    JSON_MAX_BYTES,
    JSON_MAX_DEPTH,
    MAX_ID,
    json_value,
    whole_number,
)

__all__ = ["JSON_MAX_BYTES", "JSON_MAX_DEPTH", "MAX_ID", "json_value", "whole_number"]
