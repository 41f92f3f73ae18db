"""Perceptual hashes (pHash) of images, and their bands for indexed lookup. Pure: no Django, so
that rightsledger-check computes on the dataset builder's machine exactly what the service
computes from a registered asset."""

import imagehash
from PIL import Image

from rightsledger.imaging import MAX_PIXELS, open_image

# Crops whose hashes are kept besides the whole image's, so that a copy cropped by up to about
# 10% still lands within the Hamming threshold of one of them.
CROPS = {
    "full": (0.0, 0.0, 1.0, 1.0),
    "centre90": (0.05, 0.05, 0.95, 0.95),
    "tl90": (0.0, 0.0, 0.9, 0.9),
    "tr90": (0.1, 0.0, 1.0, 0.9),
    "bl90": (0.0, 0.1, 0.9, 1.0),
    "br90": (0.1, 0.1, 1.0, 1.0),
}
# pHash reads a 32x32 greyscale version of the image. Reducing a large image first (a box filter,
# in C) to at least this many pixels on its short side gives the same hash some ten times faster.
PHASH_MIN_SIDE = 256


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _reduced(img: Image.Image) -> Image.Image:
    factor = min(img.size) // PHASH_MIN_SIDE
    if factor < 2:
        return img
    return (img if img.mode in ("L", "RGB", "RGBA") else img.convert("RGB")).reduce(factor)


def phash(img: Image.Image) -> int:
    return to_signed(int(str(imagehash.phash(_reduced(img))), 16))


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def phash_variants(img: Image.Image) -> dict[str, int]:
    """Return the pHash of the whole image and of each crop in CROPS."""
    img = _reduced(img)
    w, h = img.size
    out = {}
    for name, (x0, y0, x1, y1) in CROPS.items():
        part = img if name == "full" else img.crop((int(x0 * w), int(y0 * h), int(x1 * w), int(y1 * h)))
        out[name] = phash(part)
    return out


def load(data: bytes, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Return an image's pixels as RGB, ready to hash. A large JPEG is decoded at a reduced scale
    (its DCT scaling, far cheaper than a full decode), to no less than PHASH_MIN_SIDE a side.
    Raises ImageRefused for an image of more than max_pixels pixels (a decompression bomb)."""
    img = open_image(data, max_pixels=max_pixels)
    if img.format == "JPEG":
        scale = min(8, min(img.size) // PHASH_MIN_SIDE)
        if scale >= 2:
            img.draft("RGB", (img.width // scale, img.height // scale))
    return img.convert("RGB")
