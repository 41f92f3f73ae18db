"""The admin covers every model. Ledger-backed records are read-only here: they change only
through services (amend/revoke), which write the ledger entry."""

from django.contrib import admin

from . import access
from .models import (
    ApiToken,
    Asset,
    CalendarFeed,
    Checkpoint,
    ConsentFlag,
    ConsentRecord,
    Document,
    ExpiryNotice,
    FlagReply,
    Guild,
    GuildMembership,
    LabourAction,
    LedgerEntry,
    LedgerLeaf,
    LedgerNode,
    LedgerTile,
    Notification,
    Party,
    Production,
    ProductionExport,
    RightsGrant,
    Role,
    Shot,
    SsoIdentity,
    Studio,
    Talent,
    TalentName,
    Thumbnail,
    TrainingReservation,
    TreeState,
    WitnessCosignature,
    WitnessedCheckpoint,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProductionScopedAdmin(ReadOnlyAdmin):
    """Staff who are not superusers see only the rows of their productions."""

    production_field = "production"

    def get_queryset(self, request):
        return access.filter_by_production(super().get_queryset(request), request.user, self.production_field)


class AssetScopedAdmin(ProductionScopedAdmin):
    """The rows of an asset (its thumbnail, fingerprints, faces...), scoped by the asset's production."""

    production_field = "asset__production"


@admin.register(Studio)
class StudioAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "slug", "created_at"]


@admin.register(Production)
class ProductionAdmin(ProductionScopedAdmin):
    production_field = "id"
    list_display = ["id", "title", "code", "studio"]


@admin.register(Shot)
class ShotAdmin(ProductionScopedAdmin):
    list_display = ["id", "code", "sequence", "production"]
    list_filter = ["production"]
    search_fields = ["code"]


@admin.register(Party)
class PartyAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "kind", "studio"]
    list_filter = ["kind"]


@admin.register(Guild)
class GuildAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "abbreviation"]


class MembershipInline(admin.TabularInline):
    model = GuildMembership
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Talent)
class TalentAdmin(ReadOnlyAdmin):
    list_display = ["id", "legal_name", "professional_name", "is_deceased", "is_minor"]
    search_fields = ["legal_name", "professional_name"]
    inlines = [MembershipInline]


@admin.register(Asset)
class AssetAdmin(ProductionScopedAdmin):
    list_display = ["id", "title", "kind", "media_type", "sha256", "production", "origin"]
    list_filter = ["kind", "origin"]
    search_fields = ["sha256", "title", "original_filename"]


@admin.register(Document)
class DocumentAdmin(ProductionScopedAdmin):
    list_display = ["id", "original_filename", "media_type", "size", "sha256", "production", "uploaded_at"]
    search_fields = ["sha256", "original_filename"]


@admin.register(Thumbnail)
class ThumbnailAdmin(AssetScopedAdmin):
    list_display = ["id", "asset", "media_type", "width", "height", "problem", "created_at"]
    search_fields = ["sha256", "asset__title"]


@admin.register(RightsGrant)
class GrantAdmin(ProductionScopedAdmin):
    list_display = [
        "id",
        "chain",
        "version",
        "action",
        "status",
        "grantor",
        "production",
        "term_start",
        "term_end",
    ]
    list_filter = ["status", "action", "requires_review"]


@admin.register(ConsentRecord)
class ConsentAdmin(ProductionScopedAdmin):
    list_display = ["id", "chain", "version", "action", "status", "talent", "production", "replica_type"]
    list_filter = ["status", "action", "replica_type"]


@admin.register(TrainingReservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["id", "subject_type", "uses", "source", "status", "effective_date"]
    list_filter = ["subject_type", "source", "status"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "entry_type", "actor", "time", "record_type", "record_id"]
    list_filter = ["entry_type"]


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    """Roles are granted and revoked through their service (a ledger entry each), never edited here."""

    list_display = ["user", "kind", "studio", "production", "guild", "version", "status"]
    list_filter = ["kind", "status"]


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["size", "created_at"]


@admin.register(WitnessedCheckpoint)
class WitnessedCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["guild", "size", "created_at"]


@admin.register(WitnessCosignature)
class WitnessCosignatureAdmin(ReadOnlyAdmin):
    list_display = ["checkpoint", "witness", "timestamp", "created_at"]


@admin.register(TreeState)
class TreeStateAdmin(ReadOnlyAdmin):
    list_display = ["size", "horizon_seq", "updated_at"]


@admin.register(LedgerLeaf)
class LedgerLeafAdmin(ReadOnlyAdmin):
    list_display = ["index", "entry"]


@admin.register(LedgerNode)
class LedgerNodeAdmin(ReadOnlyAdmin):
    list_display = ["key"]


@admin.register(LedgerTile)
class LedgerTileAdmin(ReadOnlyAdmin):
    list_display = ["key", "width"]


@admin.register(TalentName)
class TalentNameAdmin(ReadOnlyAdmin):
    list_display = ["talent", "normalized"]


@admin.register(GuildMembership)
class GuildMembershipAdmin(ReadOnlyAdmin):
    list_display = ["guild", "member_id", "talent"]


@admin.register(LabourAction)
class LabourActionAdmin(ProductionScopedAdmin):
    list_display = ["id", "production", "guild", "started_on", "ended_on"]


@admin.register(ConsentFlag)
class ConsentFlagAdmin(ProductionScopedAdmin):
    production_field = "consent__production"
    list_display = ["id", "consent", "guild", "requests_revocation", "state", "outcome", "created_at"]


@admin.register(FlagReply)
class FlagReplyAdmin(ProductionScopedAdmin):
    production_field = "flag__consent__production"
    list_display = ["id", "flag", "author", "resolves", "created_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "subject", "created_at", "read_at"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)


@admin.register(ExpiryNotice)
class ExpiryNoticeAdmin(ReadOnlyAdmin):
    list_display = ["record_type", "record_id", "threshold_days", "created_at"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Who has a calendar feed, since when, and whether it was revoked (the token is never kept)."""

    list_display = ["user", "created_at", "revoked_at"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Whose API tokens, their scope, expiry and last use (the token itself is never kept);
    revoked from the portal, where the rule on who may revoke whose lives."""

    list_display = [
        "name",
        "user",
        "scope",
        "public_id",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)


@admin.register(ProductionExport)
class ProductionExportAdmin(ProductionScopedAdmin):
    list_display = ["id", "production", "requested_by", "state", "done", "total", "created_at", "finished_at"]
    list_filter = ["state", "production"]


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    """Which account a person at the studio's provider signs in to. An admin may link a provider's
    subject to an existing account here (it grants nothing: roles are granted and recorded apart)."""

    list_display = ("user", "issuer", "subject", "created_at", "last_sign_in_at")
    search_fields = ("user__username", "user__email", "subject")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "last_sign_in_at")
