"""Embedding throughput for the configured open_clip model: the model's raw forward rate on
decoded batches, and end to end from image files (decode in DataLoader workers, normalise on the
device). On the CPU, and on a GPU where there is one. Uses provenance.clip, the code the service
uses, with no Django, so it also runs on a bare GPU machine.

    python bench/embed.py [--model ViT-B-32 --weights W.pt] [--random] [--images 2000]

--random builds the model with random weights and saves them first (no download), then loads
them through the same path as real weights. Prints JSON and writes bench/results/embed.json, a
section per device.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import SMOKE, machine, report, size, tiny_clip_config  # noqa: E402

from demo.pictures import picture  # noqa: E402
from provenance import clip  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=os.environ.get("CLIP_MODEL", "ViT-B-32"))
    parser.add_argument("--weights", default=os.environ.get("CLIP_WEIGHTS", ""))
    parser.add_argument("--random", action="store_true")
    parser.add_argument("--images", type=int, default=size(512, 4))
    parser.add_argument("--batch", type=int, default=0)
    parser.add_argument("--workers", type=int, default=size(min(8, os.cpu_count() or 2), 1))
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    config = ""
    if SMOKE:  # the small model, randomly initialised, on whatever device there is
        (args.model, config), args.weights = tiny_clip_config(tmp), ""
    if args.random or not args.weights:
        import open_clip

        torch.manual_seed(0)
        args.weights = str(tmp / f"{args.model}-random.pt")
        torch.save({"state_dict": open_clip.create_model(args.model).state_dict()}, args.weights)
    model, side, device = clip.load(args.model, args.weights, config=config, device=args.device)
    batch = args.batch or size(256 if device == "cuda" else 32, 2)
    folder = tmp / "images"
    folder.mkdir()
    for i in range(min(args.images, 256)):
        picture(i, (1280, 720)).save(folder / f"{i:05d}.jpg", quality=90)
    paths = [folder / f"{i % 256:05d}.jpg" for i in range(args.images)]

    decoded = torch.stack(
        [clip.to_uint8(__import__("PIL.Image", fromlist=["x"]).open(p), side) for p in paths[:batch]]
    )
    clip.encode_uint8(model, decoded, device)  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    n, t = 0, time.perf_counter()
    while time.perf_counter() - t < size(10, 1) and n < args.images * 2:
        clip.encode_uint8(model, decoded, device)
        n += len(decoded)
    if device == "cuda":
        torch.cuda.synchronize()
    forward = n / (time.perf_counter() - t)

    clip.embed_files(
        model, side, device, paths[: batch * 2], batch, args.workers
    )  # warm the workers' code path
    t = time.perf_counter()
    out = clip.embed_files(model, side, device, paths, batch, args.workers)
    end_to_end = len(out) / (time.perf_counter() - t)
    name = "cuda" if device == "cuda" else "cpu"
    result = {
        "model": args.model,
        "weights": "random, saved and loaded from a file"
        if args.random or "random" in args.weights
        else args.weights,
        "device": torch.cuda.get_device_name(0)
        if device == "cuda"
        else f"CPU, {torch.get_num_threads()} threads",
        "torch": torch.__version__,
        "batch": batch,
        "workers": args.workers,
        "images": len(out),
        "source_images": "1280x720 JPEG q90",
        "forward_images_per_second": round(forward, 1),
        "end_to_end_images_per_second": round(end_to_end, 1),
        "end_to_end_share_of_forward": round(end_to_end / forward, 3),
    }
    # One file, a section per device: the CPU and GPU runs are made on different machines.
    path = Path(__file__).resolve().parent / "results" / "embed.json"
    merged = json.loads(path.read_text()) if path.exists() else {}
    merged = {k: v for k, v in merged.items() if k in ("cpu", "cuda")}
    report("embed", {**merged, name: {"machine": machine(), **result}})


if __name__ == "__main__":
    main()
