"""The registers' pages: one registry of the lists clearance reads (portal.register_kinds), each
page searched, filtered and sorted from the URL's query string, in pages, and the CSV export of
selected rows. The views, the guild's list and bench/portal.py all read it.

A page costs the same statements whatever the number of rows: the count, the page's rows (their
related records joined), and for grants their assets (one prefetch)."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet

from rightsledger import access
from rightsledger import selectors as rl_selectors
from rightsledger.models import Production

from . import filters
from .register_kinds import REGISTERS, Register, Row, current, numbered, record_state

__all__ = ["REGISTERS", "Register", "Row", "current", "numbered", "record_state", "PAGE_SIZE"]

PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    """A column of a register's table, with the link that sorts by it."""

    label: str
    sort_url: str = ""
    sorted: str = ""  # "ascending", "descending" or empty, for aria-sort


@dataclass(frozen=True)
class FilterField:
    """A field of a register's search and filter form, with its choices written out (a select of
    every country drawn through Django's widget templates would cost more than the table)."""

    name: str
    label: str
    input: str  # "search", "date" or "select"
    value: str
    options: tuple[tuple[str, str, bool], ...] = ()  # value, label, selected
    errors: tuple[str, ...] = ()


# --- Pages ---------------------------------------------------------------------------------------


def can_read_registers(user) -> bool:
    """Return whether the user reads the registers: any role on a production (or the operator)."""
    return access.production_ids(user) is None or bool(access.production_ids(user))


def page_records(qs: QuerySet, ids: list[int]) -> list:
    """Return the records of a page's ids, in their order, with what qs joins and prefetches.

    A page is chosen by id first and its rows read after: asked for whole rows with their joins,
    PostgreSQL misjudges how many versions are current (a LEFT JOIN on the versions that replace
    them) and sorts every row of a 10,000-row list before it takes 50."""
    found = {r.pk: r for r in qs.order_by().filter(pk__in=ids)} if ids else {}
    return [found[pk] for pk in ids if pk in found]


def filter_fields(filterset, *, hide: tuple[str, ...] = ()) -> list[FilterField]:
    """Return the filterset's form as fields a template writes out without widget templates."""
    form = filterset.form
    out = []
    for name, field in form.fields.items():
        if name in hide:
            continue
        value = str(form.data.get(name, "") or "")
        errors = tuple(str(e) for e in form.errors.get(name, ()))
        choices = getattr(field, "choices", None)
        if choices is not None:
            options = tuple((str(v), str(label), str(v) == value) for v, label in choices)
            out.append(FilterField(name, str(field.label), "select", value, options, errors))
        else:
            kind = "date" if name.endswith("before") else "search"
            out.append(FilterField(name, str(field.label), kind, value, (), errors))
    return out


def _columns(params, labels) -> list[Column]:
    """Return the table's columns: those that sort link to their order (and back)."""
    current = params.get("sort", "")
    columns = []
    for label, key in labels:
        if not key:
            columns.append(Column(label))
            continue
        flip = f"-{key}" if current == key else key
        query = {k: v for k, v in params.items() if k not in ("sort", "page") and v}
        state = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        columns.append(Column(label, "?" + urlencode({**query, "sort": flip}), state))
    return columns


def register_page(
    user,
    register: Register,
    params,
    *,
    rows: QuerySet | None = None,
    filterset: type[filters.RegisterFilter] | None = None,
    productions=None,
    flag_guilds=None,
    hide: tuple[str, ...] = (),
) -> dict:
    """Return a register's page: its filter form, the page of rows asked for, the columns' sort
    links and the query string of the page links. rows (the guild's list) replaces the register's
    own; productions are those offered in the production filter (the user's, by default); the
    filters named in hide are not offered (a production's own register fixes its production)."""
    base = register.rows(user) if rows is None else rows
    productions = rl_selectors.productions_for(user) if productions is None else productions
    filterset = (filterset or register.filterset)(
        params, base.order_by("-id"), productions=productions, flag_guilds=flag_guilds
    )
    valid = filterset.is_valid()
    qs = filterset.qs if valid else base.none()
    page = Paginator(qs.values_list("pk", flat=True), PAGE_SIZE).get_page(params.get("page"))
    # The page's rows are read by id from the unfiltered rows: the filters chose the ids already.
    records = page_records(base, list(page.object_list))
    today = datetime.date.today()
    keys = set(filterset.filters["sort"].param_map)
    labels = (
        ("Picture", ""),
        ("Record", "name"),
        ("Production", "production" if "production" in keys else ""),
        (register.date_label, register.date_sort if register.date_sort in keys else ""),
        ("Status", ""),
    )
    kept = {k: v for k, v in params.items() if k != "page" and v}
    return {
        "register": register,
        "filterset": filterset,
        "filters": filter_fields(filterset, hide=hide),
        "errors": [] if valid else [str(m) for msgs in filterset.errors.values() for m in msgs],
        "page": page,
        "records": records,
        "rows": [register.row(obj, today) for obj in records],
        "columns": _columns(params, labels),
        "query": urlencode(kept),
        "unsorted": urlencode({k: v for k, v in kept.items() if k != "sort"}),
        "filtered": bool(kept),
    }


def export_rows(user, register: Register, ids: list[int]) -> QuerySet:
    """Return the user's records of the register among the ids, in the register's order."""
    rows = register.rows(user).filter(pk__in=ids).order_by("-id")
    return rows.prefetch_related("assets") if register.kind == "grants" else rows


def export_csv(f, register: Register, records) -> int:
    """Write the records as CSV (one header row, one named column per field); return the rows."""
    from rightsledger import csvexport

    out = csvexport.writer(f)
    out.writerow([header for header, _ in register.csv])
    n = 0
    for record in records:
        out.writerow([value(record) for _, value in register.csv])
        n += 1
    return n


def production_choices_for(rows: QuerySet) -> QuerySet:
    """Return the productions of a list's rows (for a guild, the only productions it may name)."""
    return Production.objects.filter(pk__in=rows.values("production_id")).order_by("title")
