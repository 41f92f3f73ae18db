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
