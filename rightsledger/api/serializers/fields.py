"""Fields and the strict base serializer every input of the API uses."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import input_policy
from ...validation import MAX_ITEMS


class StrictSerializer(serializers.Serializer):
    """Refuse fields the endpoint does not know, instead of silently dropping them."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            serializers.ErrorDetail(
                                f"Unknown field {name!r}; this endpoint takes: "
                                f"{', '.join(sorted(self.fields))}.",
                                code="unknown_field",
                            )
                        ]
                        for name in unknown
                    }
                )
            # The one input policy (rightsledger.input_policy), before any field reads the body: so
            # a new field is covered without saying so.
            if not hasattr(data, "getlist"):
                data = input_policy.normalized(data)
            found = input_policy.problems({k: _values(data, k) for k in data.keys()})
            if found:
                errors = {}
                for p in found:
                    errors.setdefault(p.field, []).append(serializers.ErrorDetail(p.message, code=p.code))
                raise serializers.ValidationError(errors)
            # JSON text fields take text: 12 or true is refused, not stored as "12" or "True".
            wrong = sorted(
                name
                for name, field in self.fields.items()
                if type(field) in (serializers.CharField, serializers.EmailField, TextOnly)
                and name in data
                and data[name] is not None
                and not isinstance(data[name], str)
            )
            if wrong:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail(f"{name} must be text.", code="invalid")]
                        for name in wrong
                    }
                )
        return super().to_internal_value(data)


def _values(data, key):
    """Return a field's value from a body: from a form, every value given under its name."""
    if hasattr(data, "getlist"):
        values = data.getlist(key)
        return values if len(values) != 1 else values[0]
    return data[key]


@extend_schema_field(OpenApiTypes.INT)
class VisibleRelated(serializers.PrimaryKeyRelatedField):
    """A primary key resolved only among the records the requesting user may see."""

    def __init__(self, selector, **kwargs):
        self.selector = selector
        kwargs.setdefault("queryset", None)
        super().__init__(**kwargs)
        self.queryset = None

    def get_queryset(self):
        return self.selector(self.context["request"].user)


class TextOnly(serializers.CharField):
    """Text, and only text: 0 or true is refused rather than turned into "0" or "True"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def strings(**kwargs):
    return serializers.ListField(child=TextOnly(max_length=200), max_length=MAX_ITEMS, **kwargs)


class StrictBool(serializers.BooleanField):
    """true or false, as JSON has them: "yes", 1 or "on" are refused rather than guessed at."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data
