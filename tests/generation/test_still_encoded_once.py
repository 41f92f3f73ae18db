"""An engine's still is encoded once, after its label and its watermark, when the signing reads
it: the label and the mark change its pixels, never its bytes; the signed file holds exactly the
labelled and marked pixels, and a still that arrives encoded and is not changed keeps its bytes."""

import io

import numpy as np
import pytest
from PIL import Image

from generation.engines import label
from generation.engines.atmosphere import AtmosphereEngine
from generation.engines.base import EngineInput
from generation.engines.types import JPEG_QUALITY, EngineResult, encode_still
from provenance import selectors as prov_selectors
from provenance import watermark as wm
from provenance.models import Watermark
from provenance.services import watermark_still
from rightsledger import services as rl

from .. import factories as f
from .. import images
from .conftest import Gate

SIZE = (640, 360)  # large enough to carry a watermark


@pytest.fixture
def saves(monkeypatch):
    """Record (format, size) of every picture Pillow encodes, and encode it as Pillow does."""
    seen = []
    save = Image.Image.save

    def counted(self, fp, format=None, **params):
        seen.append(((format or "").upper(), self.size))
        return save(self, fp, format, **params)

    monkeypatch.setattr(Image.Image, "save", counted)
    return seen


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_a_labelled_and_marked_still_is_encoded_once_and_signed_as_those_pixels(
    world, saves, django_capture_on_commit_callbacks
):
    from generation import services

    gate = Gate(world)
    plate_png = images.png(41, SIZE)
    gate.plate = f.make_asset(world.prod_a, seed=41, owner=world.party, data=plate_png)
    f.make_grant(world.prod_a, world.party, [gate.plate], uses=["genai_input"], territories=["WORLD"])
    rl.production_label_set(actor=world.clearance, production=world.prod_a, enabled=True)
    req = gate.submit(seed=7)
    saves.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_queue(actor=world.producer_a, request=req)
    req.refresh_from_db()
    assert req.status == "succeeded", req.failure
    # One encode of the full picture for the whole run (the thumbnail is a small JPEG of its own).
    assert [s for s in saves if s[1] == SIZE] == [("PNG", SIZE)]
    with req.output.asset.file.open("rb") as fh:
        signed = fh.read()
    identifier = Watermark.objects.get(output__asset=req.output.asset).identifier
    # The signed file's pixels are the engine's, labelled, then marked: nothing else changed them.
    rendered = (
        AtmosphereEngine().run([EngineInput("plate", plate_png, "image/png")], req.parameters, seed=7).image
    )
    expected = wm.embed(np.asarray(label.draw(rendered, label.Label())), identifier)
    assert np.array_equal(decoded(signed), expected)
    assert wm.read(decoded(signed)).identifier == identifier
    assert label.reads_back(Image.open(io.BytesIO(signed)), label.Label())
    assert prov_selectors.verify(signed, "image/png")["validation_state"] == "trusted"


def test_a_jpeg_that_arrives_encoded_is_labelled_and_marked_then_encoded_once_when_read(saves):
    arrived = images.jpeg(5, SIZE, quality=90)
    saves.clear()
    result = EngineResult(arrived, "image/jpeg", {"seed": 1})
    labelled = label.label_result(result, label.Label("AI", "top_left"))
    marked, carries = watermark_still(labelled, 1234567)
    assert carries and saves == []  # neither the label nor the mark encoded anything
    assert not marked.encoded and result.data is arrived
    data = marked.data
    assert marked.data is data and saves == [("JPEG", SIZE)]  # read twice, encoded once
    assert data[:3] == b"\xff\xd8\xff" and marked.metadata["visible_label"]["text"] == "AI"
    buf = io.BytesIO()
    marked.image.save(buf, "JPEG", quality=JPEG_QUALITY)
    assert data == buf.getvalue()  # at the project's JPEG quality
    assert wm.read(decoded(data)).identifier == 1234567
    assert label.reads_back(Image.open(io.BytesIO(data)), label.Label("AI", "top_left"))


def test_a_still_neither_labelled_nor_marked_keeps_the_bytes_it_arrived_with(saves):
    arrived = images.png(6, (200, 120))  # under 256x256: too small to carry a mark
    saves.clear()
    result = EngineResult(arrived, "image/png")
    unmarked, carries = watermark_still(label.label_result(result, None), 99)
    assert unmarked is result and not carries
    assert unmarked.data is arrived and saves == []


def test_a_still_given_as_pixels_is_encoded_as_the_project_encodes_pngs(saves):
    picture = images.picture(8, SIZE)
    result = EngineResult.still(picture, "image/png")
    assert saves == [] and not result.encoded
    buf = io.BytesIO()
    picture.save(buf, "PNG", compress_level=1)
    assert result.data == buf.getvalue() == encode_still(picture, "image/png")
    assert np.array_equal(decoded(result.data), np.asarray(picture.convert("RGB")))
    with pytest.raises(ValueError, match="with_pixels"):
        result.with_changes(image=picture)
    with pytest.raises(ValueError, match="image/png or image/jpeg"):
        encode_still(picture, "image/webp")
