"""The one way this service opens an image to read its pixels: a decompression bomb (a small file
that declares billions of pixels) is refused from its header, before anything is decoded. Pure:
Pillow only, no Django, so that rightsledger-check opens files as the service does."""

import io
import warnings

from PIL import Image

# The default limit, for callers without settings (the service passes IMAGE_MAX_PIXELS).
MAX_PIXELS = 8192 * 8192


class ImageRefused(Exception):
    """An image this service will not decode: the API answers 400, the portal says why."""

    def __init__(self, message: str, code: str = "image_too_large", field: str | None = "file"):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def _refuse(pixels: int | None, max_pixels: int) -> ImageRefused:
    size = f"{pixels:,} pixels" if pixels is not None else f"more than {max_pixels:,} pixels"
    return ImageRefused(
        f"The image declares {size}; the most this service decodes is {max_pixels:,}. "
        "Send a smaller image, or ask an admin to raise IMAGE_MAX_PIXELS."
    )


def open_image(source, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Return the image in source (bytes, a path or a binary file), opened lazily as
    Image.open does. Raise ImageRefused if it declares more than max_pixels pixels (a frame);
    other errors (a file that is not an image, or is corrupt) are Pillow's own, as before."""
    with warnings.catch_warnings():
        # Pillow warns, or refuses, against its own process-wide limit; ours is the one applied.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source)
        except Image.DecompressionBombError:
            raise _refuse(None, max_pixels) from None
    width, height = img.size
    if width * height > max_pixels:
        img.close()
        raise _refuse(width * height, max_pixels)
    return img
