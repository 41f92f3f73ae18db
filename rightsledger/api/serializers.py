"""Serializers parse and present; every rule lives in services and access."""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import access, input_policy, selectors, vocab
from ..models import (
    Asset,
    ConsentRecord,
    Guild,
    GuildMembership,
    LedgerEntry,
    Party,
    Production,
    RightsGrant,
    Shot,
    Studio,
    Talent,
    TrainingReservation,
)
from ..validation import MAX_ITEMS


class StrictSerializer(serializers.Serializer):
    """Refuse fields the endpoint does not know, instead of silently dropping them."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            serializers.ErrorDetail(
                                f"Unknown field {name!r}; this endpoint "
                                f"takes: {', '.join(sorted(self.fields))}.",
                                code="unknown_field",
                            )
                        ]
                        for name in unknown
                    }
                )
            # The one input policy (rightsledger.input_policy), before any field reads the body: so
            # a new field is covered without saying so.
            if not hasattr(data, "getlist"):
                data = input_policy.normalized(data)
            found = input_policy.problems({k: _values(data, k) for k in data.keys()})
            if found:
                errors = {}
                for p in found:
                    errors.setdefault(p.field, []).append(serializers.ErrorDetail(p.message, code=p.code))
                raise serializers.ValidationError(errors)
            # JSON text fields take text: 12 or true is refused, not stored as "12" or "True".
            wrong = sorted(
                name
                for name, field in self.fields.items()
                if type(field) in (serializers.CharField, serializers.EmailField, TextOnly)
                and name in data
                and data[name] is not None
                and not isinstance(data[name], str)
            )
            if wrong:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail(f"{name} must be text.", code="invalid")]
                        for name in wrong
                    }
                )
        return super().to_internal_value(data)


def _values(data, key):
    """Return a field's value from a body: from a form, every value given under its name."""
    if hasattr(data, "getlist"):
        values = data.getlist(key)
        return values if len(values) != 1 else values[0]
    return data[key]


@extend_schema_field(OpenApiTypes.INT)
class VisibleRelated(serializers.PrimaryKeyRelatedField):
    """A primary key resolved only among the records the requesting user may see."""

    def __init__(self, selector, **kwargs):
        self.selector = selector
        kwargs.setdefault("queryset", None)
        super().__init__(**kwargs)
        self.queryset = None

    def get_queryset(self):
        return self.selector(self.context["request"].user)


