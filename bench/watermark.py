"""How well the watermark survives, what it costs the picture, and how long marking takes.

Outputs of the built-in engines (stills, and the frames of clips they render) are marked as the
service marks them (provenance.watermark.embed on a still, and on each frame of a clip, which the
engine then encodes as H.264 at its own CRF 18), then each copy is attacked: JPEG 90/75/50, WebP
80, resized to 50% and back, cropped 10% and 25% (centred and at the top-left corner), brightness
and contrast +-15%, a screenshot-like pass (resized to 90%, sharpened, PNG) and, for clips, H.264 at
CRF 28 and 35. For each attack: the share of copies whose identifier is recovered, and where the
mark is lost, the share that the pHash soft binding still finds (within PHASH_MAX_DISTANCE of one
of the output's stored pHash variants). PSNR is of each marked output against the same output
unmarked (a clip frame's before it is encoded). Marking cost is per 1080p frame, beside the
bare library call (imwatermark's dwtDctSvd encode) on the same frame.

BENCH_STILLS, BENCH_CLIPS, BENCH_FRAMES and BENCH_SIZE (WxH) size the run; the defaults make 130
stills and 3 clips of 24 frames (202 outputs) at 1280x720. Prints JSON and writes
bench/results/watermark.json.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, report, size  # noqa: E402

GOALS = {"jpeg75": 0.95, "webp80": 0.95, "resize50": 0.95, "crf28": 0.95}
PSNR_GOAL_DB = 40.0
MARK_GOAL_MS = 25.0
CLIP_CRFS = {"crf28": 28, "crf35": 35}


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-rightsledger-bench")
    import django

    django.setup()


def _pil(rgb):
    from PIL import Image

    return Image.fromarray(rgb, "RGB")


def _resaved(rgb, fmt: str, **kwargs):
    from PIL import Image

    buf = io.BytesIO()
    _pil(rgb).save(buf, format=fmt, **kwargs)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _resized_back(rgb, factor: float):
    import cv2

    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _cropped(rgb, share: float, corner: bool):
    h, w = rgb.shape[:2]
    dh, dw = round(h * share), round(w * share)
    if corner:
        return np.ascontiguousarray(rgb[dh:, dw:])  # the top-left corner cut away
    return np.ascontiguousarray(rgb[dh // 2 : h - (dh - dh // 2), dw // 2 : w - (dw - dw // 2)])


def _enhanced(rgb, kind: str, factor: float):
    from PIL import ImageEnhance

    enhancer = ImageEnhance.Brightness if kind == "brightness" else ImageEnhance.Contrast
    return np.asarray(enhancer(_pil(rgb)).enhance(factor))


def _screenshot(rgb):
    from PIL import ImageFilter

    h, w = rgb.shape[:2]
    shot = _pil(rgb).resize((round(w * 0.9), round(h * 0.9))).filter(ImageFilter.SHARPEN)
    return _resaved(np.asarray(shot), "PNG")


ATTACKS = {
    "none": lambda x: x,
    "jpeg90": lambda x: _resaved(x, "JPEG", quality=90),
    "jpeg75": lambda x: _resaved(x, "JPEG", quality=75),
    "jpeg50": lambda x: _resaved(x, "JPEG", quality=50),
    "webp80": lambda x: _resaved(x, "WEBP", quality=80),
    "resize50": lambda x: _resized_back(x, 0.5),
    "crop10_centre": lambda x: _cropped(x, 0.10, False),
    "crop10_corner": lambda x: _cropped(x, 0.10, True),
    "crop25_centre": lambda x: _cropped(x, 0.25, False),
    "crop25_corner": lambda x: _cropped(x, 0.25, True),
    "brightness+15": lambda x: _enhanced(x, "brightness", 1.15),
    "brightness-15": lambda x: _enhanced(x, "brightness", 0.85),
    "contrast+15": lambda x: _enhanced(x, "contrast", 1.15),
    "contrast-15": lambda x: _enhanced(x, "contrast", 0.85),
    "screenshot": _screenshot,
}


def _plate(seed: int, size) -> bytes:
    from demo.pictures import picture

    buf = io.BytesIO()
    picture(seed, size).save(buf, format="PNG")
    return buf.getvalue()


def _cut_out(seed: int) -> bytes:
    """A crowd element: a figure cut out of its background (RGBA), its coat's colour by seed."""
    from PIL import Image, ImageDraw

    figure = Image.new("RGBA", (48, 128), (0, 0, 0, 0))
    draw = ImageDraw.Draw(figure)
    draw.ellipse([14, 0, 34, 20], fill=(210, 170, 140, 255))
    draw.polygon([(8, 22), (40, 22), (44, 90), (4, 90)], fill=(40 + 25 * (seed % 8), 70, 130, 255))
    draw.rectangle([12, 90, 36, 128], fill=(35, 35, 40, 255))
    buf = io.BytesIO()
    figure.save(buf, format="PNG")
    return buf.getvalue()


