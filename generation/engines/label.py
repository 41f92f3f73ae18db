"""The visible label a production may burn into its outputs: its words and an icon on a dark
plate in one corner, on a still and on every frame of a clip. It is drawn on the engine's output
before anything marks or signs it, so the watermark and the manifest's hash cover the labelled
pixels: a still before it is watermarked and signed, a clip's every frame as the engine renders it,
before the frame is watermarked and encoded (engines.clip). Pure: no Django.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from rightsledger.imaging import open_image

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


def _plate(size: tuple[int, int], label: Label) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Return the label's plate (RGBA, the words and the icon on it) and where it goes."""
    left, top, right, bottom = box(size, label)
    plate_h = bottom - top
    pad = max(2, plate_h // 5)
    font = ImageFont.load_default(size=max(8, round(plate_h * 0.6)))
    layer = Image.new("RGBA", (right - left, plate_h), (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    pen.rounded_rectangle([0, 0, right - left - 1, plate_h - 1], radius=pad, fill=PLATE)
    icon = plate_h - 2 * pad
    _icon(pen, pad, pad, icon)
    pen.text((2 * pad + icon, plate_h / 2), label.text, font=font, fill=INK, anchor="lm")
    return layer, (left, top, right, bottom)


def draw(image: Image.Image, label: Label) -> Image.Image:
    """Return an RGB copy of the picture with the label burned into its corner. Only the label's
    box is composited, so a 1080p frame costs about what a small picture does."""
    out = image.convert("RGB")
    layer, (left, top, right, bottom) = _plate(out.size, label)
    region = out.crop((left, top, right, bottom)).convert("RGBA")
    out.paste(Image.alpha_composite(region, layer).convert("RGB"), (left, top))
    return out


def draw_frame(frame: np.ndarray, label: Label, plate=None) -> np.ndarray:
    """Burn the label into an RGB frame ([H, W, 3] uint8) in place and return it; a clip passes
    the plate made for its first frame (`plate_for`), so that it is drawn once a run."""
    layer, (left, top, right, bottom) = plate or _plate((frame.shape[1], frame.shape[0]), label)
    region = Image.fromarray(frame[top:bottom, left:right]).convert("RGBA")
    frame[top:bottom, left:right] = np.asarray(Image.alpha_composite(region, layer).convert("RGB"))
    return frame


def plate_for(size: tuple[int, int], label: Label):
    """Return the label's plate for frames of this (width, height), to pass to draw_frame."""
    return _plate(size, label)


def label_still(result: EngineResult, label: Label) -> EngineResult:
    """Return the still with the label burned into its pixels, to be encoded in its own format
    once, when it is signed (a still that arrived encoded is decoded for it)."""
    image = result.image if result.image is not None else open_image(result.data)
    return result.with_pixels(draw(image, label))


def label_result(result: EngineResult, label: Label | None) -> EngineResult:
    """Return the still with the label burned in; the output as it is where there is no label, or
    where it is a clip (whose frames the engine labelled as it rendered them, before marking)."""
    if label is None or result.path is not None:
        return result
    return label_still(result, label).with_changes(metadata={**result.metadata, **described(label)})


def described(label: Label) -> dict:
    """The label as it is kept with the output (its engine metadata), so that the disclosure pack
    can say and check it."""
    return {"visible_label": {"text": label.text, "corner": label.corner}}


def reads_back(image: Image.Image, label: Label) -> bool:
    """Return whether the picture carries the label where it was burned in: a dark plate in its
    box, with the white of the words and the icon on it."""
    left, top, right, bottom = box(image.size, label)
    plate = np.asarray(image.convert("RGB").crop((left, top, right, bottom)), dtype=np.uint8)
    ink = (plate.min(axis=2) > 200).mean()
    return bool(np.median(plate) < 90 and 0.01 < ink < 0.6)
