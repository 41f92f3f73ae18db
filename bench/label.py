"""The visible label's cost: burning it into a 1080p still, and into every frame of a clip (which
is decoded and encoded again), beside the same decode and encode without a label.

Run with `python bench/label.py`; prints JSON and writes bench/results/label.json. No database.
"""

import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, percentiles, report  # noqa: E402

STILLS = int(os.environ.get("BENCH_LABEL_STILLS", 200))
CLIP_FRAMES = int(os.environ.get("BENCH_LABEL_CLIP_FRAMES", 48))


def main():
    sys.path.insert(0, str(ROOT))
    from demo.pictures import clip, picture
    from generation.engines import label
    from generation.engines.types import EngineResult

    spec = label.Label()
    frames = [picture(seed, (1920, 1080)) for seed in range(8)]
    timings = []
    for i in range(STILLS):
        started = time.perf_counter()
        label.draw(frames[i % len(frames)], spec)
        timings.append(time.perf_counter() - started)

    workdir = tempfile.mkdtemp()
    try:
        source = Path(workdir) / "source.mp4"
        source.write_bytes(clip(3, frames=CLIP_FRAMES, size=(1920, 1080)))
        runs = {}
        for name in ("reencode_only", "labelled"):
            path = Path(workdir) / f"{name}.mp4"
            shutil.copy(source, path)
            result = EngineResult(b"", "video/mp4", path=str(path))
            draw = label.draw
            if name == "reencode_only":
                label.draw = lambda image, _spec: image.convert("RGB")  # the same pass, no label
            started = time.perf_counter()
            try:
                label.label_clip(dataclasses.replace(result), spec)
            finally:
                label.draw = draw
            runs[name] = (time.perf_counter() - started) / CLIP_FRAMES * 1000
    finally:
        shutil.rmtree(workdir)
    report(
        "label",
        {
            "still_1080p_draw": percentiles(timings),
            "clip_1080p_per_frame_ms": {
                "frames": CLIP_FRAMES,
                "decode_and_encode_again": round(runs["reencode_only"], 2),
                "with_the_label": round(runs["labelled"], 2),
            },
        },
    )


if __name__ == "__main__":
    main()
