"""The values engines take and give, shared by the engine interface (base) and its clip runner
(clip), so that neither imports the other's module for them. No torch here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class EngineResult:
    data: bytes  # the encoded output (empty for a clip, which is at path)
    media_type: str
    metadata: dict = field(default_factory=dict)
    image: Image.Image | None = None  # the pixels (a clip's first frame), for thumbnails and fingerprints
    path: str | None = None  # a clip output's file, encoded frame by frame


class FrameRenderer(Protocol):
    """What the clip runner asks of an engine (base.Engine implements it)."""

    def prepare(self, inputs: list[EngineInput], params: dict, seed: int, size: tuple[int, int]) -> Any: ...

    def render(self, frame: Any, state: Any, index: int) -> Any: ...

    def describe_run(self, inputs: list[EngineInput], p: dict) -> dict: ...
