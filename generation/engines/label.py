"""The visible label a production may burn into its outputs: its words and an icon on a dark
plate in one corner, on a still and on every frame of a clip. It is drawn on the engine's output
before anything marks or signs it, so the manifest's hash covers the labelled pixels. Pure: no
Django.

A clip is decoded, labelled and encoded again frame by frame with the clip runner's own codec,
options and fragmenting, so the labelled file is signed exactly as an unlabelled one would be.
"""

from __future__ import annotations

import dataclasses
import io
import os
import tempfile

import numpy as np
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

from rightsledger.imaging import open_image
from rightsledger.video import open_video

from . import clip
from .types import EngineResult

DEFAULT_TEXT = "AI-generated"
# The plate's height as a share of the picture's shorter side, and its least height in pixels.
HEIGHT_SHARE = 0.06
MIN_HEIGHT = 14
PLATE = (16, 16, 16, 176)  # dark and mostly opaque: the words read on any picture
INK = (255, 255, 255, 255)


@dataclasses.dataclass(frozen=True)
class Label:
    text: str = DEFAULT_TEXT
    corner: str = "bottom_right"


def label_of(production) -> Label | None:
    """Return the label a production burns into its outputs, or None where it has not opted in."""
    if not production.label_enabled:
        return None
    return Label(text=production.label_text or DEFAULT_TEXT, corner=production.label_corner)


def _icon(draw: ImageDraw.ImageDraw, x: int, y: int, size: int) -> None:
    """Draw the icon, a four-pointed spark (the sign readers know for generated content), in a
    size x size box at (x, y)."""
    c, r, w = (x + size / 2, y + size / 2), size / 2, size / 7
    points = [
        (c[0], c[1] - r),
        (c[0] + w, c[1] - w),
        (c[0] + r, c[1]),
        (c[0] + w, c[1] + w),
        (c[0], c[1] + r),
        (c[0] - w, c[1] + w),
        (c[0] - r, c[1]),
        (c[0] - w, c[1] - w),
    ]
    draw.polygon(points, fill=INK)


def box(size: tuple[int, int], label: Label) -> tuple[int, int, int, int]:
    """Return where the label's plate sits on a picture of this size: (left, top, right, bottom)."""
    width, height = size
    plate_h = max(MIN_HEIGHT, round(min(width, height) * HEIGHT_SHARE))
    font = ImageFont.load_default(size=max(8, round(plate_h * 0.6)))
    pad = max(2, plate_h // 5)
    text_w = round(font.getlength(label.text))
    plate_w = min(width, pad + (plate_h - 2 * pad) + pad + text_w + pad)
    margin = max(2, round(min(width, height) * 0.02))
    left = margin if label.corner.endswith("left") else width - margin - plate_w
    top = margin if label.corner.startswith("top") else height - margin - plate_h
    return max(0, left), max(0, top), max(0, left) + plate_w, max(0, top) + plate_h


def draw(image: Image.Image, label: Label) -> Image.Image:
    """Return an RGB copy of the picture with the label burned into its corner. Only the label's
    box is composited, so a 1080p frame costs about what a small picture does."""
    out = image.convert("RGB")
    left, top, right, bottom = box(out.size, label)
    plate_h = bottom - top
    pad = max(2, plate_h // 5)
    font = ImageFont.load_default(size=max(8, round(plate_h * 0.6)))
    layer = Image.new("RGBA", (right - left, plate_h), (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    pen.rounded_rectangle([0, 0, right - left - 1, plate_h - 1], radius=pad, fill=PLATE)
    icon = plate_h - 2 * pad
    _icon(pen, pad, pad, icon)
    pen.text((2 * pad + icon, plate_h / 2), label.text, font=font, fill=INK, anchor="lm")
    region = out.crop((left, top, right, bottom)).convert("RGBA")
    out.paste(Image.alpha_composite(region, layer).convert("RGB"), (left, top))
    return out


def label_still(result: EngineResult, label: Label) -> EngineResult:
    """Return the still with the label burned in, encoded again in its own format."""
    image = result.image if result.image is not None else open_image(result.data)
    labelled = draw(image, label)
    buf = io.BytesIO()
    if result.media_type == "image/jpeg":
        labelled.save(buf, "JPEG", quality=95, subsampling=0)
    else:
        labelled.save(buf, "PNG")
    return dataclasses.replace(result, data=buf.getvalue(), image=labelled)


def label_clip(result: EngineResult, label: Label) -> EngineResult:
    """Burn the label into every frame of the clip at result.path, which is replaced by the
    labelled file; return the result with its first labelled frame as its picture."""
    import av  # defers FFmpeg (PyAV) until a clip is labelled

    fd, path = tempfile.mkstemp(suffix=".mp4", dir=os.path.dirname(result.path) or None)
    os.close(fd)
    first = None
    try:
        with (
            open_video(
                result.path, max_pixels=settings.IMAGE_MAX_PIXELS, max_frames=settings.VIDEO_MAX_FRAMES
            ) as source,
            av.open(path, "w", format=clip.CONTAINER, options=dict(clip.MUXER_OPTIONS)) as out,
        ):
            src = source.stream
            rate = src.average_rate or src.guessed_rate
            stream = out.add_stream(clip.CODEC, rate=rate)
            stream.width, stream.height = src.codec_context.width, src.codec_context.height
            stream.pix_fmt = "yuv420p"
            stream.options = dict(clip.ENCODER_OPTIONS)
            stream.gop_size = max(1, round(float(rate)))
            for frame in source.frames():
                labelled = draw(frame.to_image(), label)
                if first is None:
                    first = labelled
                arr = np.asarray(labelled, dtype=np.uint8)
                for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        os.replace(path, result.path)
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise
    return dataclasses.replace(result, image=first if first is not None else result.image)


def label_result(result: EngineResult, label: Label | None) -> EngineResult:
    """Return the engine's output with the label burned in (a still, or every frame of a clip);
    the output as it is where there is no label."""
    if label is None:
        return result
    labelled = label_clip(result, label) if result.path is not None else label_still(result, label)
    # Kept with the output (its engine metadata), so the disclosure pack can say and check it.
    return dataclasses.replace(
        labelled, metadata={**result.metadata, "visible_label": {"text": label.text, "corner": label.corner}}
    )


def reads_back(image: Image.Image, label: Label) -> bool:
    """Return whether the picture carries the label where it was burned in: a dark plate in its
    box, with the white of the words and the icon on it."""
    left, top, right, bottom = box(image.size, label)
    plate = np.asarray(image.convert("RGB").crop((left, top, right, bottom)), dtype=np.uint8)
    ink = (plate.min(axis=2) > 200).mean()
    return bool(np.median(plate) < 90 and 0.01 < ink < 0.6)
