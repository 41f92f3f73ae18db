from django.urls import include, path
from rest_framework import parsers
from rest_framework.routers import DefaultRouter

from . import flag_views, ledger_views, performer_views, records, token_views, views
from .parsers import JSONParser
from .throttling import LoginRateThrottle
from .tokens import TokenScope

router = DefaultRouter()
router.register("studios", views.StudioViewSet, basename="studio")
router.register("productions", views.ProductionViewSet, basename="production")
router.register("shots", views.ShotViewSet, basename="shot")
router.register("parties", views.PartyViewSet, basename="party")
router.register("guilds", views.GuildViewSet, basename="guild")
router.register("talent", views.TalentViewSet, basename="talent")
router.register("assets", views.AssetViewSet, basename="asset")
for record in records.RECORDS.values():
    router.register(record.slug, views.RECORD_VIEWSETS[record.name], basename=record.name)
router.register("ledger/entries", views.LedgerEntryViewSet, basename="ledger-entry")

urlpatterns = [
    path(
        "auth/token/",
        token_views.PasswordTokenApi.as_view(
            parser_classes=[parsers.FormParser, parsers.MultiPartParser, JSONParser],
            throttle_classes=[LoginRateThrottle],
            permission_classes=[TokenScope],
        ),
        name="api-token",
    ),
    path("tokens/", token_views.ApiTokenListApi.as_view(), name="api-token-list"),
    path("tokens/<str:pk>/revoke/", token_views.ApiTokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", views.MeApi.as_view(), name="me"),
    path("vocabulary/", views.VocabularyApi.as_view(), name="vocabulary"),
    path("ledger/proofs/inclusion/", ledger_views.InclusionProofApi.as_view(), name="ledger-inclusion"),
    path("ledger/proofs/consistency/", ledger_views.ConsistencyProofApi.as_view(), name="ledger-consistency"),
    path("ledger/entries/<int:seq>/bytes/", ledger_views.EntryBytesApi.as_view(), name="ledger-entry-bytes"),
    path("ledger/witness/", ledger_views.WitnessApi.as_view(), name="ledger-witness"),
    path("ledger/cosignatures/", ledger_views.CheckpointWitnessesApi.as_view(), name="ledger-cosignatures"),
    path("consents/<int:consent>/flags/", flag_views.ConsentFlagListApi.as_view(), name="consent-flag-list"),
    path(
        "consents/<int:consent>/flags/<int:flag>/reply/",
        flag_views.ConsentFlagReplyApi.as_view(),
        name="consent-flag-reply",
    ),
    path(
        "consents/<int:consent>/flags/<int:flag>/resolve/",
        flag_views.ConsentFlagResolveApi.as_view(),
        name="consent-flag-resolve",
    ),
    path(
        "productions/<int:production>/performer-rules/",
        performer_views.PerformerRulesApi.as_view(),
        name="production-performer-rules",
    ),
    path(
        "productions/<int:production>/labour-actions/",
        performer_views.LabourActionListApi.as_view(),
        name="production-labour-actions",
    ),
    path(
        "productions/<int:production>/labour-actions/<int:action>/end/",
        performer_views.LabourActionEndApi.as_view(),
        name="production-labour-action-end",
    ),
    path("", include(router.urls)),
]
