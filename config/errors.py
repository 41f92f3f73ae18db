"""Error pages: under /api/ and /ledger/ the API's error shape in JSON, elsewhere the portal's
page. Django calls these when no view answered (a path that matches no route, a CSRF refusal,
an error outside DRF)."""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

JSON_PREFIXES = ("/api/", "/ledger/", "/.well-known/")


def wants_json(request) -> bool:
    return request.path.startswith(JSON_PREFIXES)


def error_body(code: str, message: str) -> dict:
    return {"errors": [{"code": code, "field": None, "message": message}]}


def bad_request(request, exception=None):
    if wants_json(request):
        return JsonResponse(error_body("bad_request", "The request could not be read."), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if wants_json(request):
        return JsonResponse(
            error_body(
                "permission_denied",
                str(exception) if exception and str(exception) else "You may not do this.",
            ),
            status=403,
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if wants_json(request):
        return JsonResponse(
            error_body("not_found", f"Nothing at {request.path}; see /api/docs/ for the API's paths."),
            status=404,
        )
    return defaults.page_not_found(request, exception)


@csrf_exempt  # a refused CSRF check would answer an HTML 403 for a path that is not there
def api_not_found(request, *args, **kwargs):
    """Return the API's JSON 404 for a path under /api/ that no route takes (an id that is not
    a whole number, a misspelt path), whatever DEBUG says: Django answers those with its HTML page
    under DEBUG. A GET of a path that exists with a trailing slash is redirected there, as
    CommonMiddleware would (this route takes the path before it can)."""
    path = request.path_info
    if settings.APPEND_SLASH and request.method in ("GET", "HEAD") and not path.endswith("/"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return page_not_found(request)


def server_error(request):
    if wants_json(request):
        return JsonResponse(
            error_body(
                "server_error",
                "Something went wrong on our side; it is logged. Try again, or tell the service's operators.",
            ),
            status=500,
        )
    return defaults.server_error(request)