class TextOnly(serializers.CharField):
    """Text, and only text: 0 or true is refused rather than turned into "0" or "True"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def strings(**kwargs):
    return serializers.ListField(child=TextOnly(max_length=200), max_length=MAX_ITEMS, **kwargs)


# --- Output ------------------------------------------------------------------------------------


class StudioOut(serializers.ModelSerializer):
    class Meta:
        model = Studio
        fields = ["id", "name", "slug", "created_at"]


class ProductionOut(serializers.ModelSerializer):
    class Meta:
        model = Production
        fields = ["id", "studio", "title", "code", "output_disclosure", "created_at"]


class ShotOut(serializers.ModelSerializer):
    class Meta:
        model = Shot
        fields = [
            "id",
            "production",
            "code",
            "sequence",
            "description",
            "frame_in",
            "frame_out",
            "frame_count",
            "record_in",
            "record_out",
            "reel",
            "removed",
            "created_at",
        ]


class PartyOut(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "studio", "name", "kind", "created_at"]


class GuildOut(serializers.ModelSerializer):
    class Meta:
        model = Guild
        fields = ["id", "name", "abbreviation"]


class MembershipOut(serializers.ModelSerializer):
    class Meta:
        model = GuildMembership
        fields = ["guild", "member_id"]


class ErasureIn(StrictSerializer):
    basis = serializers.ChoiceField(
        choices=vocab.ERASURE_BASES,
        help_text="On what basis the personal data is erased",
        error_messages={
            "invalid_choice": f"Give the basis of the erasure: one of {', '.join(vocab.ERASURE_BASES)}."
        },
    )
    fields = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=MAX_ITEMS,
        help_text="The keys of the erasure preview's fields to redact (rightsledger.party:12:name); "
        "leave out to redact every one found",
    )


class ErasureFieldOut(serializers.Serializer):
    key = serializers.CharField(help_text="What to confirm in the erasure's fields: model:id:field")
    model = serializers.CharField(help_text="app_label.model_name")
    id = serializers.IntegerField()
    field = serializers.CharField()
    redactable = serializers.BooleanField(
        help_text="False for a code of an append-only record, which no erasure may change"
    )


class ErasurePreviewOut(serializers.Serializer):
    talent = serializers.IntegerField()
    fields = ErasureFieldOut(many=True, help_text="Every text field of every record that names the performer")


class TalentOut(serializers.ModelSerializer):
    memberships = MembershipOut(many=True, read_only=True)

    class Meta:
        model = Talent
        fields = [
            "id",
            "legal_name",
            "professional_name",
            "aliases",
            "is_deceased",
            "is_minor",
            "external_ids",
            "memberships",
            "created_at",
            "erased_at",
        ]


class AssetOut(serializers.ModelSerializer):
    class Meta:
        model = Asset
        fields = [
            "id",
            "production",
            "sha256",
            "kind",
            "media_type",
            "size",
            "width",
            "height",
            "duration_seconds",
            "frame_rate",
            "frame_count",
            "codec",
            "original_filename",
            "title",
            "owner",
            "talent",
            "origin",
            "created_at",
        ]


VERSION_FIELDS = [
    "id",
    "chain",
    "version",
    "replaces",
    "action",
    "status",
    "reason",
    "is_current",
    "ledger_seq",
    "created_at",
]


class VersionedOut(serializers.ModelSerializer):
    is_current = serializers.SerializerMethodField()
    ledger_seq = serializers.SerializerMethodField()

    def get_is_current(self, obj) -> bool:
        return (
            getattr(obj, "is_current", None)
            if hasattr(obj, "is_current")
            else not hasattr(obj, "replaced_by")
        )

    def get_ledger_seq(self, obj) -> int | None:
        return getattr(obj, "ledger_seq", None)


class GrantOut(VersionedOut):
    class Meta:
        model = RightsGrant
        fields = VERSION_FIELDS + list(RightsGrant.record_fields())


class ConsentOut(VersionedOut):
    class Meta:
        model = ConsentRecord
        fields = VERSION_FIELDS + list(ConsentRecord.record_fields()) + list(ConsentRecord.service_fields)


class ReservationOut(VersionedOut):
    class Meta:
        model = TrainingReservation
        fields = VERSION_FIELDS + list(TrainingReservation.record_fields())


class LedgerEntryOut(serializers.ModelSerializer):
    leaf_hash = serializers.SerializerMethodField()
    entry = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = [
            "seq",
            "entry_type",
            "actor",
            "time",
            "record_type",
            "record_id",
            "chain",
            "leaf_hash",
            "entry",
        ]

    def get_leaf_hash(self, obj) -> str:
        return bytes(obj.leaf_hash).hex()

    def get_entry(self, obj) -> dict:
        return json.loads(bytes(obj.body))


# --- Input -------------------------------------------------------------------------------------


class StudioIn(StrictSerializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField()


class ProductionIn(StrictSerializer):
    studio = VisibleRelated(selectors.studios_for)
    title = serializers.CharField(max_length=200)
    code = serializers.SlugField(max_length=64)
    output_disclosure = serializers.CharField(max_length=16, required=False, default="neutral")


class ShotIn(StrictSerializer):
    production = VisibleRelated(selectors.productions_for)
    code = serializers.CharField(max_length=64)
    sequence = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class PartyIn(StrictSerializer):
    studio = VisibleRelated(selectors.studios_for)
    name = serializers.CharField(max_length=200)
    kind = serializers.CharField(max_length=32)


class GuildIn(StrictSerializer):
    name = serializers.CharField(max_length=200)
    abbreviation = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class MembershipIn(StrictSerializer):
    guild = serializers.IntegerField()
    member_id = serializers.CharField(max_length=64)


class StrictBool(serializers.BooleanField):
    """true or false, as JSON has them: "yes", 1 or "on" are refused rather than guessed at."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class TalentIn(StrictSerializer):
    legal_name = serializers.CharField(max_length=200)
    professional_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    aliases = strings(required=False, default=list)
    is_deceased = StrictBool(required=False, default=False)
    is_minor = StrictBool(required=False, default=False)
    external_ids = serializers.DictField(child=TextOnly(max_length=64), required=False, default=dict)
    memberships = MembershipIn(many=True, required=False, default=list)


