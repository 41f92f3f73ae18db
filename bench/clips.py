"""An engine over a 1080p clip, streamed frame by frame: peak resident memory for 24, 96 and 240
frames (each run in a process of its own), which stays flat when frames are streamed, and time
per frame. The engine is atmosphere (fog and rain), the clip the 10-second 1080p plate that
bench/signing.py makes. Prints JSON and writes bench/results/clips.json."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, report, size  # noqa: E402

FRAME_COUNTS = size((24, 96, 240), (24,))


def _status_kb(field: str) -> int:
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(field + ":"))
    return int(line.split()[1])


def child(path: str, frames: int) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    import tempfile

    from generation.engines import BUILT_IN
    from generation.engines.base import EngineInput

    engine = BUILT_IN[0]
    plate = EngineInput("plate", b"", "video/mp4", open=lambda: open(path, "rb"), frames=(0, frames - 1))
    Path("/proc/self/clear_refs").write_text(
        "5"
    )  # the peak from here (a forked process starts with its parent's)
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    result = engine.run([plate], {"fog_density": 0.4, "rain": 0.4}, 7, tempfile.gettempdir())
    seconds = time.perf_counter() - started
    peak = _status_kb("VmHWM")
    size = Path(result.path).stat().st_size
    Path(result.path).unlink()
    return {
        "frames": result.metadata["frames"],
        "seconds": round(seconds, 2),
        "ms_per_frame": round(seconds / frames * 1000, 1),
        "rss_before_mb": round(before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "output_bytes": size,
    }


def main():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from signing import make_clips

    path = next(p for name, p in make_clips().items() if name.startswith("1080p"))
    rows = []
    for frames in FRAME_COUNTS:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(path), str(frames)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    peaks = [r["peak_rss_mb"] for r in rows]
    report(
        "clips",
        {
            "engine": "atmosphere (fog 0.4, rain 0.4)",
            "plate": "1920x1080, 24 fps, H.264",
            "output": "H.264 (libx264 crf 18, medium), fragmented MP4",
            "runs": rows,
            "peak_rss_spread_mb": round(max(peaks) - min(peaks), 1),
            "fixed_budget": max(peaks) - min(peaks) < 0.1 * min(peaks),
        },
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
