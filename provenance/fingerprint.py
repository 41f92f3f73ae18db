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

import imagehash
import numpy as np
from django.conf import settings
from PIL import Image

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
BANDS = 8  # 64-bit pHash in 8 bands of 8 bits: two hashes within 7 bits share at least one band


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def phash(img: Image.Image) -> int:
    return to_signed(int(str(imagehash.phash(img)), 16))


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def bands(value: int) -> list[tuple[int, int]]:
    v = value & ((1 << 64) - 1)
    return [(i, (v >> (8 * i)) & 0xFF) for i in range(BANDS)]


def phash_variants(img: Image.Image) -> dict[str, int]:
    w, h = img.size
    out = {}
    for name, (x0, y0, x1, y1) in CROPS.items():
        part = img if name == "full" else img.crop((int(x0 * w), int(y0 * h), int(x1 * w), int(y1 * h)))
        out[name] = phash(part)
    return out


@dataclass
class Model:
    name: str
    model: object
    preprocess: object
    device: str
    mean: np.ndarray
    dims: int


_lock = threading.Lock()
_model: Model | None = None


def load_model() -> Model:
    """The configured open_clip model, loaded once per process from CLIP_WEIGHTS."""
    global _model
    with _lock:
        key = (settings.CLIP_MODEL, settings.CLIP_WEIGHTS)
        if _model is not None and (_model.name, getattr(_model, "weights", None)) == key:
            return _model
        import open_clip
        import torch

        if settings.CLIP_MODEL_CONFIG:
            open_clip.add_model_config(settings.CLIP_MODEL_CONFIG)
        if not settings.CLIP_WEIGHTS:
            raise RuntimeError("CLIP_WEIGHTS is not set: point it at the model's weights file (no weights are downloaded).")
        device = "cuda" if torch.cuda.is_available() else "cpu"
        model, _, preprocess = open_clip.create_model_and_transforms(settings.CLIP_MODEL, pretrained=settings.CLIP_WEIGHTS, device=device)
        model.eval()
        from rightsledger.pictures import picture

        probe = _raw([picture(10_000 + i, (224, 224)) for i in range(32)], model, preprocess, device)
        m = Model(settings.CLIP_MODEL, model, preprocess, device, probe.mean(axis=0), probe.shape[1])
        m.weights = settings.CLIP_WEIGHTS
        _model = m
        return m


def _raw(images, model, preprocess, device) -> np.ndarray:
    import torch

    out = []
    batch = settings.CLIP_BATCH_SIZE
    with torch.inference_mode():
        for i in range(0, len(images), batch):
            x = torch.stack([preprocess(im) for im in images[i : i + batch]]).to(device)
            out.append(model.encode_image(x).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def embed(images: list[Image.Image]) -> np.ndarray:
    """Centred, L2-normalised embeddings, one row per image (float32)."""
    m = load_model()
    raw = _raw([im.convert("RGB") for im in images], m.model, m.preprocess, m.device) - m.mean
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    return (raw / np.maximum(norms, 1e-12)).astype(np.float32)


@dataclass
class Fingerprints:
    sha256: str
    phashes: dict[str, int]
    embedding: np.ndarray


def fingerprint(data: bytes) -> Fingerprints:
    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGB")
        return Fingerprints(hashlib.sha256(data).hexdigest(), phash_variants(img), embed([img])[0])
