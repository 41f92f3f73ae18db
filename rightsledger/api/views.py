"""The rights API. Each view checks access, calls one service or selector, and answers.

Records are created, listed and retrieved; grants, consents and reservations change only through
the amend and revoke actions, which write a new version (there is no PUT or PATCH).
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access, aipref, erasure, selectors, services, vocab
from ..downloads import asset_download_name
from ..ledger import prooffiles, proofs
from ..models import Asset, Guild, LedgerEntry, Talent
from ..signals import asset_content_requested
from . import records, rows
from . import serializers as s
from .documents import DOCUMENT_PARSERS, JSON_PARTS, DocumentMixin, body_and_document, refuse_oversize
from .filtering import StrictBooleanFilter, StrictFilterSet, id_filter
from .ledger_views import proof_file_response
from .lookup import WholeNumberLookup
from .pagination import LedgerPagination
from .parsers import JSONParser
from .schema import VersionedSchema


class ReadCreateViewSet(
    WholeNumberLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    input_class = None
    output_class = None

    def get_serializer_class(self):
        return self.output_class

    def parsed(self, serializer_class=None, data=None, partial=False):
        serializer = (serializer_class or self.input_class)(
            data=self.request.data if data is None else data,
            context={"request": self.request},
            partial=partial,
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def created(self, obj, code=status.HTTP_201_CREATED):
        return Response(self.output_class(obj, context={"request": self.request}).data, status=code)


# --- Studios, productions, shots, parties, guilds, talent ------------------------------------


class StudioViewSet(ReadCreateViewSet):
    input_class = s.StudioIn
    output_class = s.StudioOut

    def get_queryset(self):
        return selectors.studios_for(self.request.user)

    @extend_schema(request=s.StudioIn, responses={201: s.StudioOut})
    def create(self, request):
        access.require_studio_creator(request.user)
        return self.created(services.studio_create(actor=request.user, **self.parsed()))


class ProductionViewSet(ReadCreateViewSet):
    input_class = s.ProductionIn
    output_class = s.ProductionOut
    filterset_fields = ["studio", "code"]

    def get_queryset(self):
        return selectors.productions_for(self.request.user)

    @extend_schema(request=s.ProductionIn, responses={201: s.ProductionOut})
    def create(self, request):
        data = self.parsed()
        access.require_production_creator(request.user, data["studio"].pk)
        return self.created(services.production_create(actor=request.user, **data))

    @extend_schema(request=s.LabelIn, responses={200: s.ProductionOut})
    @action(detail=True, methods=["post"])
    def label(self, request, pk=None):
        """Switch on, change or switch off the visible label burned into the production's outputs
        before they are signed: its words (empty: "AI-generated") and its corner."""
        production = self.get_object()
        access.require(request.user, production, access.CLEARANCE_ROLES, "set the production's visible label")
        data = self.parsed(s.LabelIn)
        return self.created(
            services.production_label_set(actor=request.user, production=production, **data),
            status.HTTP_200_OK,
        )


class ShotViewSet(ReadCreateViewSet):
    input_class = s.ShotIn
    output_class = s.ShotOut
    filterset_fields = ["production", "code", "sequence"]

    def get_queryset(self):
        return selectors.shots_for(self.request.user)

    @extend_schema(request=s.ShotIn, responses={201: s.ShotOut})
    def create(self, request):
        data = self.parsed()
        access.require(request.user, data["production"], access.SHOT_ROLES, "create shots")
        return self.created(services.shot_create(actor=request.user, **data))


class PartyViewSet(ReadCreateViewSet):
    input_class = s.PartyIn
    output_class = s.PartyOut
    filterset_fields = ["studio", "kind"]

    def get_queryset(self):
        return selectors.parties_for(self.request.user)

    @extend_schema(request=s.PartyIn, responses={201: s.PartyOut})
    def create(self, request):
        data = self.parsed()
        access.require_studio(request.user, data["studio"].pk, "record parties")
        return self.created(services.party_create(actor=request.user, **data))


class GuildViewSet(ReadCreateViewSet):
    input_class = s.GuildIn
    output_class = s.GuildOut
    queryset = Guild.objects.all()

    @extend_schema(request=s.GuildIn, responses={201: s.GuildOut})
    def create(self, request):
        access.require_guild_registrar(request.user)
        return self.created(services.guild_create(actor=request.user, **self.parsed()))


class TalentFilter(StrictFilterSet):
    guild = id_filter("memberships__guild")
    is_deceased = StrictBooleanFilter()
    is_minor = StrictBooleanFilter()
    name = django_filters.CharFilter(method="by_name")

    def by_name(self, qs, name, value):
        return selectors.talent_named(qs, value)

    class Meta:
        model = Talent
        fields = ["guild", "is_deceased", "is_minor"]


class TalentViewSet(ReadCreateViewSet):
    input_class = s.TalentIn
    output_class = s.TalentOut
    filterset_class = TalentFilter

    def get_queryset(self):
        return access.talent_visible(self.request.user).prefetch_related("memberships")

    @extend_schema(request=s.TalentIn, responses={201: s.TalentOut})
    def create(self, request):
        if not access.can_register_talent(request.user):
            raise PermissionDenied("Only clearance users and studio admins may register talent.")
        return self.created(services.talent_create(actor=request.user, **self.parsed()))

    @extend_schema(request=s.ErasureIn, responses={200: s.TalentOut})
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        """Erase the performer's personal data (names, ids, the personal fields of their consents),
        revoking their consents in force; the ledger keeps its commitments and a tombstone."""
        talent = self.get_object()
        access.require_operator(request.user, "erase a performer's personal data, on a verified request")
        erased = services.talent_erase(actor=request.user, talent=talent, **self.parsed(s.ErasureIn))
        return Response(s.TalentOut(erased, context={"request": request}).data)

    @extend_schema(responses={200: s.ErasurePreviewOut})
    @action(detail=True, methods=["get"], url_path="erasure-preview")
    def erasure_preview(self, request, pk=None):
        """List every text field of every record that names the performer (their names, aliases
        and ids): what an erasure would redact, for clearance to confirm."""
        talent = self.get_object()
        access.require_operator(request.user, "preview the erasure of a performer's personal data")
        found = erasure.erasure_preview(talent)
        fields = [{"key": f.key, **vars(f)} for f in found]
        return Response(s.ErasurePreviewOut({"talent": talent.pk, "fields": fields}).data)


# --- Assets ------------------------------------------------------------------------------------


class AssetViewSet(ReadCreateViewSet):
    input_class = s.AssetIn
    output_class = s.AssetOut
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, JSONParser]
    filterset_fields = ["production", "kind", "origin", "sha256", "owner"]

    def get_queryset(self):
        return selectors.assets_for(self.request.user)

    @extend_schema(request={"multipart/form-data": s.AssetIn}, responses={201: s.AssetOut, 200: s.AssetOut})
    def create(self, request):
        refuse_oversize(request)
        data = self.parsed()
        access.require(request.user, data["production"], access.CLEARANCE_ROLES, "register assets")
        asset, created = services.asset_register(
            actor=request.user,
            production=data["production"],
            upload=data["file"],
            kind=data["kind"],
            owner=data["owner"],
            talent=data["talent"],
            title=data["title"],
        )
        return self.created(asset, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        responses={(200, "*/*"): bytes},
        description="The asset's bytes, in its own media type (image/png, video/mp4...).",
    )
    @action(detail=True, methods=["get"])
    def content(self, request, pk=None):
        asset: Asset = self.get_object()
        asset_content_requested.send(sender=Asset, asset=asset, user=request.user)
        response = FileResponse(
            asset.file.open("rb"),
            content_type=asset.media_type,
            as_attachment=True,
            filename=asset_download_name(asset),  # an output's is its people's name (downloads)
        )
        if asset.origin == "generated":
            aipref.reserve(response, request)  # AI Preferences, TDMRep and the robots convention
        return response


# --- Versioned records: one viewset a kind of the registry (rightsledger.api.records) -----------


class RecordViewSet(ReadCreateViewSet):
    """Create, list, retrieve, and change only by amend or revoke (a new version each)."""

    record: records.RecordKind
    schema = VersionedSchema()

    def get_queryset(self):
        return self.record.visible(self.request.user).order_by("-id")

    def list(self, request):
        columns, m2m = rows.plan(self.output_class)
        qs = self.filter_queryset(self.get_queryset()).prefetch_related(None).values(*columns)
        page = rows.render(self.paginate_queryset(qs), self.output_class.Meta.model, m2m)
        if hasattr(self.output_class, "finish"):
            self.output_class.finish(page, request.user)
        return self.get_paginated_response(page)

    def create(self, request):
        body, document = body_and_document(request, JSON_PARTS["create"])
        data = self.parsed(data=body)
        self.record.require_create(request.user, data, f"record {self.record.plural}")
        uploaded = {"document": document} if document is not None else {}
        return self.created(self.record.create(actor=request.user, **data, **uploaded))

    def get_object_for_change(self, verb):
        record = self.get_object()
        access.require_record_change(self.request.user, self.record.production_of(record), verb)
        return record

    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        record = self.get_object_for_change(f"amend {self.record.plural}")
        body, document = body_and_document(request, JSON_PARTS["amend"])
        outer = self.parsed(s.AmendIn, data=body)
        changes = self.parsed(self.input_class, data=outer["changes"], partial=True)
        new = self.record.amend(
            actor=request.user, record=record, changes=changes, reason=outer["reason"], document=document
        )
        return self.created(new)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        record = self.get_object_for_change(f"revoke {self.record.plural}")
        data = self.parsed(self.revoke_class)
        return self.created(self.record.revoke(actor=request.user, record=record, **data))

    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        record = self.get_object()
        versions = self.get_queryset().filter(chain=record.chain).order_by("version")
        entries = selectors.ledger_entries_for(request.user).filter(record_type=self.noun, chain=record.chain)
        return Response(
            {
                "versions": self.output_class(versions, many=True, context={"request": request}).data,
                "ledger_entries": s.LedgerEntryOut(entries.order_by("seq"), many=True).data,
            }
        )


# The proofs action, for a kind whose records guilds verify offline (RecordKind.proofs). No
# docstring: the schema describes a viewset by the first in its classes, which is to be RecordViewSet's.
class ProofsMixin:
    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def proofs(self, request, pk=None):
        """The record's ledger entries with inclusion proofs to the latest checkpoint: a bundle
        that rightsledger-verify checks offline."""
        record = self.get_object()
        entries = selectors.ledger_entries_for(request.user).filter(record_type=self.noun, chain=record.chain)
        response = Response(proofs.proof_bundle(list(entries.order_by("seq"))))
        response["Content-Disposition"] = f'attachment; filename="{self.noun}-{record.chain}-proofs.json"'
        return response

    @extend_schema(
        responses={(200, "text/plain"): bytes},
        description=(
            "This version's ledger entry as a C2SP tlog-proof file: the entry, its inclusion proof "
            "and a checkpoint with the witnesses' cosignatures, which `rightsledger-verify proof` "
            "checks offline. 409 until a checkpoint covers the entry."
        ),
    )
    @action(detail=True, methods=["get"], url_path="proof-file")
    def proof_file(self, request, pk=None):
        record = self.get_object()
        return proof_file_response(prooffiles.record_proof_file(record), prooffiles.record_file_name(record))


def record_viewset(record: records.RecordKind) -> type[RecordViewSet]:
    """Return the viewset of a kind of versioned record, made from its registry entry."""
    attrs = {
        "__module__": __name__,
        "__qualname__": f"{record.name.title()}ViewSet",
        "record": record,
        "noun": record.name,
        "input_class": record.input,
        "output_class": record.output,
        "revoke_class": record.revoke_input,
        "filterset_class": record.filterset,
    }
    if record.model.document_field:
        attrs["parser_classes"] = [JSONParser, *DOCUMENT_PARSERS]
    mixins_ = (ProofsMixin,) * record.proofs + (DocumentMixin,) * bool(record.model.document_field)
    bases = (*mixins_, RecordViewSet)
    return type(attrs["__qualname__"], bases, attrs)


RECORD_VIEWSETS = {name: record_viewset(record) for name, record in records.RECORDS.items()}


# --- Ledger and the caller ---------------------------------------------------------------------


class LedgerEntryFilter(StrictFilterSet):
    record_id = id_filter("record_id")

    class Meta:
        model = LedgerEntry
        fields = ["entry_type", "record_type", "record_id", "chain", "production"]


class LedgerEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.LedgerEntryOut
    pagination_class = LedgerPagination
    lookup_field = "seq"
    lookup_value_regex = "[0-9]+"
    filterset_class = LedgerEntryFilter

    def get_queryset(self):
        return selectors.ledger_entries_for(self.request.user).order_by("-seq")


class MeApi(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        roles = access.roles_of(request.user)
        return Response(
            {
                "username": request.user.username,
                "superuser": roles.superuser,
                "studio_admin_of": sorted(roles.studios),
                "productions": {str(pid): sorted(held) for pid, held in sorted(roles.productions.items())},
                "guilds": sorted(roles.guilds),
            }
        )


class VocabularyApi(APIView):
    """The fixed vocabularies the API accepts."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(
            {
                "grant_uses": vocab.GRANT_USES,
                "media": vocab.MEDIA,
                "asset_kinds": vocab.ASSET_KINDS,
                "party_kinds": vocab.PARTY_KINDS,
                "grantor_roles": vocab.GRANTOR_ROLES,
                "representation": vocab.REPRESENTATION,
                "replica_types": vocab.REPLICA_TYPES,
                "modalities": vocab.MODALITIES,
                "generation_uses": vocab.GENERATION_USES,
                "training_permissions": vocab.TRAINING_PERMISSIONS,
                "reservation_uses": vocab.RESERVATION_USES,
                "reservation_sources": vocab.RESERVATION_SOURCES,
                "territories": [vocab.WORLD, *sorted(vocab.TERRITORIES)],
            }
        )
