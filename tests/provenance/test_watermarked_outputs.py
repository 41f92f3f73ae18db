"""Outputs carry a watermark: a still is marked before it is signed, a clip on every frame as it
is rendered; the manifest declares it beside the pHash; a copy stripped of its metadata is resolved
by it through byContent, byBinding, training clearance and the verify page."""

import base64
import http.server
import io
import json
import threading

import av
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from generation.engines import label
from generation.models import GenerationOutput, GenerationRequest
from provenance import manifest as mf
from provenance import selectors, services
from provenance import watermark as wm
from provenance.models import SignedOutput, Watermark
from provenance.services import watermark_allocate
from rightsledger import services as rl

from .. import factories as f
from .. import images
from ..generation.conftest import Gate

SIZE = (640, 360)


@pytest.fixture
def big_gate(world):
    """A gate whose plate is large enough to carry a mark (640x360), with a clip plate too."""
    gate = Gate(world)
    gate.plate = f.make_asset(world.prod_a, seed=41, owner=world.party, data=images.png(41, SIZE))
    gate.clip = f.make_asset(
        world.prod_a,
        kind="plate",
        fmt="mp4",
        data=images.clip(5, frames=12, size=(384, 256)),
        owner=world.party,
    )
    f.make_grant(
        world.prod_a,
        world.party,
        [gate.plate, gate.clip],
        uses=["genai_input", "edit"],
        media=["theatrical", "svod"],
        territories=["WORLD"],
    )
    return gate


@pytest.fixture
def run(api, django_capture_on_commit_callbacks):
    def go(gate, **overrides):
        producer = api(gate.world.producer_a)
        rid = producer.post("/api/generation/requests/", gate.body(**overrides), format="json").json()["id"]
        with django_capture_on_commit_callbacks(execute=True):
            producer.post(f"/api/generation/requests/{rid}/queue/")
        req = GenerationRequest.objects.get(pk=rid)
        assert req.status == "succeeded", req.failure
        return req.output.asset

    return go


def content(asset) -> bytes:
    with asset.file.open("rb") as fh:
        return fh.read()


def bindings(data: bytes, media_type: str) -> dict[str, str]:
    store = services.read_store(data, media_type)
    active = store["manifests"][store["active_manifest"]]
    return {
        a["data"]["alg"]: a["data"]["blocks"][0]["value"]
        for a in active["assertions"]
        if a["label"].startswith("c2pa.soft-binding")
    }


def stripped_jpeg(data: bytes, quality=80) -> bytes:
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def test_a_still_is_marked_before_it_is_signed_and_declares_the_mark(big_gate, run):
    output = run(big_gate)
    data = content(output)
    signed = SignedOutput.objects.get(asset=output)
    mark = Watermark.objects.get(output=signed)
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert wm.read(pixels).identifier == mark.identifier
    # The manifest's hash covers the marked pixels: the file verifies as trusted.
    assert selectors.verify(data, "image/png")["validation_state"] == "trusted"
    declared = bindings(data, "image/png")
    assert base64.b64decode(declared[mf.WATERMARK_ALG]) == mark.identifier.to_bytes(4, "big")
    assert mf.SOFT_BINDING_ALG in declared


