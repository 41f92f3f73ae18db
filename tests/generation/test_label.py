"""The visible label: switched on per production (a ledger entry), burned into a still and into
every frame of a clip before signing, in the corner asked for; the signed file still verifies."""

import io
import json

import av
import numpy as np
import pytest
from PIL import Image

from generation import disclosure_pack, services
from generation.engines import label
from generation.models import GenerationOutput
from provenance import selectors as prov_selectors
from rightsledger import services as rl
from rightsledger.models import LedgerEntry

from .. import factories as f
from .. import images
from .conftest import Gate


def stored(asset) -> bytes:
    with asset.file.storage.open(asset.file.name, "rb") as fh:
        return fh.read()


def frames_of(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as container:
        return [frame.to_ndarray(format="rgb24").astype(np.int16) for frame in container.decode(video=0)]


def run(gate: Gate, capture, req):
    with capture(execute=True):
        services.request_queue(actor=gate.world.producer_a, request=req)
    req.refresh_from_db()
    assert req.status == "succeeded", req.failure
    return req.output.asset


def inside_and_outside(a: np.ndarray, b: np.ndarray, box) -> tuple[float, float]:
    """The mean absolute difference of two pictures inside the label's box, and outside it."""
    left, top, right, bottom = box
    mask = np.zeros(a.shape[:2], bool)
    mask[top:bottom, left:right] = True
    diff = np.abs(a - b).mean(axis=2)
    return float(diff[mask].mean()), float(diff[~mask].mean())


@pytest.fixture
def gate(world):
    return Gate(world)


def test_clearance_switches_the_label_on_and_the_ledger_records_it(gate, api):
    prod = gate.world.prod_a
    response = api(gate.world.clearance).post(
        f"/api/productions/{prod.pk}/label/",
        {"enabled": True, "text": "Made with AI", "corner": "top_left"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["label_enabled"] is True and response.json()["label_corner"] == "top_left"
    prod.refresh_from_db()
    assert (prod.label_enabled, prod.label_text, prod.label_corner) == (True, "Made with AI", "top_left")
    entry = LedgerEntry.objects.filter(entry_type="production.label_set").get()
    body = json.loads(bytes(entry.body))["payload"]
    assert body["enabled"] is True and body["corner"] == "top_left"
    # The words are in the row; the ledger holds a commitment to them.
    assert "Made with AI" not in bytes(entry.body).decode() and body["personal"]["label_text"]
    assert label.label_of(prod) == label.Label("Made with AI", "top_left")


def test_a_producer_cannot_set_the_label_and_a_bad_corner_is_refused_in_words(gate, api):
    url = f"/api/productions/{gate.world.prod_a.pk}/label/"
    before = LedgerEntry.objects.count()
    assert api(gate.world.producer_a).post(url, {"enabled": True}, format="json").status_code == 403
    bad = api(gate.world.clearance).post(url, {"enabled": True, "corner": "middle"}, format="json")
    assert bad.status_code == 400
    (error,) = bad.json()["errors"]
    assert error["field"] == "corner" and "bottom right" in error["message"]
    assert LedgerEntry.objects.count() == before
    gate.world.prod_a.refresh_from_db()
    assert gate.world.prod_a.label_enabled is False


@pytest.mark.parametrize("corner", ["bottom_right", "top_left"])
def test_the_label_is_drawn_in_its_corner_and_nowhere_else(corner):
    picture = images.picture(4, (640, 360))
    spec = label.Label("AI-generated", corner)
    drawn = np.asarray(label.draw(picture, spec), np.int16)
    left, top, right, bottom = label.box(picture.size, spec)
    assert (left < 320) == corner.endswith("left") and (top < 180) == corner.startswith("top")
    inside, outside = inside_and_outside(
        drawn, np.asarray(picture.convert("RGB"), np.int16), (left, top, right, bottom)
    )
    assert inside > 30 and outside == 0
    # White ink (the words and the icon) on the dark plate.
    plate = drawn[top:bottom, left:right]
    assert (plate.min(axis=2) > 230).sum() > 40 and np.median(plate) < 80


def test_a_still_of_a_production_with_the_label_carries_it_and_still_verifies(
    gate, django_capture_on_commit_callbacks
):
    plain_asset = run(gate, django_capture_on_commit_callbacks, gate.submit())
    plain = Image.open(io.BytesIO(stored(plain_asset)))
    rl.production_label_set(actor=gate.world.clearance, production=gate.world.prod_a, enabled=True)
    asset = run(gate, django_capture_on_commit_callbacks, gate.submit())
    data = stored(asset)
    labelled = Image.open(io.BytesIO(data))
    box = label.box(labelled.size, label.Label())
    inside, outside = inside_and_outside(
        np.asarray(labelled.convert("RGB"), np.int16), np.asarray(plain.convert("RGB"), np.int16), box
    )
    assert inside > 30 and outside == 0
    # Burned in before signing: the manifest's hash covers the label, and the file verifies.
    assert prov_selectors.verify(data, asset.media_type)["validation_state"] == "trusted"
    # The disclosure pack says which label the output was made with, and finds it in the picture;
    # an output made without one has none to check; a picture without it fails the check.
    output = GenerationOutput.objects.get(asset=asset)
    assert output.engine_metadata["visible_label"] == {"text": "AI-generated", "corner": "bottom_right"}
    assert disclosure_pack.label_check(output).passed is True
    assert disclosure_pack.label_check(GenerationOutput.objects.get(asset=plain_asset)).passed is None
    with open(asset.file.storage.path(asset.file.name), "wb") as fh:
        fh.write(stored(plain_asset))
    failed = disclosure_pack.label_check(output)
    assert (
        failed.passed is False
        and failed.detail == "“AI-generated” in the bottom right corner is not found in the picture"
    )


def test_every_frame_of_a_clip_of_a_production_with_the_label_carries_it(
    gate, django_capture_on_commit_callbacks
):
    world = gate.world
    plate = f.make_asset(
        world.prod_a, kind="plate", fmt="mp4", data=images.clip(3, frames=12), owner=world.party
    )
    f.make_grant(
        world.prod_a, world.party, [plate], uses=["genai_input"], media=["theatrical"], territories=["WORLD"]
    )

    def clip_request():
        return gate.submit(engine="atmosphere", inputs=[{"asset": plate, "role": "plate"}])

    plain = frames_of(stored(run(gate, django_capture_on_commit_callbacks, clip_request())))
    rl.production_label_set(
        actor=world.clearance, production=world.prod_a, enabled=True, text="AI", corner="top_right"
    )
    asset = run(gate, django_capture_on_commit_callbacks, clip_request())
    data = stored(asset)
    labelled = frames_of(data)
    assert len(labelled) == len(plain) == 12
    box = label.box((labelled[0].shape[1], labelled[0].shape[0]), label.Label("AI", "top_right"))
    for before, after in zip(plain, labelled, strict=True):
        inside, outside = inside_and_outside(after, before, box)
        assert inside > 30 and outside < 2, (inside, outside)
    assert prov_selectors.verify(data, "video/mp4")["validation_state"] == "trusted"
    assert disclosure_pack.label_check(GenerationOutput.objects.get(asset=asset)).passed is True


def test_a_still_given_as_bytes_alone_is_labelled_in_its_own_format():
    from generation.engines.types import EngineResult

    picture = images.picture(5, (640, 360))
    result = EngineResult(images.jpeg(5, (640, 360), quality=95), "image/jpeg")
    labelled = label.label_result(result, label.Label("AI", "bottom_left"))
    assert labelled.data[:3] == b"\xff\xd8\xff" and labelled.image.size == (640, 360)
    assert labelled.metadata["visible_label"] == {"text": "AI", "corner": "bottom_left"}
    assert label.reads_back(Image.open(io.BytesIO(labelled.data)), label.Label("AI", "bottom_left"))
    assert not label.reads_back(picture, label.Label("AI", "bottom_left"))