class AssetIn(StrictSerializer):
    production = VisibleRelated(selectors.productions_for)
    file = serializers.FileField(allow_empty_file=True)
    kind = serializers.CharField(max_length=32)
    owner = VisibleRelated(selectors.parties_for, required=False, allow_null=True, default=None)
    talent = VisibleRelated(access.talent_visible, required=False, allow_null=True, default=None)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class GrantIn(StrictSerializer):
    grantor = VisibleRelated(selectors.parties_for)
    production = VisibleRelated(selectors.productions_for)
    assets = VisibleRelated(selectors.assets_for, many=True)
    uses = strings()
    media = strings()
    territories = strings()
    territory_exclusions = strings(required=False, default=list)
    languages = strings(required=False, default=list)
    term_start = serializers.DateField()
    term_end = serializers.DateField(required=False, allow_null=True, default=None)
    exclusivity = serializers.CharField(required=False, default="non_exclusive")
    restrictions = serializers.CharField(required=False, allow_blank=True, default="")
    requires_review = StrictBool(required=False, default=False)
    contract_sha256 = serializers.CharField(max_length=64, allow_blank=True)


class ConsentIn(StrictSerializer):
    talent = VisibleRelated(access.talent_visible)
    production = VisibleRelated(selectors.productions_for)
    grantor_role = serializers.CharField(max_length=32)
    grantor_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    representation = serializers.CharField(max_length=32)
    replica_type = serializers.CharField(max_length=32)
    modalities = strings()
    intended_use_description = serializers.CharField(allow_blank=True, trim_whitespace=True)
    permitted_uses = strings()
    prohibited_uses = strings(required=False, default=list)
    prohibited_uses_note = serializers.CharField(required=False, allow_blank=True, default="")
    permitted_shots = strings(required=False, default=list)
    permitted_scenes = strings(required=False, default=list)
    media = strings()
    territories = strings()
    territory_exclusions = strings(required=False, default=list)
    languages = strings(required=False, default=list)
    term_start = serializers.DateField()
    term_end = serializers.DateField(required=False, allow_null=True, default=None)
    training_permission = serializers.CharField(required=False, default="none")
    compensation_reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    evidence_sha256 = serializers.CharField(max_length=64, allow_blank=True)
    scan_notice_date = serializers.DateField(required=False, allow_null=True, default=None)
    union_notified_date = serializers.DateField(required=False, allow_null=True, default=None)
    requires_review = StrictBool(required=False, default=False)


class ReservationIn(StrictSerializer):
    studio = VisibleRelated(selectors.studios_for, required=False, allow_null=True, default=None)
    subject_type = serializers.CharField(max_length=16)
    asset = VisibleRelated(selectors.assets_for, required=False, allow_null=True, default=None)
    talent = VisibleRelated(access.talent_visible, required=False, allow_null=True, default=None)
    party = VisibleRelated(selectors.parties_for, required=False, allow_null=True, default=None)
    production = VisibleRelated(selectors.productions_for, required=False, allow_null=True, default=None)
    uses = strings()
    source = serializers.CharField(max_length=32)
    effective_date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RevokeIn(StrictSerializer):
    reason = serializers.CharField(allow_blank=True)


class ConsentRevokeScope(StrictSerializer):
    modalities = strings(required=False)
    permitted_uses = strings(required=False)


class ConsentRevokeIn(StrictSerializer):
    reason = serializers.CharField(allow_blank=True)
    scope = ConsentRevokeScope(required=False, allow_null=True, default=None)


class AmendIn(StrictSerializer):
    """An amendment: the fields that change, and why. The changes are parsed by the record's
    own input serializer, partially."""

    changes = serializers.DictField()
    reason = serializers.CharField(allow_blank=True)
