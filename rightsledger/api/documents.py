"""A record's document through the API: a grant or consent created (or amended) with its contract or
signed form in a multipart body, and the document downloaded by whoever may read the record.

A multipart body has two parts: the same JSON the operation takes otherwise, as text, in the part
named by the operation (`record` to create, `amendment` to amend), and the file, in `document`.
The JSON keeps its types (lists, true and false), which form fields would lose."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import parsers
from rest_framework.decorators import action

from .. import aipref, input_policy, selectors
from ..errors import PayloadTooLarge
from ..models import Document
from ..services.documents import DOCUMENT_FIELD

# What a record kind with a document takes: JSON, or the JSON and the file as multipart.
DOCUMENT_PARSERS = (parsers.MultiPartParser,)
# The multipart part that holds the JSON, by the operation.
JSON_PARTS = {"create": "record", "amend": "amendment"}


def refuse_oversize(request) -> None:
    """Refuse an upload from its declared length, before reading it (a length that is not digits
    never gets here: config.middleware.ContentLengthMiddleware refuses it)."""
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.ASSET_MAX_BYTES + 64 * 1024:
        raise PayloadTooLarge(
            f"The upload is {declared:,} bytes; the most this "
            f"service accepts is {settings.ASSET_MAX_BYTES:,} bytes."
        )


def body_and_document(request, part: str):
    """Return (the JSON body, the uploaded document or None): a JSON request's body, or a multipart
    body's JSON part (text, or a file of JSON) and its document. Refuse a multipart body with
    other parts, without the JSON part, or with more than one document."""
    if not request.content_type.startswith("multipart/"):
        return request.data, None
    refuse_oversize(request)
    unknown = sorted(set(request.data.keys()) - {part, DOCUMENT_FIELD})
    if unknown:
        raise ValidationError(
            {
                name: ValidationError(
                    f"Unknown part {name!r}: a multipart body takes {part!r} (the JSON, as text) "
                    f"and {DOCUMENT_FIELD!r} (the file).",
                    code="unknown_field",
                )
                for name in unknown
            }
        )
    if len(request.data.getlist(DOCUMENT_FIELD)) > 1:
        raise ValidationError(
            {DOCUMENT_FIELD: ValidationError("Send one document, not several.", code="too_many")}
        )
    text = request.data.get(part)
    if isinstance(text, UploadedFile):
        text = text.read(input_policy.JSON_MAX_BYTES + 1)
    if not text:
        raise ValidationError(
            {part: ValidationError(f"Send the JSON in the part named {part!r}.", code="required")}
        )
    data = input_policy.json_value(text, field=part)
    if not isinstance(data, dict):
        raise ValidationError({part: ValidationError(f"{part} must be a JSON object.", code="invalid")})
    document = request.data.get(DOCUMENT_FIELD)
    if document is not None and not isinstance(document, UploadedFile):
        raise ValidationError(
            {DOCUMENT_FIELD: ValidationError("Send the document as a file.", code="invalid")}
        )
    return data, document


def document_response(request, document: Document) -> FileResponse:
    """Return a record's document as a download named by its original file name, carrying the
    reservation from AI training and mining that the other downloads carry."""
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.media_type,
        as_attachment=True,
        filename=document.original_filename,
    )
    return aipref.reserve(response, request)  # AI Preferences, TDMRep and the robots convention


def record_document_or_404(record, noun: str) -> Document:
    """Return the record's document; 404, saying why, where it was never uploaded."""
    document = selectors.record_document(record)
    if document is None:
        raise Http404(
            f"This {noun}'s document was not uploaded: it stays with the studio's legal team, and "
            "only its SHA-256 is recorded."
        )
    return document


# The document action, for a kind whose records have a document (a model's document_field). No
# docstring: the schema describes a viewset by the first of its classes, which is to be RecordViewSet's.
class DocumentMixin:
    @extend_schema(
        responses={(200, "*/*"): bytes},
        description=(
            "The record's document (a grant's contract, a consent's signed form), named by its "
            "original file name, in its own media type (application/pdf, image/png...). 404 where "
            "the document stays with the studio's legal team and only its SHA-256 is recorded."
        ),
    )
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        return document_response(request, record_document_or_404(self.get_object(), self.noun))
