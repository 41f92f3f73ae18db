"""Domain errors raised by services. The API's exception handler maps each to one JSON shape."""

from django.apps import apps
from django.core.exceptions import ValidationError


class Conflict(Exception):
    """The request is valid but clashes with the record's current state (HTTP 409)."""

    def __init__(self, message: str, code: str = "conflict", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class PayloadTooLarge(Exception):
    """An upload is larger than the configured limit (HTTP 413)."""

    def __init__(self, message: str, code: str = "file_too_large", field: str | None = "file"):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class Errors:
    """Collect field errors, then raise them together as one ValidationError."""

    def __init__(self):
        self._errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str, code: str, message: str) -> None:
        self._errors.setdefault(field, []).append(ValidationError(message, code=code))

    def __bool__(self) -> bool:
        return bool(self._errors)

    def raise_if_any(self) -> None:
        if self._errors:
            raise ValidationError(self._errors)


UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for a unique constraint refusing a row
SQLITE_UNIQUE = "UNIQUE constraint failed: "  # how SQLite (the demo's database) says it


def unique_fields(
    table: str, constraint: str = "", columns: list[str] | None = None
) -> tuple[object, list[str]] | None:
    """Return (model, field names) for a unique constraint or unique field of any installed
    app's model, found from its table and the constraint's name (PostgreSQL) or its columns
    (SQLite); None if no model has that table."""
    for model in apps.get_models():
        if model._meta.db_table != table:
            continue
        if columns:
            by_column = {f.column: f.name for f in model._meta.concrete_fields}
            return model, [by_column[c] for c in columns if c in by_column]
        for c in model._meta.constraints:
            if c.name == constraint and getattr(c, "fields", None):
                return model, list(c.fields)
        for f in model._meta.concrete_fields:
            if f.unique and not f.primary_key and constraint.startswith(f"{table}_{f.column}_"):
                return model, [f.name]
        return model, []
    return None


def _violated(exc: Exception) -> tuple[str, str, list[str] | None] | None:
    """Return (table, constraint name, columns) of the unique constraint an IntegrityError
    reports, or None if it reports something else."""
    cause = getattr(exc, "__cause__", None)
    if getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION:
        return cause.diag.table_name or "", cause.diag.constraint_name or "", None
    text = str(cause if cause is not None else exc)
    if text.startswith(SQLITE_UNIQUE):  # "UNIQUE constraint failed: table.column, table.column"
        pairs = [item.strip().partition(".") for item in text[len(SQLITE_UNIQUE) :].split(",")]
        return pairs[0][0], "", [column for _, _, column in pairs]
    return None


def unique_conflict(exc: Exception) -> Conflict | None:
    """Return the Conflict (409) to answer for an IntegrityError raised by a unique constraint
    (two writers racing to the same key, or a create path that did not check first), naming the
    record and the fields that must be unique; None for any other error."""
    violated = _violated(exc)
    if violated is None:
        return None
    found = unique_fields(*violated)
    what = found[0]._meta.verbose_name if found else "record"
    fields = found[1] if found else []
    named = " and ".join(f.replace("_", " ") for f in fields) or "values"
    message = (
        f"A {what} with the same {named} is already recorded, and there can be only one; nothing new "
        "was recorded. Reload to see the one there is."
    )
    return Conflict(message, code="already_exists", field=fields[0] if fields else None)
