"""Domain errors raised by services. The API's exception handler maps each to one JSON shape."""

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
