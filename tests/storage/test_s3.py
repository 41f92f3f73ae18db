"""Content in S3 (moto's server over HTTP): registration, a run end to end (a still and a clip),
signing and downloads all go through the storage API; nothing is written under MEDIA_ROOT, and the
engines' temporary files are gone after each run."""

import hashlib
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from generation import runner
from generation.models import GenerationRequest
from provenance import selectors

from .. import factories as f
from .. import images
from ..generation.conftest import Gate

pytestmark = pytest.mark.s3


def on_disk(media_root: Path) -> list[str]:
    return sorted(str(p) for p in Path(media_root).rglob("*")) if Path(media_root).exists() else []


def test_registered_files_are_in_the_bucket_and_download_with_their_bytes(s3, world, api, media_root):
    still, clip = images.png(5), images.clip(2, frames=24)
    client = api(world.clearance)
    ids = []
    for name, data, kind in (("plate.png", still, "plate"), ("plate.mp4", clip, "plate")):
        response = client.post(
            "/api/assets/",
            {"production": world.prod_a.pk, "kind": kind, "file": SimpleUploadedFile(name, data)},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    from rightsledger.models import Asset

    assets = [Asset.objects.get(pk=i) for i in ids]
    assert s3.keys() == {a.file.name for a in assets}
    for asset, data in zip(assets, (still, clip)):
        assert s3.read(asset.file.name) == data and asset.sha256 == hashlib.sha256(data).hexdigest()
        download = client.get(f"/api/assets/{asset.pk}/content/")
        assert download.status_code == 200 and b"".join(download.streaming_content) == data
    assert assets[1].frame_count == 24 and assets[1].codec == "h264"
    assert on_disk(media_root) == []


def _run(gate, api, capture, body) -> GenerationRequest:
    producer = api(gate.world.producer_a)
    response = producer.post("/api/generation/requests/", body, format="json")
    assert response.status_code == 201, response.content
    rid = response.json()["id"]
    with capture(execute=True):
        producer.post(f"/api/generation/requests/{rid}/queue/")
    req = GenerationRequest.objects.get(pk=rid)
    assert req.status == "succeeded", req.failure
    return req


@pytest.mark.parametrize("kind", ["still", "clip"])
def test_a_request_runs_end_to_end_with_its_output_signed_in_the_bucket(
    s3, world, api, client, django_capture_on_commit_callbacks, media_root, kind
):
    gate = Gate(world)
    if kind == "clip":
        gate.clip = f.make_asset(
            world.prod_a, kind="plate", fmt="mp4", data=images.clip(3, frames=24), owner=world.party
        )
        f.make_grant(
            world.prod_a,
            world.party,
            [gate.clip],
            uses=["genai_input", "edit"],
            media=["theatrical", "svod"],
            territories=["WORLD"],
        )
        body = gate.body(inputs=[{"asset": gate.clip.pk, "role": "plate", "frames": [2, 13]}])
    else:
        body = gate.body()
    req = _run(gate, api, django_capture_on_commit_callbacks, body)
    output = req.output.asset
    media_type = "video/mp4" if kind == "clip" else "image/png"
    assert output.media_type == media_type
    # The signed output is in the bucket, with the inputs, and nothing else is.
    assert output.file.name in s3.keys()
    data = s3.read(output.file.name)
    assert hashlib.sha256(data).hexdigest() == output.sha256
    result = selectors.verify(data, media_type)
    assert result["validation_state"] == "trusted" and result["failures"] == [], result
    # The download streams through the app, with its access rules and the opt-out headers.
    producer = api(world.producer_a)
    download = producer.get(f"/api/assets/{output.pk}/content/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == data
    assert download["Content-Usage"] == "train-ai=n"
    assert download["tdm-reservation"] == "1" and "noai" in download["X-Robots-Tag"]
    assert api(None).get(f"/api/assets/{output.pk}/content/").status_code in (401, 403)
    # The portal's download of the same output carries them too.
    client.force_login(world.producer_a)
    page = client.get(f"/requests/{req.pk}/output/preview/")
    assert page.status_code == 200 and page["Content-Usage"] == "train-ai=n"
    assert b"".join(page.streaming_content) == data
    # Nothing was written under MEDIA_ROOT; the engine's temporary files are gone.
    assert on_disk(media_root) == []
    assert os.listdir(runner.workdir()) == []


MEASURE = """
import hashlib, json, sys
from pathlib import Path
import django
django.setup()
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rightsledger.media import inspect_upload_file
from rightsledger.services.storage import store_content

path = sys.argv[1]
import av  # noqa: F401  (FFmpeg's libraries, loaded once before measuring)
default_storage.save("warm-up", ContentFile(b"x"))  # the client, its connections and libraries, once
def kb(field):
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith(field + ":"))
    return int(line.split()[1])
Path("/proc/self/clear_refs").write_text("5")  # the peak from here, not the imports'
before = kb("VmRSS")
phases = {}
def phase(label):
    phases[label] = (kb("VmHWM") - before) / 1024
with open(path, "rb") as fh:
    info, content = inspect_upload_file(File(fh, name="plate.mp4"), kind="plate")
    phase("checked")
    with content:
        name, written = store_content(info.sha256, content, info.size)
    phase("stored")
digest = hashlib.sha256()
with default_storage.open(name, "rb") as fh:
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        digest.update(chunk)
phase("read back")
after = kb("VmHWM")
print(json.dumps({"name": name, "written": written, "frames": info.clip.frame_count,
                  "read_back": digest.hexdigest(), "sha256": info.sha256,
                  "grew_mb": (after - before) / 1024, "phases": phases}))
"""


def noise_clip(path: Path, frames: int) -> None:
    """A clip that does not compress: every frame fresh noise, losslessly encoded (some 430 KB a frame)."""
    import av
    import numpy as np

    rng = np.random.default_rng(7)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"preset": "ultrafast", "qp": "0"}
        for _ in range(frames):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (360, 640, 3), dtype=np.uint8), "rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


# Large enough that the transfers' own buffers (about 40 to 56 MB, whatever the clip's size) are
# well under the clip: a process that held it whole would grow by more than all of it.
FRAMES = 300


def test_a_large_clip_is_registered_into_and_read_from_the_bucket_without_being_held_in_memory(
    s3, tmp_path, media_root
):
    import json
    import subprocess
    import sys

    path = tmp_path / "large.mp4"
    noise_clip(path, FRAMES)
    size = path.stat().st_size
    assert size > 110 * 1024 * 1024
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "RIGHTSLEDGER_STORAGE": "s3",  # as an operator sets it: config.settings builds the backend
        "AWS_STORAGE_BUCKET_NAME": s3.bucket,
        "AWS_S3_ENDPOINT_URL": s3.endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_LOCATION": s3.prefix,
        "MEDIA_ROOT": str(media_root),
        "AWS_S3_MAX_CONCURRENCY": "2",  # two 8 MB parts in flight and two waiting: 32 MB
    }
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["written"] and seen["frames"] == FRAMES
    assert seen["read_back"] == seen["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert seen["name"] in s3.keys()
    # The process never held the clip: its peak stayed well under the clip's size (the parts in
    # flight, and a temporary file in memory up to media.SPOOL_BYTES, then on disk).
    mb = size / 2**20
    print(f"a {mb:.0f} MB clip stored and read back: peak +{seen['grew_mb']:.1f} MB", seen["phases"])
    assert seen["grew_mb"] < 0.75 * mb, (seen, size)
    assert on_disk(media_root) == []
