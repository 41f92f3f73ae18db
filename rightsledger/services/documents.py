"""A record's document: a grant's contract, a consent's signed form or other evidence. Checked from
its bytes (rightsledger.media.inspect_document), stored content-addressed beside the assets (the
same storage and the same store_content), and named by the record through the SHA-256 the server
computed, which the record's ledger entry commits to. The writes of records call these inside
their own transaction: a document is stored with its record, or not at all."""

from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .. import validation as v
from ..errors import Errors
from ..media import InspectedFile, inspect_document
from ..models import Document, Production, content_name
from .storage import content_unstore_unless_used, store_content

# The field an upload arrives in, in the API's multipart body and the portal's form alike.
DOCUMENT_FIELD = "document"


@dataclass(frozen=True)
class UploadedDocument:
    """A document checked and read, not yet stored."""

    info: InspectedFile
    content: bytes
    filename: str

    @property
    def sha256(self) -> str:
        return self.info.sha256


def document_read(upload, *, hash_field: str, given_sha256: str = "") -> UploadedDocument:
    """Check an uploaded document from its bytes and return it. Refuse a file that is not a PDF or
    an image, an empty one, one over ASSET_MAX_BYTES, and one sent with a SHA-256 (hash_field) of
    other bytes: the record would name one document and hold another."""
    errors = Errors()
    name = v.text(errors, DOCUMENT_FIELD, getattr(upload, "name", "") or "", limit=255)
    errors.raise_if_any()
    info, content = inspect_document(upload, field=DOCUMENT_FIELD)
    given = (given_sha256 or "").strip().lower()
    if given and given != info.sha256:
        raise ValidationError(
            {
                hash_field: ValidationError(
                    f"The file uploaded has the SHA-256 {info.sha256}, not the {given} given with it. "
                    "Upload the document whose SHA-256 you gave, or leave the SHA-256 out: the "
                    "server computes it from the file.",
                    code="document_hash_mismatch",
                )
            }
        )
    return UploadedDocument(info=info, content=content, filename=name)


@contextmanager
def document_stored(document: UploadedDocument | None):
    """Store the document's bytes content-addressed (once) around a record's write; if the write
    fails, remove them again unless something else uses them (after the outer transaction, where
    there is one, as asset_register does)."""
    if document is None:
        yield
        return
    _, written = store_content(document.sha256, document.content)
    try:
        yield
    except Exception:
        if written:
            transaction.on_commit(lambda: content_unstore_unless_used(document.sha256))
        raise


def document_record(document: UploadedDocument, *, production: Production, uploaded_by) -> Document:
    """Return the production's row of the document, made now if it is new (inside the record's
    transaction, after document_stored). The same bytes uploaded again keep their first row."""
    found = Document.objects.filter(production=production, sha256=document.sha256).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Document.objects.create(
                production=production,
                sha256=document.sha256,
                original_filename=document.filename,
                media_type=document.info.media_type,
                size=document.info.size,
                file=content_name(document.sha256),
                uploaded_by=uploaded_by,
            )
    except IntegrityError:
        # Uploaded at the same moment with another record: same bytes, same row.
        return Document.objects.get(production=production, sha256=document.sha256)
