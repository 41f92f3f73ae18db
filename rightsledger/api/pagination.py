from rest_framework.pagination import CursorPagination


class Pagination(CursorPagination):
    """Cursor pagination: constant cost however deep the page, and stable while records are
    added (a page never repeats or skips a row). Newest first."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500


class LedgerPagination(Pagination):
    ordering = "-seq"
