"""Provenance over HTTP: verify a file, an asset's lineage (JSON, PROV-JSON, SVG), TDMRep,
training clearance."""

import re

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from rightsledger import aipref
from rightsledger.api.parsers import JSONParser
from rightsledger.api.serializers import StrictSerializer
from rightsledger.api.throttling import ClientScopedRateThrottle
from rightsledger.api.tokens import TokenScope
from rightsledger.input_policy import whole_number

from .. import lineage, selectors, softbinding
from ..clearance import verdict, verdicts_by_fingerprint
from ..models import SignedOutput
from ..phash import to_signed


class VerifyIn(serializers.Serializer):
    file = serializers.FileField()


class VerifyApi(APIView):
    """Check a file's Content Credentials. Anyone may ask."""

    permission_classes = [AllowAny, TokenScope]
    writes_nothing = True  # a question about a file
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(request={"multipart/form-data": VerifyIn}, responses={200: dict})
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Upload the file to verify as the multipart field 'file'."]})
        if upload.size > settings.ASSET_MAX_BYTES:
            raise ValidationError(
                {"file": [f"The file is over the limit of {settings.ASSET_MAX_BYTES:,} bytes."]}
            )
        data = upload.read()
        media_type = selectors.sniff_media_type(data)
        if media_type is None:
            raise ValidationError(
                {
                    "file": [
                        f"{upload.name!r} is not a format Content "
                        "Credentials can be read from (JPEG, PNG, MP4, ...)."
                    ]
                }
            )
        return Response(selectors.verify(data, media_type))


class LineageApi(APIView):
    """An asset's ancestors and descendants, with the edges between them."""

    def _found(self, request, pk):
        found = lineage.lineage_for(request.user, pk)
        if found is None:
            raise Http404("No such asset.")
        return found

    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        found = self._found(request, pk)
        return Response(
            {
                "asset": found.asset.pk,
                "ancestors": [{"asset": a, "depth": d} for a, d in sorted(found.ancestors.items())],
                "descendants": [{"asset": a, "depth": d} for a, d in sorted(found.descendants.items())],
                "edges": [
                    {
                        "parent": e.parent_id,
                        "child": e.child_id,
                        "role": e.role,
                        "decision_seq": e.decision_seq,
                    }
                    for e in found.edges
                ],
            }
        )


class LineageProvApi(LineageApi):
    """An asset's lineage as a W3C PROV-JSON document."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        found = self._found(request, pk)
        document = lineage.prov_document(found.assets, found.edges).serialize(format="json")
        return HttpResponse(document, content_type="application/json")


class LineageSvgApi(LineageApi):
    """An asset's lineage drawn as an SVG picture."""

    @extend_schema(responses={(200, "image/svg+xml"): OpenApiTypes.STR})
    def get(self, request, pk):
        found = self._found(request, pk)
        return HttpResponse(lineage.svg(found.assets, found.edges), content_type="image/svg+xml")


# Public and read-only: no CSRF check, so a wrong method is answered 405 rather than a CSRF page.
@csrf_exempt
@require_safe
def tdmrep(request):
    """TDMRep (W3C CG): every generated output this service serves reserves text and data mining."""
    policy = request.build_absolute_uri(aipref.TDM_POLICY_PATH)
    return JsonResponse(
        [
            {"location": path + "*", "tdm-reservation": 1, "tdm-policy": policy}
            for path in aipref.OUTPUT_PATHS
        ],
        safe=False,
    )


@csrf_exempt
@require_safe
def tdm_policy(request):
    """The ODRL policy that tdm-policy points to."""
    return JsonResponse(
        aipref.tdm_policy(
            request.build_absolute_uri(aipref.TDM_POLICY_PATH),
            settings.TDM_POLICY_ASSIGNER or request.build_absolute_uri("/"),
        ),
        content_type="application/ld+json",
    )


@csrf_exempt
@require_safe
def robots(request):
    """robots.txt with the AI Preferences rule for the paths outputs are served from."""
    return HttpResponse(aipref.robots_txt(), content_type="text/plain; charset=utf-8")


