"""The one registry of versioned record kinds (grant, consent, reservation) that the API and the
portal read: for each, how it is written (its services Kind), read (its selector), parsed and shown
(its serializers), filtered, named on pages and in URLs, and who may create it. The API's
viewsets are made from it (rightsledger.api.views.record_viewset), so a fourth kind is one entry
here, with its Kind in rightsledger.services.

It lives in the API package because it names serializers: the services know only their Kind (the
model, its amendable fields, its check), and import nothing from here, so nothing cycles.
"""

from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers

from .. import access, selectors, services
from ..models import ConsentRecord, Production, RightsGrant, TrainingReservation
from . import serializers as s
from .filtering import StrictBooleanFilter, StrictFilterSet, id_filter


def _require_in_production(user, data: dict, verb: str) -> None:
    """A grant or consent is created by clearance of its production (404 where it is not visible)."""
    access.require(user, data["production"], access.CLEARANCE_ROLES, verb)


def _require_for_subject(user, data: dict, verb: str) -> None:
    """A reservation is created by clearance of its subject's production, if it has one, in a studio
    the user can see."""
    subject = data.get(data.get("subject_type"))
    access.require_record_change(user, TrainingReservation.production_of_subject(subject), verb)
    if data.get("studio") is not None:
        access.require_studio_visible(user, data["studio"].pk)


class RecordFilter(StrictFilterSet):
    current = StrictBooleanFilter(field_name="is_current")
    chain = django_filters.UUIDFilter()


class GrantFilter(RecordFilter):
    asset = id_filter("assets")
    requires_review = StrictBooleanFilter()

    class Meta:
        model = RightsGrant
        fields = ("production", "grantor", "status", "action", "requires_review", "exclusivity", "chain")


class ConsentFilter(RecordFilter):
    guild = id_filter("talent__memberships__guild")

    class Meta:
        model = ConsentRecord
        fields = ("production", "talent", "status", "action", "replica_type", "chain")


class ReservationFilter(RecordFilter):
    class Meta:
        model = TrainingReservation
        fields = (
            "studio",
            "subject_type",
            "asset",
            "talent",
            "party",
            "production",
            "source",
            "status",
            "chain",
        )


@dataclass(frozen=True)
class DocumentWords:
    """What pages call a kind's document: its label beside the record ("Contract"), and what the
    form asks for ("the signed contract")."""

    label: str
    asks: str


@dataclass(frozen=True)
class RecordKind:
    """One kind of versioned record, as the API and the portal handle it."""

    kind: services.Kind  # how it is written: model, amendable fields, check, partial revocation
    singular: str  # what pages call one ("grant"), and the verbs' object: "revoke grants"
    plural: str  # what pages call several ("grants")
    slug: str  # its API path: /api/<slug>/
    input: type[serializers.Serializer]  # parses a new record, and (partial) an amendment's changes
    output: type[serializers.Serializer]
    revoke_input: type[serializers.Serializer]  # what a revocation takes: a reason (and a scope)
    visible: Callable[..., QuerySet]  # (user) -> every version the user may see, with version info
    filterset: type[StrictFilterSet]
    create: Callable  # (actor=, **fields) -> the first version
    require_create: Callable[..., None]  # (user, parsed data, verb): raise unless the user may create
    proofs: bool = False  # its ledger entries are served as a proof bundle that guilds check offline
    document: DocumentWords | None = None  # for a kind with a document (its model's document_field)

    @property
    def name(self) -> str:
        """The ledger's record type ("grant"), the portal's /records/<name>/ and the API's basename."""
        return self.kind.name

    @property
    def model(self) -> type:
        return self.kind.model

    @property
    def amendable(self) -> frozenset[str]:
        return frozenset(self.kind.amendable)

    def current(self) -> QuerySet:
        """Return the current version of every record of this kind (those nothing replaces)."""
        return services.current_versions(self.model)

    def production_of(self, record) -> Production | None:
        """Return the production the record concerns, whose clearance users may change it, if any."""
        return services.record_production(record)

    def amend(self, *, actor, record, changes: dict, reason: str, document=None):
        """Amend the record by a new version (with a new document, uploaded, where one is given);
        return it."""
        return services.record_amend(
            self.kind, actor=actor, record=record, changes=changes, reason=reason, document=document
        )

    def revoke(self, *, actor, record, reason: str, scope: dict | None = None):
        """Revoke the record (only the scope of it, where the kind takes one) by a new version."""
        return services.record_revoke(self.kind, actor=actor, record=record, reason=reason, scope=scope)


RECORDS: dict[str, RecordKind] = {
    r.name: r
    for r in (
        RecordKind(
            services.GRANT,
            singular="grant",
            plural="grants",
            slug="grants",
            input=s.GrantIn,
            output=s.GrantOut,
            revoke_input=s.RevokeIn,
            visible=selectors.grants_for,
            filterset=GrantFilter,
            create=services.grant_create,
            require_create=_require_in_production,
            document=DocumentWords(label="Contract", asks="the signed contract"),
        ),
        RecordKind(
            services.CONSENT,
            singular="consent",
            plural="consents",
            slug="consents",
            input=s.ConsentIn,
            output=s.ConsentOut,
            revoke_input=s.ConsentRevokeIn,
            visible=selectors.consents_for,
            filterset=ConsentFilter,
            create=services.consent_create,
            require_create=_require_in_production,
            proofs=True,
            document=DocumentWords(label="Signed consent form", asks="the signed consent form"),
        ),
        RecordKind(
            services.RESERVATION,
            singular="reservation",
            plural="reservations",
            slug="reservations",
            input=s.ReservationIn,
            output=s.ReservationOut,
            revoke_input=s.RevokeIn,
            visible=selectors.reservations_for,
            filterset=ReservationFilter,
            create=services.reservation_create,
            require_create=_require_for_subject,
        ),
    )
}