def test_a_stripped_jpeg_resolves_by_its_watermark(big_gate, run, client):
    output = run(big_gate)
    signed = SignedOutput.objects.get(asset=output)
    copy = stripped_jpeg(content(output))
    assert services.read_store(copy, "image/jpeg") is None or not services.read_store(copy, "image/jpeg")
    found = client.post("/api/c2pa/v1/matches/byContent", copy, content_type="image/jpeg").json()
    assert found["matches"] == [{"manifestId": signed.manifest_label, "similarityScore": 100}]
    only_mark = client.post(
        f"/api/c2pa/v1/matches/byContent?alg={mf.WATERMARK_ALG}", copy, content_type="image/jpeg"
    )
    assert only_mark.json()["matches"][0]["manifestId"] == signed.manifest_label
    value = bindings(content(output), "image/png")[mf.WATERMARK_ALG]
    by_value = client.get("/api/c2pa/v1/matches/byBinding", {"alg": mf.WATERMARK_ALG, "value": value})
    assert by_value.json()["matches"] == [{"manifestId": signed.manifest_label, "similarityScore": 100}]
    short = client.get("/api/c2pa/v1/matches/byBinding", {"alg": mf.WATERMARK_ALG, "value": "AAE="})
    assert short.status_code == 400 and "4 bytes" in short.json()["errors"][0]["message"]
    # Training clearance: the file itself, its reason the watermark.
    verdict = client.post(
        "/api/training-clearance/", {"files": [SimpleUploadedFile("copy.jpg", copy)]}, format="multipart"
    ).json()["results"][0]
    assert verdict["verdict"] == "not_allowed"
    assert verdict["reasons"][-1] == "The file carries the watermark of an output generated by this service."
    # The verify page says so, and names nothing.
    page = client.post("/verify/", {"file": SimpleUploadedFile("copy.jpg", copy)}).content.decode()
    assert "Watermark found: an AI-generated output signed here on " in page
    assert big_gate.shot.code not in page and signed.manifest_label not in page.split("Technical details")[0]


def test_a_copy_whose_watermark_is_unknown_falls_back_to_its_fingerprint(big_gate, run, client):
    output = run(big_gate)
    signed = SignedOutput.objects.get(asset=output)
    Watermark.objects.filter(output=signed).update(output=None)  # as if its identifier were never tied
    copy = stripped_jpeg(content(output))
    found = client.post("/api/c2pa/v1/matches/byContent", copy, content_type="image/jpeg").json()
    assert found["matches"][0]["manifestId"] == signed.manifest_label
    assert found["matches"][0]["similarityScore"] < 100 or len(found["matches"]) >= 1
    verdict = client.post(
        "/api/training-clearance/", {"files": [SimpleUploadedFile("copy.jpg", copy)]}, format="multipart"
    ).json()["results"][0]
    assert verdict["verdict"] == "not_allowed" and "pHash" in verdict["reasons"][-1]


def test_a_clip_carries_the_mark_on_every_frame_and_a_reencoded_copy_resolves(big_gate, run, client):
    output = run(
        big_gate,
        engine="atmosphere",
        inputs=[{"asset": big_gate.clip.pk, "role": "plate"}],
    )
    data = content(output)
    signed = SignedOutput.objects.get(asset=output)
    mark = Watermark.objects.get(output=signed).identifier
    with av.open(io.BytesIO(data)) as clip:
        lumas = [frame.to_ndarray(format="yuv420p")[: frame.height] for frame in clip.decode(video=0)]
    assert len(lumas) == 12 and all(wm.read_luma(wm.full_range(y)).identifier == mark for y in lumas)
    assert base64.b64decode(bindings(data, "video/mp4")[mf.WATERMARK_ALG]) == mark.to_bytes(4, "big")
    found = client.post("/api/c2pa/v1/matches/byContent", data, content_type="video/mp4").json()
    assert found["matches"][0] == {"manifestId": signed.manifest_label, "similarityScore": 100}


def frames_and_mark(output):
    data = content(output)
    mark = Watermark.objects.get(output=SignedOutput.objects.get(asset=output)).identifier
    with av.open(io.BytesIO(data)) as clip:
        frames = list(clip.decode(video=0))
    return data, mark, frames