class TrainingClearanceIn(StrictSerializer):
    """A JSON batch: fingerprints, or SHA-256 hashes. Types are checked here; each item's form
    (hex digits, lengths) and the batch limits by the view, with messages that name the item."""

    fingerprints = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        allow_null=True,
        help_text='[{"sha256": "<64 hex>", "phash": "<16 hex>", "phashes": ["<16 hex>", ...]}]',
    )
    sha256 = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_null=True,
        help_text="SHA-256 hashes, 64 hex each",
    )


# The multipart form: the files themselves.
FILES_FORM = {
    "type": "object",
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
}


class TrainingClearanceApi(APIView):
    """May these files be used for AI training? Their fingerprints (JSON {"fingerprints":
    [{"sha256", "phash"}]}: what rightsledger-check sends by default, about 40 bytes a file), the
    files themselves (multipart 'files'), or SHA-256 lists (JSON {"sha256": [...]}), in bounded
    batches; rate-limited per client."""

    permission_classes = [AllowAny, TokenScope]
    # What a dataset builder's clearance-only token is for; a question, which a read-only token may ask.
    training_clearance = True
    writes_nothing = True
    parser_classes = [parsers.MultiPartParser, JSONParser]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "training_clearance"

    @extend_schema(
        request={"application/json": TrainingClearanceIn, "multipart/form-data": FILES_FORM},
        responses={200: dict},
    )
    def post(self, request):
        files = request.FILES.getlist("files")
        data = request.data if hasattr(request.data, "get") else {}
        if not files and type(data) is dict:  # a JSON body (a form is a QueryDict, its values text)
            parsed = TrainingClearanceIn(data=data)
            parsed.is_valid(raise_exception=True)
            data = parsed.validated_data
        if not files and data.get("fingerprints") is not None:
            return Response({"results": self.by_fingerprint(data.get("fingerprints"))})
        limit = settings.TRAINING_CLEARANCE_MAX_ITEMS
        hashes = data.get("sha256") if not files else None
        if not files and not hashes:
            raise ValidationError(
                {
                    "files": [
                        "Send fingerprints (JSON 'fingerprints'), files (multipart "
                        "field 'files') or a JSON list of SHA-256 hashes under 'sha256'."
                    ]
                }
            )
        if len(files or hashes) > limit:
            raise ValidationError(
                {"files" if files else "sha256": [f"At most {limit} items per request; split the batch."]}
            )
        results = []
        if files:
            for f in files:
                if f.size > settings.ASSET_MAX_BYTES:
                    raise ValidationError(
                        {"files": [f"{f.name} is over the limit of {settings.ASSET_MAX_BYTES:,} bytes."]}
                    )
                results.append({"item": f.name, **verdict(data=f.read())})
        else:
            if not isinstance(hashes, list) or not all(
                isinstance(h, str) and re.fullmatch(r"[0-9a-fA-F]{64}", h) for h in hashes
            ):
                raise ValidationError(
                    {"sha256": ["Give a list of SHA-256 hashes, 64 hexadecimal characters each."]}
                )
            results = [{"item": h.lower(), **verdict(sha256=h.lower())} for h in hashes]
        return Response({"results": results})

    @staticmethod
    def by_fingerprint(items) -> list[dict]:
        limit = settings.TRAINING_CLEARANCE_MAX_FINGERPRINTS
        if not isinstance(items, list) or not items:
            raise ValidationError(
                {"fingerprints": ['Give a list such as [{"sha256": "<64 hex>", "phash": "<16 hex>"}].']}
            )
        if len(items) > limit:
            raise ValidationError(
                {"fingerprints": [f"At most {limit} fingerprints per request; split the batch."]}
            )
        parsed = []
        hex16 = re.compile(r"[0-9a-fA-F]{16}")
        for n, item in enumerate(items, start=1):
            sha, ph, frames = (
                (item.get("sha256"), item.get("phash"), item.get("phashes"))
                if isinstance(item, dict)
                else (None, None, None)
            )
            if not (isinstance(sha, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha)) or not (
                ph is None or isinstance(ph, str) and hex16.fullmatch(ph)
            ):
                raise ValidationError(
                    {
                        "fingerprints": [
                            f"Fingerprint {n}: give sha256 as 64 hexadecimal "
                            "characters and phash as 16 (or null)."
                        ]
                    }
                )
            # A clip: the pHashes of its sampled frames.
            if frames is not None and not (
                isinstance(frames, list)
                and len(frames) <= settings.TRAINING_CLEARANCE_MAX_FRAMES
                and all(isinstance(f, str) and hex16.fullmatch(f) for f in frames)
            ):
                raise ValidationError(
                    {
                        "fingerprints": [
                            f"Fingerprint {n}: phashes is a list of at most "
                            f"{settings.TRAINING_CLEARANCE_MAX_FRAMES} pHashes "
                            "of a clip's frames, each 16 hexadecimal characters."
                        ]
                    }
                )
            parsed.append(
                {
                    "sha256": sha.lower(),
                    "phash": to_signed(int(ph, 16)) if ph else None,
                    "phashes": [to_signed(int(f, 16)) for f in frames or []],
                }
            )
        return [{"item": p["sha256"], **v} for p, v in zip(parsed, verdicts_by_fingerprint(parsed))]