def _inputs(engine, seed: int, size, plate=None):
    from generation.engines.base import EngineInput

    inputs = [plate or EngineInput("plate", _plate(seed, size), "image/png")]
    if "element" in engine.needs_roles:
        inputs.append(EngineInput("element", _cut_out(seed), "image/png"))
    return inputs


def stills(count: int, size) -> list[dict]:
    """Render `count` stills with the built-in engines in turn; mark each as output_sign does."""
    from generation.engines import BUILT_IN
    from provenance import watermark as wm

    out = []
    for i in range(count):
        engine = BUILT_IN[i % len(BUILT_IN)]
        result = engine.run(_inputs(engine, i, size), {}, seed=i)
        rgb = np.asarray(result.image.convert("RGB"))
        if not wm.can_mark(rgb.shape[1], rgb.shape[0]):
            continue
        identifier = 1 + (i * 2654435761) % ((1 << 32) - 1)
        out.append({"kind": "still", "id": identifier, "plain": rgb, "marked": wm.embed(rgb, identifier)})
    return out


def clips(count: int, frames: int, size) -> list[dict]:
    """Render `count` clips with the built-in engines, marked frame by frame as run_clip marks them;
    return each with its encoded file and, per frame, the luma PSNR of the mark."""

    from demo.pictures import clip as draw_clip
    from generation.engines import BUILT_IN
    from generation.engines.base import EngineInput
    from generation.engines.clip import frames as plate_frames
    from generation.engines.clip import run_clip, to_rgb24
    from provenance import watermark as wm

    out = []
    for i in range(count):
        engine = BUILT_IN[i % len(BUILT_IN)]
        fd, plate_path = tempfile.mkstemp(suffix=".mp4")
        os.write(fd, draw_clip(40 + i, size=size, frames=frames, fps=12))
        os.close(fd)
        plate = EngineInput("plate", b"", "video/mp4", open=lambda p=plate_path: open(p, "rb"))
        identifier = 1 + ((i + 977) * 2654435761) % ((1 << 32) - 1)
        p, inputs = engine.resolved({}), _inputs(engine, i, size, plate)
        result = run_clip(engine, plate, inputs, p, i, None, identifier)
        # The mark's PSNR, frame by frame, as rendered: marked against unmarked.
        state, psnrs = None, []
        for index, (_, frame, _) in enumerate(plate_frames(plate)):
            if state is None:
                state = engine.prepare(inputs, p, i, (frame.shape[2], frame.shape[1]))
            rendered = engine.render(frame, state, index)
            _, h, w = rendered.shape
            rgb = to_rgb24(rendered[:, : h - h % 2, : w - w % 2])
            psnrs.append(wm.psnr(rgb, wm.embed(rgb, identifier)))
        os.unlink(plate_path)
        out.append({"id": identifier, "path": result.path, "psnr": psnrs})
    return out


