"""Versioned records (grants, consents, reservations) and ledger entries: what the API answers and takes."""

import json

from rest_framework import serializers

from ... import access, selectors
from ...models import (
    ConsentRecord,
    LedgerEntry,
    RightsGrant,
    TrainingReservation,
)
from .fields import StrictBool, StrictSerializer, VisibleRelated, strings

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
    """A consent. Its compensation and residual terms are given to clearance and the guild; anyone
    else reads them as null, and reads only whether they are on record."""

    compensation_terms_on_record = serializers.SerializerMethodField()
    residual_terms_on_record = serializers.SerializerMethodField()

    class Meta:
        model = ConsentRecord
        fields = (
            VERSION_FIELDS
            + list(ConsentRecord.record_fields())
            + list(ConsentRecord.service_fields)
            + ["compensation_terms_on_record", "residual_terms_on_record"]
        )
        extra_kwargs = {
            "compensation_reference": {"allow_null": True},
            "residual_terms_reference": {"allow_null": True},
        }

    def get_compensation_terms_on_record(self, obj) -> bool:
        return bool(obj.compensation_reference)

    def get_residual_terms_on_record(self, obj) -> bool:
        return bool(obj.residual_terms_reference)

    # Made from the row's own fields: a list served from values() sets them in finish.
    computed = ("compensation_terms_on_record", "residual_terms_on_record")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not access.can_read_consent_terms(request.user, instance):
            data.update(dict.fromkeys(ConsentRecord.TERMS_FIELDS))
        return data

    @classmethod
    def finish(cls, items: list[dict], user) -> None:
        """Complete rows read with values() as to_representation completes an instance (a query
        per performer for a guild representative, none for anyone else)."""
        readable = {}
        for item in items:
            item["compensation_terms_on_record"] = bool(item["compensation_reference"])
            item["residual_terms_on_record"] = bool(item["residual_terms_reference"])
            key = (item["production"], item["talent"])
            if key not in readable:
                consent = ConsentRecord(production_id=key[0], talent_id=key[1])
                readable[key] = access.can_read_consent_terms(user, consent)
            if not readable[key]:
                item.update(dict.fromkeys(ConsentRecord.TERMS_FIELDS))


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
    # Set from the document when one is uploaded (multipart); typed where the document stays with
    # the studio's legal team.
    contract_sha256 = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


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
    residual_terms_reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    capture_business_reason = serializers.CharField(required=False, allow_blank=True, default="")
    # Set from the document when one is uploaded (multipart); typed where the document stays with
    # the studio's legal team.
    evidence_sha256 = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
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
