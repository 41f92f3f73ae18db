"""Content Credentials read from files: validated against the trusted roots (the studio's, and
with C2PA_TRUST_DEVELOPMENT_ROOTS the development roots beside development identities' keys).

How far a signature is trusted, in the words a page says it with (trust_of): trusted only where the
signer chains to a configured anchor that is not a development root; a development chain of this
server's is its own level, never "trusted", whatever the settings trust for the demo's sake."""

import io
import json
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from . import trustlist
from .identity import is_development_name
from .models import SigningIdentity

# How far a file's signature is trusted, from most to least.
TRUSTED = "trusted"  # the signer chains to a studio's anchor (C2PA_TRUST_ANCHORS, not a development root)
DEVELOPMENT = "development"  # it chains to this server's development root: trusted nowhere else
UNTRUSTED = "untrusted"  # the signature verifies; the signer chains to no root trusted here
INVALID = "invalid"  # the file or its credentials were altered after signing, or cannot be read


def development_roots() -> list[Path]:
    """Return the development roots made beside development identities' keys, and the
    development TSA's (under SIGNING_KEYS_DIR/dev-tsa)."""
    keys = (
        SigningIdentity.objects.filter(development=True)
        .exclude(key_path="")
        .values_list("key_path", flat=True)
    )
    roots = [Path(k).with_name("root.pem") for k in keys]
    roots.append(Path(settings.SIGNING_KEYS_DIR) / "dev-tsa" / "root.pem")
    return [root for root in roots if root.exists()]


def listed_anchors() -> str:
    """Return the anchors of the C2PA Trust Lists configured (C2PA_TRUST_LIST for signers,
    C2PA_TSA_TRUST_LIST for time-stamp authorities), as PEM. c2pa's reader holds one set of
    anchors, for signatures and time-stamps alike: the TSA list's anchors join it."""
    return trustlist.anchors_pem(settings.C2PA_TRUST_LIST) + trustlist.anchors_pem(
        settings.C2PA_TSA_TRUST_LIST
    )


def studio_anchors() -> str:
    """Return the configured trust anchors (C2PA_TRUST_ANCHORS, and the trust lists') that are not
    development roots, as PEM: a development root configured as an anchor (as the tests and the
    demo do) is left out by its subject, which every development chain's certificates carry."""
    pems = [Path(p).read_text() for p in dict.fromkeys(settings.C2PA_TRUST_ANCHORS) if p]
    kept = []
    for text in [*pems, listed_anchors()]:
        for cert in x509.load_pem_x509_certificates(text.encode()) if text.strip() else []:
            if not is_development_name(cert.subject):
                kept.append(cert.public_bytes(serialization.Encoding.PEM).decode())
    return "".join(kept)


def _context(anchors: str) -> c2pa.Context:
    config = {"verify": {"verify_trust": True}}
    if anchors:
        config["trust"] = {"trust_anchors": anchors}
    return c2pa.Context(settings=c2pa.Settings.from_dict(config))


def trust_context() -> c2pa.Context:
    """A reading context that verifies trust against the roots in C2PA_TRUST_ANCHORS and the trust
    lists (and, with C2PA_TRUST_DEVELOPMENT_ROOTS, the development roots made beside development
    identities' keys, and the development TSA's)."""
    paths = [Path(p) for p in settings.C2PA_TRUST_ANCHORS if p]
    if settings.C2PA_TRUST_DEVELOPMENT_ROOTS:
        paths += development_roots()
    return _context("".join(p.read_text() for p in dict.fromkeys(paths)) + listed_anchors())


def _trusted_by(data: bytes, media_type: str, anchors: str) -> bool:
    """Return whether the file's signer chains to one of these anchors (PEM)."""
    if not anchors:
        return False
    try:
        reader = c2pa.Reader(media_type, io.BytesIO(data), context=_context(anchors))
    except c2pa.C2paError:
        return False
    return (reader.get_validation_state() or "").lower() == TRUSTED


def trust_of(data: bytes, media_type: str, validation_state: str | None) -> str:
    """Return how far a file's signature is trusted (TRUSTED, DEVELOPMENT, UNTRUSTED or INVALID),
    given the validation state read_store found against every root trusted here. A file trusted
    there is read again against the studio's anchors alone: trusted by those, it is TRUSTED; else
    it chains only to a development root (configured as an anchor, or trusted beside a development
    identity's key), and is DEVELOPMENT."""
    state = (validation_state or "").lower()
    if state == "valid":
        return UNTRUSTED
    if state != TRUSTED:
        return INVALID
    return TRUSTED if _trusted_by(data, media_type, studio_anchors()) else DEVELOPMENT


def read_store(data, media_type: str) -> dict | None:
    """Return the manifest store of a file (its bytes, or a seekable binary stream), validated
    against the trusted roots; None if it has none."""
    try:
        stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
        reader = c2pa.Reader(media_type, stream, context=trust_context())
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