def test_a_labelled_clip_is_labelled_then_marked_on_every_frame(big_gate, run):
    """The label is burned into each frame before the watermark is written over it, as the frame is
    rendered: every frame of the signed file carries both, and the file is encoded once."""
    rl.production_label_set(actor=big_gate.world.clearance, production=big_gate.world.prod_a, enabled=True)
    output = run(big_gate, engine="atmosphere", inputs=[{"asset": big_gate.clip.pk, "role": "plate"}])
    data, mark, frames = frames_and_mark(output)
    assert len(frames) == 12
    for frame in frames:
        assert (
            wm.read_luma(wm.full_range(frame.to_ndarray(format="yuv420p")[: frame.height])).identifier == mark
        )
        assert label.reads_back(frame.to_image(), label.Label()), frame.index
    assert selectors.verify(data, "video/mp4")["validation_state"] == "trusted"
    metadata = GenerationOutput.objects.get(asset=output).engine_metadata
    assert metadata["visible_label"]["text"] == label.DEFAULT_TEXT


class _Echo(http.server.BaseHTTPRequestHandler):
    """A model server that answers with the clip it was sent (the HTTP engine's contract)."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        plate = body["inputs"][0]
        answer = json.dumps({"media_type": "video/mp4", "data": plate["data"], "metadata": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("labelled", [False, True], ids=["unlabelled", "labelled"])
def test_an_http_engines_clip_is_labelled_and_marked_on_every_frame_when_received(
    big_gate, run, settings, labelled
):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if labelled:
        rl.production_label_set(
            actor=big_gate.world.clearance, production=big_gate.world.prod_a, enabled=True
        )
    try:
        settings.GENERATION_HTTP_ENGINES = {
            "echo": {"url": f"http://127.0.0.1:{server.server_port}/", "uses": ["atmosphere"]}
        }
        output = run(
            big_gate, engine="echo", parameters={}, inputs=[{"asset": big_gate.clip.pk, "role": "plate"}]
        )
    finally:
        server.shutdown()
    data, mark, frames = frames_and_mark(output)
    assert len(frames) == 12
    assert all(
        wm.read_luma(wm.full_range(f.to_ndarray(format="yuv420p")[: f.height])).identifier == mark
        for f in frames
    )
    assert all(label.reads_back(f.to_image(), label.Label()) is labelled for f in frames)
    assert base64.b64decode(bindings(data, "video/mp4")[mf.WATERMARK_ALG]) == mark.to_bytes(4, "big")
    assert selectors.verify(data, "video/mp4")["validation_state"] == "trusted"


def test_a_still_too_small_to_carry_a_mark_is_signed_without_declaring_one(world, run):
    output = run(Gate(world))  # the plate is 320x180
    declared = bindings(content(output), "image/png")
    assert mf.WATERMARK_ALG not in declared and mf.SOFT_BINDING_ALG in declared
    assert not Watermark.objects.filter(output__asset=output).exists()


def test_identifiers_are_allocated_once_each(db):
    allocated = {watermark_allocate() for _ in range(50)}
    assert len(allocated) == 50 and all(0 < i < 1 << 32 for i in allocated)
    assert Watermark.objects.filter(identifier__in=allocated).count() == 50


def test_an_unknown_soft_binding_algorithm_is_refused_naming_both_that_are_resolved(client, db):
    response = client.post(
        "/api/c2pa/v1/matches/byContent?alg=org.example.wm", b"x", content_type="image/jpeg"
    )
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert mf.WATERMARK_ALG in message and mf.SOFT_BINDING_ALG in message


def test_the_disclosure_packs_self_check_reads_the_watermark_back_from_the_stored_file(big_gate, run):
    from provenance.marks import WATERMARK, marks_check

    output = run(big_gate)
    signed = SignedOutput.objects.get(asset=output)
    mark = Watermark.objects.get(output=signed)
    checks = {c.mark: c for c in marks_check(output, signed).checks}
    assert checks[WATERMARK].passed is True and str(mark.identifier) in checks[WATERMARK].detail
    # The stored file replaced by the same picture without its mark: the check fails, saying so.
    unmarked = images.png(41, SIZE)
    with open(output.file.storage.path(output.file.name), "wb") as fh:
        fh.write(unmarked)
    checks = {c.mark: c for c in marks_check(output, signed).checks}
    assert checks[WATERMARK].passed is False
    assert checks[WATERMARK].detail == "no watermark reads back from the stored file"
