"""Real images made by the tests: gradients, shapes and text, never noise."""

import io

from PIL import Image

from demo.pictures import clip, picture  # noqa: F401  (re-exported for the tests)


def encode(img: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def png(seed: int = 0, size=(320, 180)) -> bytes:
    return encode(picture(seed, size), "PNG")


def jpeg(seed: int = 0, size=(320, 180), quality: int = 90) -> bytes:
    return encode(picture(seed, size), "JPEG", quality=quality)
