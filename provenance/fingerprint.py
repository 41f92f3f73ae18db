"""Fingerprints of images: SHA-256, perceptual hashes, and an open_clip embedding.

The model comes from settings (CLIP_MODEL, and CLIP_WEIGHTS, a file path; CLIP_MODEL_CONFIG
registers a model configuration from a JSON file), is loaded once per process, and runs on the
GPU when there is one, in batches. Nothing is downloaded.

Embeddings are centred on the model's mean embedding of a fixed set of drawn images before they
are normalised: every CLIP-like model gives all images a large common component, which crowds
cosines together; removing it spreads them apart (and makes a small untrained model usable).
"""

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from PIL import Image

from rightsledger.imaging import MAX_PIXELS
from rightsledger.video import MAX_FRAMES, open_video

from .phash import CROPS, hamming, load, phash, phash_variants, to_signed  # noqa: F401  (re-exported)


@dataclass
class Model:
    name: str
    weights: str
    model: object
    size: int
    device: str
    mean: np.ndarray
    dims: int


_lock = threading.Lock()
_model: Model | None = None


def load_model() -> Model:
    """The configured open_clip model, loaded once per process from CLIP_WEIGHTS."""
    global _model
    with _lock:
        if _model is not None and (_model.name, _model.weights) == (
            settings.CLIP_MODEL,
            settings.CLIP_WEIGHTS,
        ):
            return _model
        if not settings.CLIP_WEIGHTS:
            raise RuntimeError(
                "CLIP_WEIGHTS is not set: point it at the model's weights file (no weights are downloaded)."
            )
        from . import clip  # defers torch (provenance.clip) until a model is loaded

        model, size, device = clip.load(
            settings.CLIP_MODEL, settings.CLIP_WEIGHTS, settings.CLIP_MODEL_CONFIG
        )
        probe = clip.embed_images(model, size, device, clip.probe_images(), settings.CLIP_BATCH_SIZE)
        _model = Model(
            settings.CLIP_MODEL,
            settings.CLIP_WEIGHTS,
            model,
            size,
            device,
            probe.mean(axis=0),
            probe.shape[1],
        )
        return _model


def embed(images: list[Image.Image]) -> np.ndarray:
    """Centred, L2-normalised embeddings, one row per image (float32)."""
    from . import clip  # defers torch (provenance.clip) until an image is embedded

    m = load_model()
    return _centred(m, clip.embed_images(m.model, m.size, m.device, images, settings.CLIP_BATCH_SIZE))


def _centred(m: Model, raw: np.ndarray) -> np.ndarray:
    """Return raw embeddings centred on the model's mean and L2-normalised, row by row (float32)."""
    raw = raw - m.mean
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    return (raw / np.maximum(norms, 1e-12)).astype(np.float32)


@dataclass
class Fingerprints:
    sha256: str
    phashes: dict[str, int]
    embedding: np.ndarray


def fingerprint(data: bytes) -> Fingerprints:
    img = load(data, max_pixels=settings.IMAGE_MAX_PIXELS)
    return Fingerprints(hashlib.sha256(data).hexdigest(), phash_variants(img), embed([img])[0])


def clip_phashes(
    source,
    every: float,
    *,
    max_pixels: int = MAX_PIXELS,
    max_frames: int = MAX_FRAMES,
    max_samples: int | None = None,
) -> list[int]:
    """The pHashes of a clip's frames, one every `every` seconds; empty if it does not decode.
    Copies are judged by these, sampled more often than outputs are fingerprinted (a quarter of
    VIDEO_KEYFRAME_SECONDS), so a copy trimmed anywhere still has a frame near a keyframe. Each
    frame is hashed as it is decoded and dropped. Raises VideoRefused for a clip over max_pixels
    a frame, over max_frames frames, or longer than max_samples samples (the service passes
    TRAINING_CLEARANCE_MAX_FRAMES, the most the fingerprint mode takes)."""
    import av  # defers FFmpeg (PyAV) until a clip is read

    try:
        frames = video_keyframes(
            source, every, max_pixels=max_pixels, max_frames=max_frames, max_samples=max_samples
        )
        return [phash(img) for _, img in frames]
    except (av.FFmpegError, OSError, ValueError, IndexError):
        return []


@dataclass(frozen=True)
class Keyframe:
    seconds: float
    phash: int
    embedding: np.ndarray | None


def keyframe_prints(source, every: float, *, embeddings: bool) -> list[Keyframe]:
    """Return the pHash and (with embeddings) the embedding of a clip's frame every `every`
    seconds, as phash() and embed() give them for that frame. Each frame is hashed and reduced to
    the model's input as it is decoded, then dropped; the model runs every CLIP_BATCH_SIZE frames
    (the batches embed() makes), so memory does not grow with the clip's length. Raises
    VideoRefused for a clip over IMAGE_MAX_PIXELS a frame or VIDEO_MAX_FRAMES frames."""
    m = load_model() if embeddings else None
    if m is not None:
        import torch  # here: pHashes alone need no model, nor torch

        from . import clip  # with torch
    prints: list[tuple[float, int]] = []
    vectors: list[np.ndarray] = []
    batch: list = []  # the model's inputs, [3, size, size] uint8 tensors

    def flush():
        if batch:
            raw = clip.encode_uint8(m.model, torch.stack(batch), m.device).cpu().numpy()
            vectors.append(_centred(m, raw))
            batch.clear()

    frames = video_keyframes(
        source, every, max_pixels=settings.IMAGE_MAX_PIXELS, max_frames=settings.VIDEO_MAX_FRAMES
    )
    for t, img in frames:
        prints.append((t, phash(img)))
        if m is not None:
            batch.append(clip.to_uint8(img, m.size))
            if len(batch) == settings.CLIP_BATCH_SIZE:
                flush()
    if m is not None:
        flush()
    rows = np.concatenate(vectors) if vectors else [None] * len(prints)
    return [Keyframe(t, h, e) for (t, h), e in zip(prints, rows)]


def video_keyframes(
    source,
    every: float,
    *,
    max_pixels: int = MAX_PIXELS,
    max_frames: int = MAX_FRAMES,
    max_samples: int | None = None,
) -> Iterator[tuple[float, Image.Image]]:
    """Yield (seconds, frame) for one frame every `every` seconds of a clip (the first frame at or
    after each mark), decoded one at a time through the checked open from its bytes, a path or a
    binary file: a caller that keeps only what it needs of each frame holds one frame at a time.
    Raises VideoRefused for frames over max_pixels, more than max_frames frames, or (max_samples)
    a clip longer than max_samples samples."""
    max_seconds = max_samples * every if max_samples is not None and every > 0 else None
    mark, start = 0.0, None
    with open_video(source, max_pixels=max_pixels, max_frames=max_frames, max_seconds=max_seconds) as clip:
        for frame in clip.frames():
            # Times from the first frame: a fragmented MP4 has no edit list to hide the encoder's delay.
            start = float(frame.time or 0.0) if start is None else start
            t = float(frame.time or 0.0) - start
            if t + 1e-6 >= mark:
                yield round(t, 3), frame.to_image()
                mark = t + every
