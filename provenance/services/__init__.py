"""Writes of provenance, one module per idea: signing identities, signing stills and clips,
signing a generation's output and recording it, lineage edges, and what is read from an asset at
ingest (its Content Credentials and fingerprints). Callers import from here."""

from ..credentials import read_store, trust_context
from .faces import (
    asset_faces_scan,
    face_references,
    frames_faces,
    input_faces,
    output_faces_record,
    talent_faces_erase,
)
from .identities import (
    SigningError,
    active_identity,
    identity_dev_init,
    identity_register,
    signer_for,
)
from .ingest import asset_fingerprint, asset_ingest_credentials, store_fingerprints
from .lineage import lineage_record_many
from .outputs import (
    VERSION,
    Signing,
    ingredient_title,
    output_record,
    output_require_signable,
    output_sign,
    output_title,
)
from .signing import (
    THUMBNAIL_SIZE,
    _thumbnail,
    reserved_uses_for,
    sign_bytes,
    sign_file,
    sign_stream,
)
from .watermarks import (
    watermark_allocate,
    watermark_attach,
    watermark_read,
    watermark_read_bytes,
    watermark_still,
)

__all__ = [
    "THUMBNAIL_SIZE",
    "VERSION",
    "Signing",
    "SigningError",
    "_thumbnail",
    "active_identity",
    "asset_faces_scan",
    "asset_fingerprint",
    "face_references",
    "frames_faces",
    "input_faces",
    "output_faces_record",
    "talent_faces_erase",
    "asset_ingest_credentials",
    "identity_dev_init",
    "identity_register",
    "ingredient_title",
    "lineage_record_many",
    "output_record",
    "output_require_signable",
    "output_sign",
    "output_title",
    "read_store",
    "reserved_uses_for",
    "sign_bytes",
    "sign_file",
    "sign_stream",
    "signer_for",
    "store_fingerprints",
    "trust_context",
    "watermark_allocate",
    "watermark_attach",
    "watermark_read",
    "watermark_read_bytes",
    "watermark_still",
]
