"""The gate's API: submit (the decision comes back at once), sign off, queue, retry, engines."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from rightsledger import access
from rightsledger import selectors as rl_selectors
from rightsledger.api.ledger_views import proof_file_response
from rightsledger.api.lookup import WholeNumberLookup
from rightsledger.api.parsers import JSONParser
from rightsledger.api.serializers import StrictSerializer
from rightsledger.ledger import prooffiles

from .. import disclosure_pack, fastpaths, selectors, services
from ..engines import all_engines
from ..models import GenerationOutput, GenerationRequest
from ..values import check_answer
from . import serializers as s


def _asset_ids(values: dict) -> list[int]:
    return [item["asset"] for item in values["inputs"] if item["asset"] is not None]


def parse_request(request, data) -> dict:
    """Parse a generation request (JSON, or a form with files) into the service's arguments, and
    check that the user may request generations for its shot. Shared by the API and the portal."""
    values = fastpaths.plain_request_in(data)
    # The inputs' assets among those the user may see: whether one belongs to the production is
    # the service's rule. A plain request reads them with the shot, in one statement.
    shot, assets = (
        rl_selectors.gate_reads(request.user, values.pop("shot"), _asset_ids(values))
        if values
        else (None, None)
    )
    if shot is None:  # not plain, or no such shot: the serializer says what is wrong
        parsed = s.RequestIn(data=data, context={"request": request})
        parsed.is_valid(raise_exception=True)
        values = dict(parsed.validated_data)
        shot, assets = values.pop("shot"), None
    access.require(request.user, shot.production, access.SHOT_ROLES, "request generations")
    if assets is None:
        assets = rl_selectors.gate_assets(request.user, _asset_ids(values))
    inputs = []
    items = values.pop("inputs")
    for n, item in enumerate(items, start=1):
        asset = None
        if item["asset"] is not None:
            asset = assets.get(item["asset"])
            if asset is None:
                raise ValidationError(
                    {"inputs": [ErrorDetail(f"Input {n}: no asset {item['asset']}.", code="asset_unknown")]}
                )
        upload = request.FILES.get(item["upload"]) if item["upload"] else None
        if item["upload"] and upload is None:
            raise ValidationError(
                {
                    "inputs": [
                        ErrorDetail(
                            f"Input {n}: no uploaded file field named {item['upload']!r} in the form.",
                            code="upload_missing",
                        )
                    ]
                }
            )
        inputs.append(
            {
                "asset": asset,
                "upload": upload,
                "role": item["role"],
                "modality": item["modality"],
                "frames": item.get("frames"),
            }
        )
    return dict(production=shot.production, shot=shot, inputs=inputs, **values)


class GenerationRequestViewSet(
    WholeNumberLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.RequestOut
    parser_classes = [JSONParser, parsers.MultiPartParser, parsers.FormParser]
    filterset_fields = ["production", "shot", "status", "engine", "requester"]

    def get_queryset(self):
        qs = GenerationRequest.objects.prefetch_related(
            "inputs", "decisions", "sign_offs", "talents"
        ).order_by("-id")
        return access.filter_by_production(qs, self.request.user)

    def respond(self, request_obj, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=request_obj.pk)
        return Response(s.RequestOut(fresh, context={"request": self.request}).data, status=code)

    def parse(self, request):
        return parse_request(request, request.data)

    @extend_schema(
        request=s.RequestIn,
        responses={201: s.RequestOut},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description=(
                    "A key of your choosing, unique per request you mean to make: sending it again "
                    "(after a lost answer or a 503) returns the request it made instead of making another."
                ),
            )
        ],
    )
    def create(self, request):
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= 255 and key.isprintable()):
            raise ValidationError(
                {
                    "Idempotency-Key": [
                        ErrorDetail(
                            "Give an Idempotency-Key of 1 to 255 printable characters, such as a UUID.",
                            code="idempotency_key_invalid",
                        )
                    ]
                }
            )
        req = services.request_submit(actor=request.user, idempotency_key=key, **self.parse(request))
        return self.respond(req, status.HTTP_201_CREATED)

    @extend_schema(request=s.RequestIn, responses={200: s.CheckOut})
    @action(detail=False, methods=["post"])
    def check(self, request):
        """What the gate would decide for this request, recording nothing."""
        return Response(check_answer(services.request_check(**self.parse(request))))

    def _get(self, roles, verb):
        obj = self.get_object()
        access.require(self.request.user, obj.production, roles, verb)
        return obj

    @extend_schema(request=s.SignOffIn, responses={200: s.RequestOut})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        obj = self._get(access.CLEARANCE_ROLES, "sign off generation requests")
        parsed = s.SignOffIn(data=request.data)
        parsed.is_valid(raise_exception=True)
        services.request_sign_off(actor=request.user, request=obj, **parsed.validated_data)
        return self.respond(obj)

    @extend_schema(request=None, responses={202: s.RequestOut})
    @action(detail=True, methods=["post"])
    def queue(self, request, pk=None):
        obj = self._get(access.SHOT_ROLES, "queue generations")
        StrictSerializer(data=request.data).is_valid(raise_exception=True)
        return self.respond(services.request_queue(actor=request.user, request=obj), status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: s.RequestOut})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        obj = self._get(access.SHOT_ROLES, "retry generations")
        return self.respond(services.request_retry(actor=request.user, request=obj), status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={(200, "text/plain"): bytes},
        description=(
            "The ledger entry that recorded the request's output (generation.output_recorded, which "
            "names the signed file's SHA-256 and the decision that allowed it) as a C2SP tlog-proof "
            "file, which `rightsledger-verify proof` checks offline. 404 without an output; 409 "
            "until a checkpoint covers the entry."
        ),
    )
    @action(detail=True, methods=["get"], url_path="output/proof-file")
    def output_proof_file(self, request, pk=None):
        obj = self.get_object()
        output = get_object_or_404(GenerationOutput, request=obj)
        return proof_file_response(prooffiles.record_proof_file(output), prooffiles.output_file_name(obj.pk))

    @extend_schema(request=s.DisclosureIn, responses={200: dict})
    @action(detail=True, methods=["get", "post"])
    def disclosure(self, request, pk=None):
        """The output's position under Art. 50 of the EU AI Act (the latest) and every earlier one;
        POST: clearance records a new position, with why. 404 without an output."""
        obj = self.get_object()
        parsed = None
        if request.method == "POST":
            access.require(
                request.user, obj.production, access.CLEARANCE_ROLES, "decide an output's disclosure"
            )
            parsed = s.DisclosureIn(data=request.data)
            parsed.is_valid(raise_exception=True)
        output = GenerationOutput.objects.filter(request=obj).first()
        if output is None:
            raise Http404("This request has no output yet: a position is recorded once its output is kept.")
        if parsed is not None:
            services.disclosure_decide(actor=request.user, output=output, **parsed.validated_data)
        history = list(output.disclosures.order_by("-id"))
        return Response(
            {
                "output_asset": output.asset_id,
                "current": s.DisclosureOut(history[0]).data if history else None,
                "history": s.DisclosureOut(history, many=True).data,
            }
        )


class ContinuityApi(APIView):
    """Character continuity: for each registered performer whose face was found in a shot's (or a
    production's) outputs, each face's identity distance to their reference and its exposure and
    colour (mean L*a*b*) against the performer's median, with the faces flagged and why."""

    @extend_schema(responses={200: dict})
    def get(self, request, production=None, shot=None):
        if shot is not None:
            found = rl_selectors.shots_for(request.user).filter(pk=shot).first()
            outputs = GenerationOutput.objects.filter(request__shot=found)
        else:
            found = rl_selectors.productions_for(request.user).filter(pk=production).first()
            outputs = GenerationOutput.objects.filter(request__production=found)
        if found is None:
            raise Http404(f"No such {'shot' if shot is not None else 'production'}.")
        report = selectors.continuity_report(
            outputs, match_limit=settings.FACE_MATCH_DISTANCE, with_shot=shot is None
        )
        return Response(report.as_dict())


