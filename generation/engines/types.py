"""The values engines take and give, shared by the engine interface (base) and its clip runner
(clip), so that neither imports the other's module for them. No torch here."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from PIL import Image


class EngineError(Exception):
    """The engine could not produce an output (bad parameters, unreachable server...)."""


@dataclass(frozen=True)
class EngineInput:
    role: str  # plate | reference | element | likeness | style
    data: bytes  # a still's bytes; empty for a clip, which is read from open()
    media_type: str
    open: Callable[[], BinaryIO] | None = None  # opens a clip's file for streaming
    frames: tuple[int, int] | None = None  # the frame range of a clip to use, first and last inclusive

    @property
    def is_clip(self) -> bool:
        return self.media_type.startswith("video/")


# How a still is encoded, once, after the steps that change its pixels: PNG at zlib's fastest
# level (lossless at any level; level 1 costs a fraction of the default's time at 1080p), JPEG at
# the quality a marked JPEG keeps its watermark at.
PNG_COMPRESS_LEVEL = 1
JPEG_QUALITY = 95


def encode_still(image: Image.Image, media_type: str) -> bytes:
    """Return the picture encoded as media_type (image/png or image/jpeg)."""
    buf = io.BytesIO()
    if media_type == "image/jpeg":
        (image if image.mode in ("RGB", "L", "CMYK") else image.convert("RGB")).save(
            buf, format="JPEG", quality=JPEG_QUALITY
        )
    elif media_type == "image/png":
        image.save(buf, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    else:
        raise ValueError(f"A still is encoded as image/png or image/jpeg, not {media_type}.")
    return buf.getvalue()


class EngineResult:
    """An engine's output. A still holds its pixels (image) and its format, and is encoded once,
    on the first read of `data` (then kept): the steps between the engine and the signing (the
    visible label, the watermark) give it new pixels with `with_pixels`, so a 1080p still is not
    encoded again after each of them. A still that arrives encoded (an HTTP engine's) keeps its
    bytes until its pixels are changed. A clip is at path, encoded frame by frame; its data is empty."""

    def __init__(
        self,
        data: bytes | None,
        media_type: str,
        metadata: dict | None = None,
        image: Image.Image | None = None,
        path: str | None = None,
    ):
        if data is None and image is None:
            raise ValueError("An engine's result needs its encoded bytes or its pixels.")
        self._data = data
        self.media_type = media_type
        self.metadata = {} if metadata is None else metadata
        self.image = image  # the pixels (a clip's first frame), for thumbnails and fingerprints
        self.path = path  # a clip output's file

    @classmethod
    def still(cls, image: Image.Image, media_type: str, metadata: dict | None = None) -> EngineResult:
        """Return a still given as pixels, to be encoded as media_type when its data is first read."""
        return cls(None, media_type, metadata, image)

    @property
    def data(self) -> bytes:
        """The encoded output: a still's pixels are encoded on the first read, once."""
        if self._data is None:
            self._data = encode_still(self.image, self.media_type)
        return self._data

    @property
    def encoded(self) -> bool:
        """Whether the output's bytes exist yet (a still given as pixels is encoded on first read)."""
        return self._data is not None

    def with_pixels(self, image: Image.Image, metadata: dict | None = None) -> EngineResult:
        """Return the still with new pixels (and metadata, where given), to be encoded once when
        its data is read; this result is left as it was."""
        return EngineResult.still(image, self.media_type, self.metadata if metadata is None else metadata)

    def with_changes(self, *, image: Image.Image | None = None, metadata: dict | None = None) -> EngineResult:
        """Return the result with another image or metadata and the same bytes: a clip's first
        frame and metadata after its frames were labelled and marked (its file holds them). A
        still's new pixels go through with_pixels, which drops the bytes they no longer match."""
        if image is not None and self.path is None:
            raise ValueError("A still's new pixels are given with with_pixels, to be encoded again.")
        return EngineResult(
            self._data,
            self.media_type,
            self.metadata if metadata is None else metadata,
            self.image if image is None else image,
            self.path,
        )

    def __repr__(self) -> str:
        size = f"{len(self._data)} bytes" if self._data is not None else "not encoded yet"
        return f"EngineResult({self.media_type}, {size}, path={self.path!r})"


class FrameRenderer(Protocol):
    """What the clip runner asks of an engine (base.Engine implements it)."""

    def prepare(self, inputs: list[EngineInput], params: dict, seed: int, size: tuple[int, int]) -> Any: ...

    def render(self, frame: Any, state: Any, index: int) -> Any: ...

    def describe_run(self, inputs: list[EngineInput], p: dict) -> dict: ...
