from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("generation/requests", views.GenerationRequestViewSet, basename="generation-request")

urlpatterns = [
    path("engines/", views.EngineListApi.as_view(), name="engines"),
    path("impact/<str:kind>/<int:pk>/", views.RevocationImpactApi.as_view(), name="revocation-impact"),
    path(
        "productions/<int:production>/disclosure-pack/",
        views.DisclosurePackApi.as_view(),
        name="disclosure-pack",
    ),
    path(
        "productions/<int:production>/continuity/",
        views.ContinuityApi.as_view(),
        name="production-continuity",
    ),
    path("shots/<int:shot>/continuity/", views.ContinuityApi.as_view(), name="shot-continuity"),
    path("", include(router.urls)),
]
