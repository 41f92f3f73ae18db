"""One error shape for the whole API: {"errors": [{"code", "field", "message"}]}, with a 4xx."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from ..errors import Conflict, PayloadTooLarge
from ..imaging import ImageRefused


def _flatten(detail, field=None):
    """Yield (field, code, message) from DRF's nested error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else None
            yield from _flatten(value, f"{field}.{name}" if field and name else (name or field))
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, field)
    else:
        yield field, getattr(detail, "code", "invalid"), str(detail)


def _django_validation(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for e in errors:
                for message in e.messages:
                    yield (None if field == "__all__" else field), e.code or "invalid", message
    else:
        for e in exc.error_list:
            for message in e.messages:
                yield None, e.code or "invalid", message


def error_items(exc) -> list[tuple[str | None, str, str]]:
    """Return (field, code, message) for each error an exception carries: the one list the API's
    error shape and the portal's forms are made from. Empty for an exception of another kind."""
    if isinstance(exc, DjangoValidationError):
        return list(_django_validation(exc))
    if isinstance(exc, (Conflict, PayloadTooLarge, ImageRefused)):
        return [(exc.field, exc.code, exc.message)]
    if isinstance(exc, exceptions.ValidationError):
        return list(_flatten(exc.detail))
    return []


def _body(items):
    return {"errors": [{"code": code, "field": field, "message": message} for field, code, message in items]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(_body(_django_validation(exc)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        set_rollback()
        return Response(_body([(exc.field, exc.code, exc.message)]), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, PayloadTooLarge):
        set_rollback()
        return Response(
            _body([(exc.field, exc.code, exc.message)]), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    if isinstance(exc, ImageRefused):
        set_rollback()
        return Response(_body([(exc.field, exc.code, exc.message)]), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "You may not do this.")
    if isinstance(exc, exceptions.APIException):
        set_rollback()
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc.detail, (dict, list)):
            items = list(_flatten(exc.detail))
        else:
            items = [
                (
                    None,
                    exc.default_code if not hasattr(exc.detail, "code") else exc.detail.code,
                    str(exc.detail),
                )
            ]
        return Response(_body(items), status=exc.status_code, headers=headers)
    return None