def _decoded(path_or_bytes) -> list:
    """(luma plane, RGB frame) per frame of an encoded clip."""
    import av

    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with av.open(source) as container:
        return [
            (f.reformat(format="yuv420p").to_ndarray()[: f.height], f.to_ndarray(format="rgb24"))
            for f in container.decode(video=0)
        ]


def reencoded(path: str, crf: int) -> bytes:
    """The clip re-encoded as H.264 at a CRF (x264's medium preset), as a platform would."""
    import av

    buf = io.BytesIO()
    with av.open(path) as source, av.open(buf, "w", format="mp4") as out:
        stream = None
        for frame in source.decode(video=0):
            if stream is None:
                stream = out.add_stream("libx264", rate=12)
                stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, "yuv420p"
                stream.options = {"crf": str(crf), "preset": "medium"}
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def _phash_finds(variants: dict, copy_rgb, limit: int) -> bool:
    from provenance import fingerprint as fp

    value = fp.phash(_pil(copy_rgb))
    return min(fp.hamming(value, v) for v in variants.values()) <= limit


def evaluate(still_outputs: list[dict], clip_outputs: list[dict], only=None) -> dict:
    """Per attack: copies, identifiers recovered, and of the copies whose mark was lost, how many
    the pHash finds; false reads of unmarked outputs; PSNR. `only` limits the attacks to those named."""
    from django.conf import settings

    from provenance import fingerprint as fp
    from provenance import watermark as wm

    limit = settings.PHASH_MAX_DISTANCE
    attacks = {k: v for k, v in ATTACKS.items() if only is None or k == "none" or k in only}
    crfs = {k: v for k, v in CLIP_CRFS.items() if only is None or k in only}
    rows: dict[str, dict] = {}

    def tally(attack: str, kind: str, recovered: bool, found_by_phash) -> None:
        row = rows.setdefault(attack, {"copies": 0, "recovered": 0, "lost": 0, "lost_found_by_phash": 0})
        row.setdefault(f"{kind}_copies", 0)
        row.setdefault(f"{kind}_recovered", 0)
        row["copies"] += 1
        row[f"{kind}_copies"] += 1
        if recovered:
            row["recovered"] += 1
            row[f"{kind}_recovered"] += 1
        else:
            row["lost"] += 1
            row["lost_found_by_phash"] += int(bool(found_by_phash()))

    false_reads, unmarked = 0, 0
    frames_psnr = []
    for out in still_outputs:
        variants = fp.phash_variants(_pil(out["marked"]))
        unmarked += 1
        false_reads += wm.read(out["plain"]).identifier is not None
        for name, attack in attacks.items():
            copy = attack(out["marked"])
            tally(
                name,
                "still",
                wm.read(copy).identifier == out["id"],
                lambda c=copy, v=variants: _phash_finds(v, c, limit),
            )
    for clip in clip_outputs:
        frames = _decoded(clip["path"])
        frames_psnr += clip["psnr"]
        for y, rgb in frames:
            variants = fp.phash_variants(_pil(rgb))
            for name, attack in attacks.items():
                if name == "none":
                    ok = wm.read_luma(wm.full_range(y)).identifier == clip["id"]
                    tally(name, "frame", ok, lambda: True)
                    continue
                copy = attack(rgb)
                tally(
                    name,
                    "frame",
                    wm.read(copy).identifier == clip["id"],
                    lambda c=copy, v=variants: _phash_finds(v, c, limit),
                )
            clip.setdefault("variants", []).append(variants)
        for name, crf in crfs.items():
            copies = _decoded(reencoded(clip["path"], crf))
            for (y, rgb), variants in zip(copies, clip["variants"]):
                ok = wm.read_luma(wm.full_range(y)).identifier == clip["id"]
                tally(name, "frame", ok, lambda c=rgb, v=variants: _phash_finds(v, c, limit))
        os.unlink(clip["path"])
    for row in rows.values():
        row["recovery"] = round(row["recovered"] / row["copies"], 4)
    still_psnr = [wm.psnr(o["plain"], o["marked"]) for o in still_outputs]
    return {
        "attacks": rows,
        "psnr_db": {
            "stills_min": round(min(still_psnr), 2) if still_psnr else None,
            "stills_mean": round(statistics.fmean(still_psnr), 2) if still_psnr else None,
            "clip_frames_min": round(min(frames_psnr), 2) if frames_psnr else None,
            "clip_frames_mean": round(statistics.fmean(frames_psnr), 2) if frames_psnr else None,
        },
        "unmarked_outputs_read": unmarked,
        "unmarked_outputs_read_as_marked": false_reads,
    }


