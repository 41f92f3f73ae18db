"""List filters that refuse what they cannot read: a parameter given with no value (?kind=) is a
400 naming it, not a filter quietly dropped, a boolean is true or false, nothing else, and an id
or number is read by the one parser of whole numbers (rightsledger.input_policy).

A filter by a record's id (a foreign key, a many-to-many, or a declared id_filter) is a plain
number compared in the list's own query, never a choice checked against the whole table: an id
of a record the caller may not see then answers exactly as an id of no record (an empty list,
with the same statements run), where a choice filter would answer 400 invalid_choice for the
one and 200 for the other, telling which records exist. A malformed id is a 400.
StrictFilterBackend accepts only filtersets built on StrictFilterSet, and StrictFilterSet
refuses a model-choice filter, so a new filter cannot bring the choice back."""

import django_filters
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as RestFilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from .. import input_policy

MAX_ID = input_policy.MAX_ID
ID_MESSAGE = f"Give a whole number from 0 to {MAX_ID}."


@extend_schema_field(OpenApiTypes.INT64)
class IdFilter(django_filters.NumberFilter):
    """A record's id: any whole number an id can be filters (no row, no error, for a record that
    is missing or not the caller's to see); anything else is a 400, not a database error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        errors = ("max_value", "min_value", "invalid", "max_decimal_places")
        kwargs.setdefault("error_messages", {key: ID_MESSAGE for key in errors})
        super().__init__(*args, **kwargs)


def id_filter(field_name: str) -> IdFilter:
    """Return a filter by the id of the record at field_name (a relation's path, or an id column)."""
    return IdFilter(field_name=field_name)


RELATIONS = (
    models.ForeignKey,
    models.OneToOneField,
    models.ManyToManyField,
    models.OneToOneRel,
    models.ManyToOneRel,
    models.ManyToManyRel,
)


class StrictFilterSet(RestFilterSet):
    """The base of every list's filterset: relations filter by id (IdFilter), not by choice."""

    FILTER_DEFAULTS = {**RestFilterSet.FILTER_DEFAULTS, **{r: {"filter_class": IdFilter} for r in RELATIONS}}

    @classmethod
    def get_filters(cls):
        """Return the filters, refusing (at import) a declared model-choice filter."""
        filters = super().get_filters()
        chosen = sorted(name for name, f in filters.items() if isinstance(f, QuerySetRequestMixin))
        if chosen:
            raise ImproperlyConfigured(
                f"{cls.__name__}: filter {', '.join(chosen)} by id (id_filter), "
                "not by a model choice, which tells whether a hidden record exists."
            )
        return filters


class StrictFilterBackend(DjangoFilterBackend):
    filterset_base = StrictFilterSet

    def get_filterset_class(self, view, queryset=None):
        """Return the view's filterset class, which must be built on StrictFilterSet."""
        filterset_class = super().get_filterset_class(view, queryset)
        if filterset_class is not None and not issubclass(filterset_class, StrictFilterSet):
            raise ImproperlyConfigured(
                f"{type(view).__name__}.filterset_class must be built on "
                "rightsledger.api.filtering.StrictFilterSet."
            )
        return filterset_class

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            given = [name for name in filterset_class.base_filters if name in request.query_params]
            empty = sorted(name for name in given if not request.query_params.get(name))
            if empty:
                raise ValidationError({name: [f"Give {name} a value, or leave it out."] for name in empty})
            # Each filter reads one value: a second would be dropped without a word.
            repeated = sorted(name for name in given if len(request.query_params.getlist(name)) > 1)
            if repeated:
                raise ValidationError(
                    {
                        name: [f"Give {name} once: a list is filtered by one {name} at a time."]
                        for name in repeated
                    }
                )
            for name, declared in filterset_class.base_filters.items():
                to_field = declared.extra.get("to_field_name")
                by_id = isinstance(declared, django_filters.NumberFilter) and to_field in (None, "pk", "id")
                if by_id and name in request.query_params:
                    for value in request.query_params.getlist(name):
                        input_policy.whole_number(value, field=name)
        return super().filter_queryset(request, queryset, view)


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """true or false; anything else is refused (400), not read as "no filter"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)
