"""Content Credentials read from files: validated against the trusted roots (the studio's, and
with C2PA_TRUST_DEVELOPMENT_ROOTS the development roots beside development identities' keys)."""

import io
import json
from pathlib import Path

import c2pa
from django.conf import settings

from .models import SigningIdentity


def trust_context() -> c2pa.Context:
    """A reading context that verifies trust against the roots in C2PA_TRUST_ANCHORS (and, with
    C2PA_TRUST_DEVELOPMENT_ROOTS, the development roots made beside development identities' keys)."""
    paths = [Path(p) for p in settings.C2PA_TRUST_ANCHORS if p]
    if settings.C2PA_TRUST_DEVELOPMENT_ROOTS:
        keys = (
            SigningIdentity.objects.filter(development=True)
            .exclude(key_path="")
            .values_list("key_path", flat=True)
        )
        paths += [root for root in (Path(k).with_name("root.pem") for k in keys) if root.exists()]
    anchors = "".join(p.read_text() for p in dict.fromkeys(paths))
    config = {"verify": {"verify_trust": True}}
    if anchors:
        config["trust"] = {"trust_anchors": anchors}
    return c2pa.Context(settings=c2pa.Settings.from_dict(config))


def read_store(data: bytes, media_type: str) -> dict | None:
    """Return the manifest store of a file, validated against the trusted roots; None if it has none."""
    try:
        reader = c2pa.Reader(media_type, io.BytesIO(data), context=trust_context())
    except c2pa.C2paError as exc:
        if (
            "ManifestNotFound" in type(exc).__name__
            or "not found" in str(exc).lower()
            or "NotSupported" in type(exc).__name__
        ):
            return None
        return {"error": str(exc), "validation_state": "Invalid"}
    store = json.loads(reader.json())
    store["validation_state"] = reader.get_validation_state()
    store["validation_results"] = reader.get_validation_results() or {}
    return store
