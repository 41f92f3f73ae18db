"""List filters that refuse what they cannot read: a parameter given with no value (?kind=) is a
400 naming it, not a filter quietly dropped, a boolean is true or false, nothing else, and an id
or number is read by the one parser of whole numbers (rightsledger.inputs)."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from .. import inputs

# Filters whose values are ids or numbers.
NUMERIC_FILTERS = (django_filters.NumberFilter, django_filters.ModelChoiceFilter,
                   django_filters.ModelMultipleChoiceFilter)


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            empty = sorted(name for name in filterset_class.base_filters if name in request.query_params and not request.query_params.get(name))
            if empty:
                raise ValidationError({name: [f"Give {name} a value, or leave it out."] for name in empty})
            for name, declared in filterset_class.base_filters.items():
                to_field = declared.extra.get("to_field_name")
                by_id = isinstance(declared, NUMERIC_FILTERS) and to_field in (None, "pk", "id")
                if by_id and name in request.query_params:
                    for value in request.query_params.getlist(name):
                        inputs.whole_number(value, field=name)
        return super().filter_queryset(request, queryset, view)


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """true or false; anything else is refused (400), not read as "no filter"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)
