"""Fingerprinting a clip holds a frame (and a batch of the model's small inputs) at a time: the
peak memory of fingerprinting a long clip is that of a short one. Each run is a fresh process,
whose peak resident size (getrusage's ru_maxrss) is read before and after fingerprinting."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from .test_fingerprints import tiny_clip  # noqa: F401  (the small open_clip model, as a fixture)

ROOT = Path(__file__).resolve().parents[2]
SIZE = (1280, 720)  # 2.8 MB a frame as an RGB image

MEASURE = """
import json, resource, sys
import django
django.setup()
from provenance import fingerprint as fp

path, embeddings = sys.argv[1], sys.argv[2] == "1"
if embeddings:
    fp.load_model()
fp.keyframe_prints(path, 1.0, embeddings=embeddings)  # libraries and their first buffers, once
fp.clip_phashes(path, 1.0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
prints = fp.keyframe_prints(path, 0.0, embeddings=embeddings)  # every frame a keyframe
phashes = fp.clip_phashes(path, 0.0)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"keyframes": len(prints), "phashes": len(phashes), "grew_mb": (after - before) / 1024,
                  "embedded": sum(k.embedding is not None for k in prints)}))
"""


def long_clip(frames: int) -> bytes:
    """An H.264 MP4 of drawn frames, each a little different, at 1280 x 720: small on disk."""
    width, height = SIZE
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "45"}
        base = np.zeros((height, width, 3), np.uint8)
        base[:, :, 0] = np.linspace(0, 255, width, dtype=np.uint8)
        for i in range(frames):
            arr = base.copy()
            arr[(i * 7) % height :: 97, :, 1] = 200
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def measure(path: Path, embeddings: bool, clip_settings: dict) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "CLIP_BATCH_SIZE": "8", **clip_settings}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), "1" if embeddings else "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("embeddings", [False, True], ids=["phash", "phash+clip"])
@pytest.mark.heavy(40)
def test_fingerprinting_a_clip_holds_a_frame_at_a_time_whatever_its_length(
    tmp_path,
    tiny_clip,  # noqa: F811  (the fixture imported above)
    embeddings,
):
    short, long = tmp_path / "short.mp4", tmp_path / "long.mp4"
    short.write_bytes(long_clip(12))
    long.write_bytes(long_clip(120))
    assert long.stat().st_size < 3_000_000
    small = measure(short, embeddings, tiny_clip)
    large = measure(long, embeddings, tiny_clip)
    assert (small["keyframes"], large["keyframes"], large["phashes"]) == (12, 120, 120)
    assert large["embedded"] == (120 if embeddings else 0)
    # Holding every frame would take 120 x 2.8 MB, some 330 MB; one frame at a time takes a few.
    assert large["grew_mb"] < small["grew_mb"] + 40, (small, large)
    assert large["grew_mb"] < 80, (small, large)