class DisclosurePackApi(APIView):
    """A production's disclosure pack: every AI-generated output, its marks and whether each reads
    back from the stored file, its disclosure position and who decided it, and the credits text."""

    @extend_schema(responses={200: dict})
    def get(self, request, production):
        found = rl_selectors.productions_for(request.user).filter(pk=production).first()
        if found is None:
            raise Http404("No such production.")
        pack = disclosure_pack.disclosure_pack(found)
        return Response(
            {
                "production": found.pk,
                "credits": pack.credits,
                "all_marks_read_back": not pack.failed,
                "outputs": [
                    {
                        "request": r.output.request_id,
                        "output_asset": r.output.asset_id,
                        "shot": r.output.request.shot.code,
                        "manifest": r.marks.manifest_label,
                        "watermark_id": r.marks.watermark_id or None,
                        "timestamp": r.marks.timestamp or None,
                        "checks": [
                            {"mark": c.mark, "passed": c.passed, "detail": c.detail} for c in r.marks.checks
                        ],
                        "disclosure": s.DisclosureOut(r.disclosure).data if r.disclosure else None,
                    }
                    for r in pack.rows
                ],
            }
        )


class EngineListApi(APIView):
    """The engines this service can run, with their versions, uses and parameters."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(
            {"engines": [e.describe() for e in sorted(all_engines().values(), key=lambda e: e.name)]}
        )


class RevocationImpactApi(APIView):
    """What relied on a grant or consent (any version of it): the shots, requests and outputs
    whose decisions named it, and the requests still waiting to run, which a revocation stops;
    of these, only the caller's productions' (relied_on: whether anything relied on it at all)."""

    @extend_schema(responses={200: dict})
    def get(self, request, kind, pk):
        selector = {"grant": rl_selectors.grants_for, "consent": rl_selectors.consents_for}.get(kind)
        record = selector(request.user).filter(pk=pk).first() if selector else None
        if record is None:
            raise Http404(f"No such {kind}.")
        impact = selectors.revocation_impact(kind, record.chain, user=request.user)
        return Response(
            {
                "record_type": kind,
                "versions": impact["versions"],
                "relied_on": impact["relied_on"],
                "shots": [{"id": s.pk, "code": s.code} for s in impact["shots"]],
                "requests": [
                    {"id": r.pk, "shot": r.shot.code, "status": r.status} for r in impact["requests"]
                ],
                "pending": [r.pk for r in impact["pending"]],
                "outputs": [
                    {"asset": o.asset_id, "request": o.request_id, "sha256": o.asset.sha256}
                    for o in impact["outputs"]
                ],
            }
        )
