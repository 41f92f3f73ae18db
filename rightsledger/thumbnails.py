"""Small pictures of files: a still scaled down, or a clip's poster frame. Pure: Pillow and PyAV
only, through rightsledger.imaging and rightsledger.video (the one way this service decodes a
file), no Django, so that the verify page makes the picture of a file it does not store as the
thumbnail task makes an asset's."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from .imaging import MAX_PIXELS, open_image
from .video import MAX_FRAMES, open_video

# The long side of a thumbnail, in pixels: a list row shows it at 64 to 96 CSS pixels, an asset's
# page at up to 320; WebP at this size is a few kilobytes.
LONG_SIDE = 320
MEDIA_TYPE = "image/webp"
QUALITY = 80
# A clip's poster frame is taken this far in (or a tenth of the clip, if shorter), past a fade in
# from black; never more frames than POSTER_MAX_FRAMES are decoded to reach it.
POSTER_SECONDS = 1.0
POSTER_MAX_FRAMES = 120


@dataclass(frozen=True)
class Picture:
    """A thumbnail's bytes (WebP) and its size in pixels."""

    data: bytes
    width: int
    height: int
    media_type: str = MEDIA_TYPE


def can_picture(media_type: str) -> bool:
    """Return whether a file of this media type has a picture (a still, or a clip's frame)."""
    return media_type.startswith(("image/", "video/"))


def poster_frame(source, *, max_pixels: int = MAX_PIXELS, max_frames: int = MAX_FRAMES) -> Image.Image:
    """Return a clip's poster frame: the first frame at POSTER_SECONDS (or a tenth of a shorter
    clip), else the last of the first POSTER_MAX_FRAMES. Raises ValueError for a clip with no frame."""
    with open_video(source, max_pixels=max_pixels, max_frames=max_frames) as clip:
        at = min(POSTER_SECONDS, clip.seconds / 10) if clip.seconds else 0.0
        chosen, start = None, None
        for count, frame in enumerate(clip.frames(), start=1):
            chosen = frame
            t = float(frame.time) if frame.time is not None else None
            start = t if start is None else start
            if t is None or t - start >= at or count >= POSTER_MAX_FRAMES:
                break
        if chosen is None:
            raise ValueError("the clip has no frame")
        return chosen.to_image()


def picture_of(
    data: bytes,
    media_type: str,
    *,
    long_side: int = LONG_SIDE,
    max_pixels: int = MAX_PIXELS,
    max_frames: int = MAX_FRAMES,
) -> Picture:
    """Return the thumbnail of a file: a still turned upright (its EXIF orientation) and scaled
    to long_side on its long side (never up), or a clip's poster frame scaled the same way.
    Raises ValueError for a media type with no picture; ImageRefused (or VideoRefused) for a file
    over the limits; Pillow's or PyAV's own errors for a file that does not decode."""
    if media_type.startswith("video/"):
        image = poster_frame(data, max_pixels=max_pixels, max_frames=max_frames)
    elif media_type.startswith("image/"):
        image = open_image(data, max_pixels=max_pixels)
        image.seek(0)  # an animation's first frame
        image = ImageOps.exif_transpose(image)
    else:
        raise ValueError(f"a file of type {media_type} has no picture")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=QUALITY, method=4)
    return Picture(out.getvalue(), image.width, image.height)
