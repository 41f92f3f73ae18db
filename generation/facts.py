"""How the gate's facts are built from rows of their records' columns.

A fact's field is named like the column it is read from (tests/generation/test_fastpaths.py
checks it against the models), except the fields of a composite type, read from the columns
COMPOSITE names, and the fields computed by the query (the ledger seq, a grant's assets, a
reservation's subject). The general path (selectors) reads rows with values(); the PostgreSQL
statement (fastpaths) returns them as JSON. Both derive the columns and the conversion from the
fact's type hints, so a field added to a fact and its model needs no edit here.
"""

import datetime
import functools
import typing

from . import policy as p


def _date(value):
    """A date from a model row (a date) or from the snapshot statement's JSON (ISO text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _set(row: dict, name: str) -> frozenset:
    return frozenset(row[name])


def _day(row: dict, name: str):
    return _date(row[name])


# The fields read from more than one column: the columns, and how the field is made of them.
COMPOSITE = {
    p.Territories: (
        ("territories", "territory_exclusions"),
        lambda row, _: p.Territories.of(row["territories"], row["territory_exclusions"]),
    ),
    p.Term: (
        ("term_start", "term_end"),
        lambda row, _: p.Term(_date(row["term_start"]), _date(row["term_end"])),
    ),
}

# How a field of one column is read, by its type; any other type is taken as the row gives it.
PARSERS = {
    frozenset[str]: _set,
    frozenset[int]: _set,
    datetime.date: _day,
    datetime.date | None: _day,
}

# The fields each fact computes in its query rather than reads from a column.
COMPUTED = {
    p.GrantFact: frozenset({"seq", "asset_ids"}),
    p.ConsentFact: frozenset({"seq"}),
    p.ReservationFact: frozenset({"seq", "subject_id"}),
}


def _as_given(row: dict, name: str):
    return row[name]


@functools.cache
def hints(fact) -> dict:
    """Return a fact class's fields and their types, resolved (the policy's annotations are text)."""
    return typing.get_type_hints(fact)


def source_columns(fact) -> list[str]:
    """Return the record's columns a fact is built from (its computed fields left out)."""
    columns = []
    for name, kind in hints(fact).items():
        if name not in COMPUTED.get(fact, ()):
            columns += COMPOSITE[kind][0] if kind in COMPOSITE else [name]
    return columns


@functools.cache
def converters(fact) -> tuple:
    """Return, once per fact class, how each of its fields is read from a row."""
    return tuple(
        (name, COMPOSITE[kind][1] if kind in COMPOSITE else PARSERS.get(kind, _as_given))
        for name, kind in hints(fact).items()
    )


def fact_of_row(fact, row: dict):
    """Return a fact of the given class from a row of its source columns (and computed fields)."""
    return fact(**{name: read(row, name) for name, read in converters(fact)})


def labour_action_fact(row: dict) -> p.LabourActionFact:
    """A labour action from its row (id, guild_id, guild_name, started_on, ended_on), as the
    general path's values() or the snapshot statement's JSON gives it."""
    return p.LabourActionFact(
        row["id"], row["guild_id"], row["guild_name"], _date(row["started_on"]), _date(row["ended_on"])
    )
