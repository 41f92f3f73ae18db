"""Watermark identifiers: allocated before an engine renders, written into a still's pixels before
it is signed (a clip's frames are marked as the engine renders them), tied to the signed output
once it is recorded, and read back from a copy that lost its metadata."""

from __future__ import annotations

import itertools
import secrets

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from PIL import Image, UnidentifiedImageError

from rightsledger.imaging import open_image

from .. import watermark as wm
from ..models import SignedOutput, Watermark

ATTEMPTS = 20  # 32-bit draws collide rarely; twenty in a row would mean the space is nearly full
CLIP_READ_FRAMES = 8  # frames of a clip whose votes are added up
CLIP_READ_EVERY = 4  # one frame in so many


def watermark_allocate() -> int:
    """Return a new identifier, never allocated before (its row is the reservation)."""
    for _ in range(ATTEMPTS):
        identifier = 1 + secrets.randbelow((1 << wm.ID_BITS) - 1)
        try:
            with transaction.atomic():
                Watermark.objects.create(identifier=identifier)
        except IntegrityError:
            continue
        return identifier
    raise RuntimeError(f"No free watermark identifier in {ATTEMPTS} draws.")


def watermark_still(result, identifier: int | None):
    """Return the engine's still result with the identifier in its pixels (its new pixels, encoded
    in its own format once, when the signing reads its data), and whether it was marked; a still
    under 256x256 pixels, or no identifier, is returned as it came."""
    if identifier is None:
        return result, False
    pixels = result.image
    if pixels is None:
        pixels = open_image(result.data, max_pixels=settings.IMAGE_MAX_PIXELS)
    if not wm.can_mark(*pixels.size):
        return result, False
    # np.asarray copies the pixels out of Pillow's own layout; an RGB image needs no convert first.
    rgb = np.asarray(pixels if pixels.mode == "RGB" else pixels.convert("RGB"))
    return result.with_pixels(Image.fromarray(wm.embed(rgb, identifier), "RGB")), True


def watermark_attach(*, output: SignedOutput, identifier: int) -> None:
    """Tie an allocated identifier to the output that carries it (inside the output's recording)."""
    Watermark.objects.filter(identifier=identifier, output__isnull=True).update(output=output)


def watermark_read(pixels: Image.Image) -> wm.Reading:
    """Read the identifier in a picture's pixels (Reading.identifier None when it has none)."""
    return wm.read(np.asarray(pixels.convert("RGB")))


def watermark_read_bytes(data: bytes, media_type: str | None = None) -> wm.Reading:
    """Read the identifier in an encoded still or clip (the votes of CLIP_READ_FRAMES of its
    first frames added up); a file that is neither, or too small to carry a mark, reads as unmarked."""
    if (media_type or "").startswith("video/"):
        return _read_clip(data)
    try:
        pixels = open_image(data, max_pixels=settings.IMAGE_MAX_PIXELS)
    except (UnidentifiedImageError, OSError, ValueError):
        return wm.Reading(None, 0.0)
    return watermark_read(pixels)


def _read_clip(data: bytes) -> wm.Reading:
    """Add up the votes of a clip's frames, read from their luma as the encoder stored it."""
    import av  # defers FFmpeg (PyAV) until a clip is read

    from rightsledger.video import open_video

    total, count = None, 0
    try:
        with open_video(
            data, max_pixels=settings.IMAGE_MAX_PIXELS, max_frames=settings.VIDEO_MAX_FRAMES
        ) as clip:
            for frame in itertools.islice(
                clip.frames(), 0, CLIP_READ_FRAMES * CLIP_READ_EVERY, CLIP_READ_EVERY
            ):
                y = frame.reformat(format="yuv420p").to_ndarray()[: frame.height]
                v = wm.votes_luma(wm.full_range(y))
                total = v if total is None else total + v
                count += 1
    except (av.FFmpegError, OSError, ValueError, IndexError):
        pass
    return wm.Reading(None, 0.0) if total is None else wm.decode_votes(total / count)
