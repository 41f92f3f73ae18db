"""Fingerprints of images: SHA-256, perceptual hashes, and an open_clip embedding.

The model comes from settings (CLIP_MODEL, and CLIP_WEIGHTS, a file path; CLIP_MODEL_CONFIG
registers a model configuration from a JSON file), is loaded once per process, and runs on the
GPU when there is one, in batches. Nothing is downloaded.

Embeddings are centred on the model's mean embedding of a fixed set of drawn images before they
are normalised: every CLIP-like model gives all images a large common component, which crowds
cosines together; removing it spreads them apart (and makes a small untrained model usable).
"""

import hashlib
import io
import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from PIL import Image

from .phash import CROPS, hamming, phash, phash_variants, to_signed  # noqa: F401  (re-exported)


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
        if _model is not None and (_model.name, _model.weights) == (settings.CLIP_MODEL, settings.CLIP_WEIGHTS):
            return _model
        if not settings.CLIP_WEIGHTS:
            raise RuntimeError("CLIP_WEIGHTS is not set: point it at the model's weights file (no weights are downloaded).")
        from . import clip

        model, size, device = clip.load(settings.CLIP_MODEL, settings.CLIP_WEIGHTS, settings.CLIP_MODEL_CONFIG)
        probe = clip.embed_images(model, size, device, clip.probe_images(), settings.CLIP_BATCH_SIZE)
        _model = Model(settings.CLIP_MODEL, settings.CLIP_WEIGHTS, model, size, device, probe.mean(axis=0), probe.shape[1])
        return _model


def embed(images: list[Image.Image]) -> np.ndarray:
    """Centred, L2-normalised embeddings, one row per image (float32)."""
    from . import clip

    m = load_model()
    raw = clip.embed_images(m.model, m.size, m.device, images, settings.CLIP_BATCH_SIZE) - m.mean
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    return (raw / np.maximum(norms, 1e-12)).astype(np.float32)


@dataclass
class Fingerprints:
    sha256: str
    phashes: dict[str, int]
    embedding: np.ndarray


def fingerprint(data: bytes) -> Fingerprints:
    from .phash import load

    img = load(data, max_pixels=settings.IMAGE_MAX_PIXELS)
    return Fingerprints(hashlib.sha256(data).hexdigest(), phash_variants(img), embed([img])[0])


def clip_phashes(source, every: float) -> list[int]:
    """The pHashes of a clip's frames, one every `every` seconds; empty if it does not decode.
    Copies are judged by these, sampled more often than outputs are fingerprinted (a quarter of
    VIDEO_KEYFRAME_SECONDS), so a copy trimmed anywhere still has a frame near a keyframe."""
    import av

    try:
        return [phash(img) for _, img in video_keyframes(source, every)]
    except (av.FFmpegError, OSError, ValueError, IndexError):
        return []


def video_keyframes(source, every: float) -> list[tuple[float, Image.Image]]:
    """One frame every `every` seconds of a video (the first frame at or after each mark), decoded
    one at a time from its bytes, a path or a binary file."""
    import av

    frames, mark, start = [], 0.0, None
    with av.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            # Times from the first frame: a fragmented MP4 has no edit list to hide the encoder's delay.
            start = float(frame.time or 0.0) if start is None else start
            t = float(frame.time or 0.0) - start
            if t + 1e-6 >= mark:
                frames.append((round(t, 3), frame.to_image()))
                mark = t + every
    return frames
