"""Engines over clips: decode the plate frame by frame, render each, and encode the output as it
goes, so a run holds a few frames at a time whatever the clip's length.

The output is H.264 (libx264) in MP4, 4:2:0, at the plate's frame rate: the codec every editor,
player and browser reads, and which the FFmpeg inside PyAV's wheels carries. The MP4 is
fragmented (a fragment a second, each starting on a keyframe): c2pa then hashes it fragment by
fragment, so signing holds a fragment at a time (about 30 MB for a 1 GB clip, against over 500 MB
for the same frames in one media box; bench/signing.py). Pure: no Django.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from fractions import Fraction

import numpy as np
import torch
from PIL import Image

from provenance import watermark as wm
from rightsledger.video import open_video

from . import label as labels
from .types import EngineError, EngineInput, EngineResult, FrameRenderer

CODEC = "libx264"
CONTAINER = "mp4"
MEDIA_TYPE = "video/mp4"
# Visually lossless for plates; "medium" is x264's balance of speed and size.
ENCODER_OPTIONS = {"crf": "18", "preset": "medium"}
# A fragment a second, each opening on a keyframe (the encoder's GOP is a second too).
MUXER_OPTIONS = {"movflags": "frag_keyframe+empty_moov+default_base_moof", "frag_duration": "1000000"}


def frames(plate: EngineInput) -> Iterator[tuple[int, torch.Tensor, Fraction]]:
    """Yield (index, [3, H, W] float frame in 0..1, frame rate) for the plate's frame range, one
    decoded frame at a time, through the checked open (rightsledger.video)."""
    first, last = plate.frames or (0, None)
    with plate.open() as fh, open_video(fh) as clip:
        rate = clip.rate or Fraction(24)
        for index, frame in enumerate(clip.frames()):
            if index < first:
                continue
            if last is not None and index > last:
                break
            arr = frame.to_ndarray(format="rgb24")
            yield index, torch.from_numpy(arr).permute(2, 0, 1).float().div_(255.0), rate


def to_rgb24(frame: torch.Tensor) -> np.ndarray:
    return (frame.clamp(0, 1).permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)


def run_clip(
    engine: FrameRenderer,
    plate: EngineInput,
    inputs: list[EngineInput],
    p: dict,
    seed: int,
    workdir: str | None,
    watermark: int | None = None,
    label: labels.Label | None = None,
) -> EngineResult:
    """Run an engine over a clip plate; the output MP4 is written to a new file under workdir.
    Every frame, as it is rendered, has the visible label burned in (where there is one), then
    the watermark identifier written over it (frames under 256x256 pixels cannot carry one, and
    then none does: the metadata's `watermark` says which)."""

    def rendered():
        state = None
        for index, (_, frame, rate) in enumerate(frames(plate)):
            if state is None:
                _, h, w = frame.shape
                state = engine.prepare(inputs, p, seed, (w, h))
            yield to_rgb24(engine.render(frame, state, index)), rate

    out = _encoded(rendered(), workdir, watermark, label)
    if out is None:
        first, last = plate.frames or (0, None)
        raise EngineError(
            f"The plate has no frame in the range {first}–{last if last is not None else 'end'}."
        )
    path, first_image, meta = out
    return EngineResult(
        b"",
        MEDIA_TYPE,
        {
            **meta,
            "source_frames": list(plate.frames) if plate.frames else None,
            "params": p,
            **engine.describe_run(inputs, p),
        },
        first_image,
        path,
    )


def finish(
    path: str, workdir: str | None, watermark: int | None, label: labels.Label | None
) -> tuple[Image.Image, dict] | None:
    """Burn the label into, and write the watermark over, every frame of a clip that was rendered
    elsewhere (an HTTP engine's), as run_clip does as it renders: the clip at path is decoded and
    encoded again, frame by frame, with this module's codec and fragmenting, and replaced. Return
    its first (labelled, unmarked) frame and what the metadata says of it; None where it has no
    frame. Nothing to do (None, the file untouched) without a label or a watermark."""
    if label is None and watermark is None:
        return None

    def decoded():
        with open_video(path) as clip:
            rate = clip.rate or Fraction(24)
            for frame in clip.frames():
                yield frame.to_ndarray(format="rgb24"), rate

    out = _encoded(decoded(), workdir, watermark, label)
    if out is None:
        return None
    marked, first_image, meta = out
    os.replace(marked, path)
    return first_image, {k: meta[k] for k in ("watermark", "visible_label", "size", "frames") if k in meta}


def _encoded(
    source: Iterator[tuple[np.ndarray, Fraction]],
    workdir: str | None,
    watermark: int | None,
    label: labels.Label | None,
) -> tuple[str, Image.Image, dict] | None:
    """Encode RGB frames into a new fragmented MP4 under workdir, each labelled and then marked;
    return its path, its first frame (labelled, before the watermark: what thumbnails and
    embeddings see) and its metadata; None, and no file, where the source has no frame."""
    import av  # defers FFmpeg (PyAV) until a clip is encoded

    fd, path = tempfile.mkstemp(suffix=".mp4", dir=workdir)
    os.close(fd)
    first_image = stream = marking = plate = None
    count, rate = 0, Fraction(24)
    try:
        with av.open(path, "w", format=CONTAINER, options=dict(MUXER_OPTIONS)) as out:
            for arr, rate in source:
                # 4:2:0 needs even sizes: an odd last row or column is dropped.
                h, w = arr.shape[:2]
                arr = np.ascontiguousarray(arr[: h - h % 2, : w - w % 2])
                if stream is None:
                    h, w = arr.shape[:2]
                    marking = watermark is not None and wm.can_mark(w, h)
                    plate = labels.plate_for((w, h), label) if label is not None else None
                    stream = out.add_stream(CODEC, rate=rate)
                    stream.width, stream.height = w, h
                    stream.pix_fmt = "yuv420p"
                    stream.options = dict(ENCODER_OPTIONS)
                    stream.gop_size = max(1, round(float(rate)))
                if label is not None:
                    arr = labels.draw_frame(arr, label, plate)
                if first_image is None:
                    first_image = Image.fromarray(arr.copy(), "RGB")
                if marking:
                    arr = wm.embed(arr, watermark)
                for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                    out.mux(packet)
                count += 1
            if stream is not None:
                for packet in stream.encode():
                    out.mux(packet)
    except BaseException:
        os.unlink(path)
        raise
    if stream is None:
        os.unlink(path)
        return None
    meta = {
        "size": [stream.width, stream.height],
        "frames": count,
        "frame_rate": float(rate),
        "codec": "h264",
        **({"watermark": watermark} if marking else {}),
        **(labels.described(label) if label is not None else {}),
    }
    return path, first_image, meta
