from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.errors import api_not_found
from config.health import healthz, readyz
from config.metrics import metrics
from portal.auth import LoginView, admin_login
from portal.sso import SignOutView, SsoCallbackView, SsoStartView, signed_out
from provenance.api.views import robots, tdm_policy, tdmrep
from rightsledger.api import ledger_views, tile_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    # Before the admin's own: its login page is throttled like the portal's.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("ledger/checkpoint", ledger_views.checkpoint_latest, name="ledger-checkpoint"),
    path("ledger/checkpoint/<int:size>", ledger_views.checkpoint_by_size, name="ledger-checkpoint-size"),
    path("ledger/verifier-key", ledger_views.verifier_key, name="ledger-verifier-key"),
    path("ledger/tile/<path:path>", tile_views.tile, name="ledger-tile"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The Swagger UI page sets itself up with an inline script: allowed there alone.
    path(
        "api/docs/",
        csp_update({"script-src": ["'unsafe-inline'"], "style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerView.as_view(url_name="schema")
        ),
        name="swagger-ui",
    ),
    path("api/", include("generation.api.urls")),
    path("api/", include("provenance.api.urls")),
    path(".well-known/tdmrep.json", tdmrep, name="tdmrep"),
    path(".well-known/tdm-policy.json", tdm_policy, name="tdm-policy"),
    path("robots.txt", robots, name="robots"),
    path("api/", include("rightsledger.api.urls")),
    # Whatever no API route takes answers the API's JSON 404, with DEBUG on too.
    re_path(r"^api/", api_not_found, name="api-not-found"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    # Signing out, at the studio's provider too for a session that began there.
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("accounts/signed-out/", signed_out, name="signed_out"),
    # Single sign-on through the studio's OpenID Connect provider; 404 where it is off.
    path("accounts/sso/start/", SsoStartView.as_view(), name="sso_start"),
    path("accounts/sso/callback/", SsoCallbackView.as_view(), name="sso_callback"),
    # Passkeys (django-otp-webauthn's endpoints, for the portal's two-factor pages).
    path("accounts/passkeys/", include("portal.webauthn_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("portal.urls")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
