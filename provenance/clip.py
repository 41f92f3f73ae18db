"""open_clip loading and batched image embedding, with no Django: the service (through
provenance.fingerprint) and the benchmarks use the same code.

Files are decoded in DataLoader workers, JPEGs with PIL's draft mode (the decoder scales down by
1/2, 1/4 or 1/8 as it decodes), and cropped to the model's input size as uint8; normalisation
runs on the device with the model, so decoding is not the bottleneck.
"""

import numpy as np
import torch
from PIL import Image, ImageDraw

from rightsledger.imaging import open_image

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def load(model_name: str, weights: str, config: str = "", device: str | None = None):
    """Return (model, input size, device) with the weights read from a local file."""
    import open_clip  # defers open_clip (and its model registry) until a model is loaded

    if config:
        open_clip.add_model_config(config)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = open_clip.create_model(model_name, pretrained=weights, device=device)
    model.eval()
    size = model.visual.image_size
    size = size[0] if isinstance(size, (tuple, list)) else size
    return model, int(size), device


def to_uint8(img: Image.Image, size: int) -> torch.Tensor:
    """Resize the short side to size and centre-crop: a [3, size, size] uint8 tensor."""
    if img.format == "JPEG":
        img.draft("RGB", (size, size))
    img = img.convert("RGB")
    w, h = img.size
    scale = size / min(w, h)
    img = img.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.Resampling.BILINEAR)
    w, h = img.size
    left, top = (w - size) // 2, (h - size) // 2
    img = img.crop((left, top, left + size, top + size))
    return torch.from_numpy(np.asarray(img, dtype=np.uint8).copy()).permute(2, 0, 1)


class Files(torch.utils.data.Dataset):
    def __init__(self, paths, size):
        self.paths, self.size = list(paths), size

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with open_image(self.paths[i]) as img:
            return to_uint8(img, self.size)


def encode_uint8(model, batch: torch.Tensor, device: str) -> torch.Tensor:
    """Raw embeddings of a uint8 batch [n, 3, s, s]."""
    x = batch.to(device, non_blocking=True).float().div_(255)
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
    x = (x - mean) / std
    with (
        torch.inference_mode(),
        torch.autocast(device_type="cuda", dtype=torch.float16, enabled=device == "cuda"),
    ):
        return model.encode_image(x).float()


def embed_images(model, size, device, images, batch_size=64) -> np.ndarray:
    out = []
    for i in range(0, len(images), batch_size):
        out.append(
            encode_uint8(
                model, torch.stack([to_uint8(im, size) for im in images[i : i + batch_size]]), device
            )
            .cpu()
            .numpy()
        )
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def embed_files(model, size, device, paths, batch_size=256, workers=4) -> np.ndarray:
    loader = torch.utils.data.DataLoader(
        Files(paths, size),
        batch_size=batch_size,
        num_workers=workers,
        pin_memory=device == "cuda",
        persistent_workers=False,
        prefetch_factor=4 if workers else None,
    )
    return np.concatenate([encode_uint8(model, b, device).cpu().numpy() for b in loader])


def probe_images(n: int = 32, size: int = 224) -> list[Image.Image]:
    """Return n fixed, varied pictures (colour fields split by a horizon, with blocks of other
    colours) whose mean embedding centres a model's embeddings. They are part of the model's
    loading, the same for every deployment, and drawn here from fixed seeds."""
    out = []
    for i in range(n):
        rng = np.random.default_rng(1_000 + i)
        top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        ramp = np.linspace(0.0, 1.0, size)[:, None, None]
        pixels = (top * (1 - ramp) + bottom * ramp).repeat(size, axis=1).astype(np.uint8)
        img = Image.fromarray(pixels, "RGB")
        draw = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(2, 6))):
            x0, y0 = (int(v) for v in rng.integers(0, size - 16, 2))
            x1, y1 = x0 + int(rng.integers(12, size // 2)), y0 + int(rng.integers(12, size // 2))
            shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
            shape([x0, y0, x1, y1], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
        out.append(img)
    return out
