"""Studios, productions, shots, parties, guilds, talent and assets: what the API answers and takes."""

from rest_framework import serializers

from ... import access, selectors, vocab
from ...models import (
    Asset,
    Guild,
    GuildMembership,
    Party,
    Production,
    Shot,
    Studio,
    Talent,
)
from ...validation import MAX_ITEMS
from .fields import StrictBool, StrictSerializer, TextOnly, VisibleRelated, strings


class StudioOut(serializers.ModelSerializer):
    class Meta:
        model = Studio
        fields = ["id", "name", "slug", "created_at"]


class ProductionOut(serializers.ModelSerializer):
    class Meta:
        model = Production
        fields = [
            "id",
            "studio",
            "title",
            "code",
            "output_disclosure",
            "label_enabled",
            "label_text",
            "label_corner",
            "performer_rules",
            "created_at",
        ]


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


class LabelIn(StrictSerializer):
    enabled = StrictBool(help_text="Burn the label into the production's outputs from now on")
    text = serializers.CharField(
        allow_blank=True, required=False, default="", help_text="The label's words; empty: AI-generated"
    )
    corner = serializers.CharField(
        max_length=16,
        required=False,
        default="bottom_right",
        help_text="bottom_right, bottom_left, top_right or top_left",
    )
