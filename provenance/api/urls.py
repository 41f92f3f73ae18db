from django.urls import path

from . import views

urlpatterns = [
    path("verify/", views.VerifyApi.as_view(), name="verify"),
    path("training-clearance/", views.TrainingClearanceApi.as_view(), name="training-clearance"),
    path("c2pa/v1/matches/byBinding", views.SoftBindingByBindingApi.as_view(), name="softbinding-by-binding"),
    path("c2pa/v1/matches/byContent", views.SoftBindingByContentApi.as_view(), name="softbinding-by-content"),
    path(
        "c2pa/v1/manifests/<str:manifest_id>",
        views.SoftBindingManifestApi.as_view(),
        name="softbinding-manifest",
    ),
    path("assets/<int:pk>/lineage/", views.LineageApi.as_view(), name="asset-lineage"),
    path("assets/<int:pk>/lineage.prov.json", views.LineageProvApi.as_view(), name="asset-lineage-prov"),
    path("assets/<int:pk>/lineage.svg", views.LineageSvgApi.as_view(), name="asset-lineage-svg"),
]
