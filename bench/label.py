"""The visible label's cost: burning it into a 1080p still; into a clip's 1080p frame as the engine
renders it (the plate drawn once a run, composited on every frame, before the watermark); and, for a
clip an HTTP engine rendered elsewhere, the pass that decodes it, labels and marks every frame and
encodes it again (engines.clip.finish), beside the same decode and encode with neither.

Run with `python bench/label.py`; prints JSON and writes bench/results/label.json. No database.
"""

import os
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, percentiles, report, size  # noqa: E402

STILLS = int(os.environ.get("BENCH_LABEL_STILLS") or size(200, 2))
CLIP_FRAMES = int(os.environ.get("BENCH_LABEL_CLIP_FRAMES") or size(48, 2))


def main():
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from demo.pictures import clip, picture
    from generation.engines import clip as clips
    from generation.engines import label
    from rightsledger.video import open_video

    spec = label.Label()
    frames = [picture(seed, (1920, 1080)) for seed in range(8)]
    stills, in_loop = [], []
    plate = label.plate_for((1920, 1080), spec)
    arrays = [np.asarray(f.convert("RGB")).copy() for f in frames]
    for i in range(STILLS):
        started = time.perf_counter()
        label.draw(frames[i % len(frames)], spec)
        stills.append(time.perf_counter() - started)
        started = time.perf_counter()
        label.draw_frame(arrays[i % len(arrays)], spec, plate)
        in_loop.append(time.perf_counter() - started)

    workdir = tempfile.mkdtemp()
    try:
        source = Path(workdir) / "source.mp4"
        source.write_bytes(clip(3, frames=CLIP_FRAMES, size=(1920, 1080)))

        def decoded():
            with open_video(str(source)) as c:
                for frame in c.frames():
                    yield frame.to_ndarray(format="rgb24"), c.rate or Fraction(24)

        started = time.perf_counter()
        path, _, _ = clips._encoded(decoded(), workdir, None, None)
        bare = (time.perf_counter() - started) / CLIP_FRAMES * 1000
        os.unlink(path)
        runs = {}
        for name, watermark, lab in (("labelled", None, spec), ("labelled_and_marked", 0x5EED, spec)):
            copy = Path(workdir) / f"{name}.mp4"
            shutil.copy(source, copy)
            started = time.perf_counter()
            clips.finish(str(copy), workdir, watermark, lab)
            runs[name] = (time.perf_counter() - started) / CLIP_FRAMES * 1000
    finally:
        shutil.rmtree(workdir)
    report(
        "label",
        {
            "still_1080p_draw": percentiles(stills),
            "clip_1080p_frame_in_the_render_loop": percentiles(in_loop),
            "http_engine_clip_1080p_per_frame_ms": {
                "frames": CLIP_FRAMES,
                "decode_and_encode_again": round(bare, 2),
                "with_the_label": round(runs["labelled"], 2),
                "with_the_label_and_the_watermark": round(runs["labelled_and_marked"], 2),
            },
        },
    )


if __name__ == "__main__":
    main()