MAX_RESULTS = OpenApiParameter("maxResults", int, description="1 to 100; 10 if not given")


class SoftBindingByBindingApi(APIView):
    """C2PA Soft Binding Resolution API: manifests matching a soft-binding value."""

    permission_classes = [AllowAny, TokenScope]
    # Resolving a stripped copy to its credentials is part of a training-clearance check.
    training_clearance = True

    @extend_schema(
        parameters=[
            OpenApiParameter("alg", str, required=True),
            OpenApiParameter("value", str, required=True, description="base64"),
            MAX_RESULTS,
        ],
        responses={200: dict},
    )
    def get(self, request):
        alg, value = request.query_params.get("alg"), request.query_params.get("value")
        if not alg or not value:
            raise ValidationError({"alg": ["Give alg and value (base64)."]})
        return Response({"matches": softbinding.by_binding(alg, value, _max_results(request))})


class SoftBindingByContentApi(APIView):
    """C2PA Soft Binding Resolution API: manifests of outputs that this content is a copy of."""

    permission_classes = [AllowAny, TokenScope]
    # Resolving a stripped copy to its credentials is part of a training-clearance check.
    training_clearance = True
    writes_nothing = True
    parser_classes = [parsers.FileUploadParser]

    @extend_schema(
        request={"application/octet-stream": bytes},
        responses={200: dict},
        parameters=[OpenApiParameter("alg", str), MAX_RESULTS],
    )
    def post(self, request, filename=None):
        limit = _max_results(request)
        data = request.body
        if not data:
            raise ValidationError({"content": ["Send the content (the image bytes) as the request body."]})
        if len(data) > settings.ASSET_MAX_BYTES:
            raise ValidationError(
                {"content": [f"The content is over the limit of {settings.ASSET_MAX_BYTES:,} bytes."]}
            )
        alg = request.query_params.get("alg") or None
        return Response({"matches": softbinding.by_content(data, alg, limit)})


class SoftBindingManifestApi(APIView):
    """C2PA Soft Binding Resolution API: a manifest store by its manifest identifier."""

    permission_classes = [AllowAny, TokenScope]
    # Resolving a stripped copy to its credentials is part of a training-clearance check.
    training_clearance = True

    @extend_schema(responses={(200, "application/c2pa"): bytes})
    def get(self, request, manifest_id):
        signed = SignedOutput.objects.filter(manifest_label=manifest_id).first()
        if signed is None or not signed.manifest_store:
            raise Http404("No manifest with that identifier.")
        return HttpResponse(bytes(signed.manifest_store), content_type="application/c2pa")


def _max_results(request) -> int:
    """Return maxResults: 10 if it is not given, at most 100; not a whole number, it is refused."""
    value = request.query_params.get("maxResults")
    return 10 if value is None else max(1, min(whole_number(value, field="maxResults"), 100))
