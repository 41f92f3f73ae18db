"""Response headers every page and API answer carries, beside Django's own and the CSP."""

# The portal uses no camera, microphone, location, payment or the like: no page may ask for them.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb", "interest-cohort",
))


class SecurityHeadersMiddleware:
    """Add Permissions-Policy everywhere, and Cache-Control: no-store to what an authenticated
    user is answered (records, decisions, files), so no shared cache keeps a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META
        if authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response
