"""Response headers every page and API answer carries, beside Django's own and the CSP; the
answer when the database cannot be reached; and the refusal of a request whose Content-Length
is not a number."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

from rightsledger.errors import unique_conflict
from rightsledger.input_policy import whole_number

from .errors import error_body, wants_json

# The portal uses no camera, microphone, location, payment or the like: no page may ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
)


class SecurityHeadersMiddleware:
    """Add Permissions-Policy everywhere, and Cache-Control: no-store to what an authenticated
    user is answered (records, decisions, files), so no shared cache keeps a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        authenticated = (
            bool(user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META
        )
        if authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached (a restart, a failover), answer 503 with Retry-After,
    not 500: the caller may retry (an unfinished transaction is rolled back; a submission that
    committed just before the database went away is found again by its Idempotency-Key)."""

    RETRY_AFTER = "5"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        message = (
            "The database cannot be reached at the moment. Retry in a few seconds; "
            "a submission sent again with the same Idempotency-Key is recorded "
            "once, even if the first reached the database before it went away."
        )
        if wants_json(request):
            response = JsonResponse(error_body("service_unavailable", message), status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = self.RETRY_AFTER
        return response


class ContentLengthMiddleware:
    """Refuse, on every path, a request whose Content-Length header is not a number of bytes (400,
    in the API's error shape under /api/): Django reads such a header as an empty body, and some
    parsers then fail on it. The one check; endpoints may rely on the header being digits."""

    MESSAGE = (
        "The Content-Length header is not a number of bytes; send the body's length in bytes, "
        "or leave the header out."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH")
        if declared not in (None, ""):
            try:
                whole_number(declared, field="Content-Length")
            except ValidationError:
                if wants_json(request):
                    error = {
                        "code": "content_length_invalid",
                        "field": "Content-Length",
                        "message": self.MESSAGE,
                    }
                    return JsonResponse({"errors": [error]}, status=400)
                return HttpResponse(self.MESSAGE, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class UniqueViolationMiddleware:
    """Answer a unique constraint's refusal, wherever a write meets it (the API, the portal, the
    admin), as 409 with a message that names what must be unique, not 500. Services check first
    and say it in their own words; this is what two writers racing to the same key are told."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        conflict = unique_conflict(exception) if isinstance(exception, IntegrityError) else None
        if conflict is None:
            return None
        if wants_json(request):
            body = {"errors": [{"code": conflict.code, "field": conflict.field, "message": conflict.message}]}
            return JsonResponse(body, status=409)
        return HttpResponse(conflict.message, status=409, content_type="text/plain; charset=utf-8")