def timing(repeats: int = 15) -> dict:
    """Marking one 1080p frame (a still, or a clip's frame as rendered), beside the bare library
    call on the same frame; reading one back."""
    import cv2
    from imwatermark import WatermarkEncoder

    from demo.pictures import picture
    from provenance import watermark as wm

    rgb = np.asarray(picture(7, (1920, 1080)).convert("RGB"))
    identifier = 0x1234ABCD

    def median_ms(fn, n):
        fn()
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - started)
        return round(statistics.median(samples) * 1000, 2)

    encoder = WatermarkEncoder()
    encoder.set_by_bits(list(wm.payload_bits(identifier)))
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    marked_rgb = wm.embed(rgb, identifier)
    return {
        "frame": "1920x1080",
        "embed_ms": median_ms(lambda: wm.embed(rgb, identifier), repeats),
        "read_ms": median_ms(lambda: wm.read(marked_rgb), repeats),
        "bare_library_dwtDctSvd_encode_ms": median_ms(
            lambda: encoder.encode(bgr, "dwtDctSvd", scales=[wm.SCALE, 0, 0]), 2
        ),
    }


def goals(results: dict) -> dict:
    """Each goal, its figure, and whether it is met."""
    attacks = results["attacks"]
    out = {
        f"recovery after {name}": {
            "goal": f">= {goal:.0%}",
            "figure": attacks[name]["recovery"],
            "met": bool(attacks[name]["recovery"] >= goal),
        }
        for name, goal in GOALS.items()
    }
    worst = min(v for k, v in results["psnr_db"].items() if k.endswith("_min") and v is not None)
    out["PSNR"] = {
        "goal": f">= {PSNR_GOAL_DB:g} dB",
        "figure": float(worst),
        "met": bool(worst >= PSNR_GOAL_DB),
    }
    ms = results["timing"]["embed_ms"]
    out["marking per 1080p frame"] = {
        "goal": f"<= {MARK_GOAL_MS:g} ms",
        "figure": ms,
        "met": ms <= MARK_GOAL_MS,
    }
    return out


def run(stills_count: int, clip_count: int, frames: int, size, only=None) -> dict:
    """Render, mark, attack and read; the engines render on one thread (on a shared machine
    torch's thread pool spends more time waiting than rendering), the threads restored after."""
    import torch

    _setup()
    started = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        still_outputs = stills(stills_count, size)
        clip_outputs = clips(clip_count, frames, size)
    finally:
        torch.set_num_threads(threads)
    results = evaluate(still_outputs, clip_outputs, only)
    results["outputs"] = {
        "stills": len(still_outputs),
        "clip_frames": sum(len(c["psnr"]) for c in clip_outputs),
        "size": f"{size[0]}x{size[1]}",
    }
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def main() -> None:
    frame = tuple(int(v) for v in (os.environ.get("BENCH_SIZE") or size("1280x720", "640x360")).split("x"))
    results = run(
        int(os.environ.get("BENCH_STILLS") or size(130, 2)),
        int(os.environ.get("BENCH_CLIPS") or size(3, 1)),
        int(os.environ.get("BENCH_FRAMES") or size(24, 2)),
        frame,
    )
    results["timing"] = timing(size(15, 1))
    results["goals"] = goals(results)
    report("watermark", results)


if __name__ == "__main__":
    main()
