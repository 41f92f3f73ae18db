"""Ids in paths, read by the one parser of whole numbers (rightsledger.input_policy): a router's
lookup takes any text, and the database's int() would read "١" as 1."""

from django.core.exceptions import ValidationError
from django.http import Http404

from ..input_policy import whole_number


class WholeNumberLookup:
    """A viewset mixin: a detail path whose id is not ASCII digits (or is out of range) names no
    record (404), before any query."""

    def get_object(self):
        name = self.lookup_url_kwarg or self.lookup_field
        if name in self.kwargs:
            try:
                whole_number(self.kwargs[name], field=name)
            except ValidationError:
                raise Http404(
                    "No record has that id; an id is a whole number written with the digits 0-9."
                ) from None
        return super().get_object()
