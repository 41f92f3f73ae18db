"""Soft-binding resolution: find the manifests of our outputs from a stripped copy, by the two
bindings their c2pa.soft-binding assertions declare: first the watermark the pixels carry (an
identifier, exact), then the pHash (near, from the index)."""

import base64
import binascii

from django.conf import settings
from PIL import UnidentifiedImageError
from rest_framework.exceptions import ValidationError

from . import fingerprint as fp
from . import manifest as mf
from .models import SignedOutput
from .phash import load
from .selectors import sniff_media_type, watermark_output
from .services.watermarks import watermark_read_bytes
from .similarity import near_any_by_phash

ALGS = (mf.WATERMARK_ALG, mf.SOFT_BINDING_ALG)


def _matches(values: list[int], limit: int) -> list[dict]:
    """Our outputs whose declared binding (or fingerprint: a clip's at its keyframes) is within
    PHASH_MAX_DISTANCE of any of the values, from the pHash index."""
    near = near_any_by_phash([values])[0]
    out = [
        {"manifestId": s.manifest_label, "similarityScore": round(100 * (1 - near[s.asset_id] / 64))}
        for s in SignedOutput.objects.filter(asset_id__in=near).only("asset_id", "manifest_label")
    ]
    return sorted(out, key=lambda m: -m["similarityScore"])[:limit]


def _require_alg(alg: str | None) -> None:
    if alg is not None and alg not in ALGS:
        raise ValidationError(
            {
                "alg": [
                    f"Unsupported soft-binding algorithm {alg!r}; this service resolves {' and '.join(ALGS)}."
                ]
            }
        )


def _by_watermark(identifier: int | None) -> list[dict]:
    """The output an identifier was tied to, as a match (the watermark is exact: score 100)."""
    output = watermark_output(identifier)
    return [] if output is None else [{"manifestId": output.manifest_label, "similarityScore": 100}]


def by_binding(alg: str, value: str, limit: int) -> list[dict]:
    _require_alg(alg)
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValidationError({"value": ["value must be base64."]}) from None
    if alg == mf.WATERMARK_ALG:
        if len(raw) != 4:
            raise ValidationError({"value": [f"A {mf.WATERMARK_ALG} value is 4 bytes (the identifier)."]})
        return _by_watermark(int.from_bytes(raw, "big"))
    if len(raw) != 8:
        raise ValidationError({"value": ["A com.rightsledger.phash.1 value is 8 bytes."]})
    return _matches([fp.to_signed(int.from_bytes(raw, "big"))], limit)


def by_content(data: bytes, alg: str | None, limit: int) -> list[dict]:
    """Our outputs that the content is a copy of: the one whose watermark it carries, else (or with
    alg naming the pHash alone) those whose pHash is near its own."""
    _require_alg(alg)
    media_type = sniff_media_type(data) or ""
    if alg in (None, mf.WATERMARK_ALG):
        found = _by_watermark(watermark_read_bytes(data, media_type).identifier)
        if found or alg == mf.WATERMARK_ALG:
            return found
    if media_type.startswith("video/"):
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
