from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

from .. import input_policy


class Pagination(CursorPagination):
    """Cursor pagination: constant cost however deep the page, and stable while records are
    added (a page never repeats or skips a row). Newest first. A page_size that is not a whole
    number from 1 to 500 is refused, not quietly replaced by the default."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if len(values) > 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Give page_size once, as a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        name = self.page_size_query_param
        return input_policy.whole_number(values[0], field=name, minimum=1, maximum=self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for p in parameters:
            if p["name"] == self.page_size_query_param:
                p["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


class LedgerPagination(Pagination):
    ordering = "-seq"
