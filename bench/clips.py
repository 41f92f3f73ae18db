"""An engine over a 1080p clip, streamed frame by frame: peak resident memory for 24, 96 and 240
frames (each run in a process of its own), which stays flat when frames are streamed, and time
per frame. The engine is atmosphere (fog and rain), the clip the 10-second 1080p plate that
bench/signing.py makes. And a 1 GB clip signed from S3 to S3 (moto's server), through the
storage API and the signing service, in a process of its own: its peak resident memory and its
temporary files. Prints JSON and writes bench/results/clips.json.

    python bench/clips.py            # everything
    python bench/clips.py --s3       # the S3 row only (the engine rows are kept from the last run)
    python bench/clips.py --engine   # the engine rows only (the S3 row is kept from the last run)"""

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


def engine_rows() -> dict:
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
    return {
        "engine": "atmosphere (fog 0.4, rain 0.4)",
        "plate": "1920x1080, 24 fps, H.264",
        "output": "H.264 (libx264 crf 18, medium), fragmented MP4",
        "runs": rows,
        "peak_rss_spread_mb": round(max(peaks) - min(peaks), 1),
        "fixed_budget": max(peaks) - min(peaks) < 0.1 * min(peaks),
    }


def s3_row() -> dict:
    """The 1 GB fragmented clip signed from S3 to S3, in a child process against a moto server."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common.s3 import moto_bucket
    from signing import make_clips

    clips = make_clips()  # at the smoke size, only the small clip: it stands in for the 1 GB one
    path = next((p for name, p in clips.items() if name.startswith("1 GB, fragmented")), None)
    path = path or next(iter(clips.values()))
    with moto_bucket("rightsledger-bench-clips") as s3_env:
        done = subprocess.run(
            [sys.executable, __file__, "--s3-child", str(path)],
            env={**os.environ, **s3_env},
            capture_output=True,
            text=True,
        )
    if done.returncode:
        raise SystemExit(f"the S3 signing failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def s3_child(source: str) -> dict:
    """Put the clip in the bucket (not measured), then, measured: open it through the storage API
    (django-storages spools it to a temporary file past AWS_S3_MAX_MEMORY_SIZE), sign it with
    sign_stream into a temporary file, and store the signed file through store_content (a
    multipart upload), as a signed output is stored. Reports the peak resident memory from the
    start of the measured part, and the temporary files left (none: each is gone when closed)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import hashlib
    import tempfile

    from signing import signing_setup

    identity, facts = signing_setup("AI-generated output (atmosphere)")
    from django.conf import settings
    from django.core.files.storage import default_storage
    from PIL import Image

    from provenance.services import _thumbnail, sign_stream
    from rightsledger.services import store_content

    assert settings.STORAGE_KIND == "s3", "the S3 row runs with RIGHTSLEDGER_STORAGE=s3"

    def sha256_of(fh) -> str:
        fh.seek(0)
        digest = hashlib.sha256()
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
        return digest.hexdigest()

    size = Path(source).stat().st_size
    t = time.perf_counter()
    with open(source, "rb") as fh:
        name, _ = store_content(sha256_of(fh), fh, size)
    put_seconds = time.perf_counter() - t
    # Every temporary file of the measured part in a folder of its own, to see that none is left.
    work = Path(tempfile.mkdtemp(prefix="s3-signing-"))
    tempfile.tempdir = str(work)
    first = Image.new("RGB", (1920, 1080), (90, 100, 120))
    Path("/proc/self/clear_refs").write_text("5")  # the peak from here
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    with default_storage.open(name, "rb") as src, tempfile.NamedTemporaryFile(suffix=".mp4") as dst:
        src.file  # noqa: B018  (the download, timed apart)
        downloaded = time.perf_counter()
        sign_stream(
            source=src,
            dest=dst,
            media_type="video/mp4",
            facts=facts,
            ingredients=[],
            thumbnail=_thumbnail(first, b""),
            identity=identity,
        )
        signed = time.perf_counter()
        signed_size = dst.seek(0, 2)
        signed_name, written = store_content(sha256_of(dst), dst, signed_size)
        stored = time.perf_counter()
    peak = _status_kb("VmHWM")
    left = sorted(str(p) for p in work.iterdir())
    open_in_work = [
        target
        for fd in Path("/proc/self/fd").iterdir()
        if (target := os.readlink(fd) if fd.is_symlink() else "").startswith(str(work))
    ]
    work.rmdir()
    return {
        "clip": Path(source).name,
        "bytes": size,
        "signed_bytes": signed_size,
        "stored_signed_bytes": default_storage.size(signed_name),
        "stored_as_new_object": written,
        "path": (
            "default_storage.open (S3File, spooled to a temporary file past max_memory_size) -> "
            "provenance.services.sign_stream into a NamedTemporaryFile -> "
            "rightsledger.services.store_content (multipart upload)"
        ),
        "put_source_seconds_not_measured": round(put_seconds, 1),
        "download_seconds": round(downloaded - started, 1),
        "sign_seconds": round(signed - downloaded, 1),
        "hash_and_store_seconds": round(stored - signed, 1),
        "total_seconds": round(stored - started, 1),
        "rss_before_mb": round(before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "added_rss_mb": round((peak - before) / 1024, 1),
        "goal": "added resident memory <= 300 MB, no temporary file left",
        "temporary_files_left": left + open_in_work,
        "goal_met": (peak - before) / 1024 <= 300 and not left and not open_in_work,
    }


def main():
    previous_path = Path(__file__).parent / "results" / "clips.json"
    previous = json.loads(previous_path.read_text()) if previous_path.exists() else {}
    engine = (
        {k: v for k, v in previous.items() if k not in ("benchmark", "date", "machine", "s3_signing")}
        if "--s3" in sys.argv
        else engine_rows()
    )
    s3 = previous.get("s3_signing") if "--engine" in sys.argv else s3_row()
    report("clips", {**engine, **({"s3_signing": s3} if s3 else {})})


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]))))
    elif sys.argv[1:2] == ["--s3-child"]:
        print(json.dumps(s3_child(sys.argv[2])))
    else:
        main()
