"""Soft-binding resolution: find the manifests of our outputs from a stripped copy, by the pHash
declared in their c2pa.soft-binding assertion (and, with embeddings configured, by embedding)."""

import base64
import binascii

from django.conf import settings
from PIL import UnidentifiedImageError
from rest_framework.exceptions import ValidationError

from . import fingerprint as fp
from . import manifest as mf
from .models import SignedOutput
from .phash import load
from .selectors import sniff_media_type
from .similarity import near_any_by_phash


def _matches(values: list[int], limit: int) -> list[dict]:
    """Our outputs whose declared binding (or fingerprint: a clip's at its keyframes) is within
    PHASH_MAX_DISTANCE of any of the values, from the pHash index."""
    near = near_any_by_phash([values])[0]
    out = [
        {"manifestId": s.manifest_label, "similarityScore": round(100 * (1 - near[s.asset_id] / 64))}
        for s in SignedOutput.objects.filter(asset_id__in=near).only("asset_id", "manifest_label")
    ]
    return sorted(out, key=lambda m: -m["similarityScore"])[:limit]


def by_binding(alg: str, value: str, limit: int) -> list[dict]:
    if alg != mf.SOFT_BINDING_ALG:
        raise ValidationError(
            {
                "alg": [
                    f"Unsupported soft-binding algorithm {alg!r}; "
                    f"this service resolves {mf.SOFT_BINDING_ALG}."
                ]
            }
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValidationError({"value": ["value must be base64."]}) from None
    if len(raw) != 8:
        raise ValidationError({"value": ["A com.rightsledger.phash.1 value is 8 bytes."]})
    return _matches([fp.to_signed(int.from_bytes(raw, "big"))], limit)


def by_content(data: bytes, alg: str | None, limit: int) -> list[dict]:
    if alg not in (None, mf.SOFT_BINDING_ALG):
        raise ValidationError(
            {
                "alg": [
                    f"Unsupported soft-binding algorithm {alg!r}; "
                    f"this service resolves {mf.SOFT_BINDING_ALG}."
                ]
            }
        )
    if (sniff_media_type(data) or "").startswith("video/"):
        values = fp.clip_phashes(
            data,
            settings.VIDEO_KEYFRAME_SECONDS / 4,
            max_pixels=settings.IMAGE_MAX_PIXELS,
            max_frames=settings.VIDEO_MAX_FRAMES,
            max_samples=settings.TRAINING_CLEARANCE_MAX_FRAMES,
        )
    else:
        try:
            values = [fp.phash(load(data, max_pixels=settings.IMAGE_MAX_PIXELS))]
        except (UnidentifiedImageError, OSError, ValueError):
            values = []
    if not values:
        raise ValidationError({"content": ["The content is not an image or a clip this service can read."]})
    return _matches(values, limit)
