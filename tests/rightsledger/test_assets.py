"""Asset upload: content-addressed, checked from the bytes, safe against bad images."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rightsledger.models import Asset, LedgerEntry

from .. import images


def upload(api, user, world, data, name="plate.png", kind="plate", **extra):
    body = {"production": world.prod_a.pk, "kind": kind, "file": SimpleUploadedFile(name, data), **extra}
    return api(user).post("/api/assets/", body, format="multipart")


def nothing_written(before_assets, before_entries):
    return Asset.objects.count() == before_assets and LedgerEntry.objects.count() == before_entries


def test_clearance_registers_a_plate_content_addressed(world, api):
    data = images.png(3)
    response = upload(api, world.clearance, world, data, owner=world.party.pk, title="Harbour wide")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["media_type"] == "image/png" and (body["width"], body["height"]) == (320, 180)
    asset = Asset.objects.get(pk=body["id"])
    assert asset.file.name.endswith(body["sha256"]) and asset.file.read() == data
    entry = LedgerEntry.objects.get(record_type="asset", record_id=asset.pk)
    assert entry.entry_type == "asset.registered" and entry.actor == f"user:{world.clearance.pk}"


def test_the_same_bytes_twice_return_the_existing_asset(world, api):
    data = images.jpeg(4)
    first = upload(api, world.clearance, world, data, name="a.jpg")
    entries = LedgerEntry.objects.count()
    second = upload(api, world.clearance, world, data, name="copy-of-a.jpg")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Asset.objects.count() == 1 and LedgerEntry.objects.count() == entries


def test_a_jpeg_named_png_is_recorded_as_the_jpeg_it_is(world, api):
    response = upload(api, world.clearance, world, images.jpeg(5), name="really-a-jpeg.png")
    assert response.status_code == 201
    assert response.json()["media_type"] == "image/jpeg"


@pytest.mark.parametrize(
    "data,name,code",
    [
        (b"name,role\nMaria,lead\n" * 20, "plate.png", "content_type_unsupported"),
        (b"%PDF-1.7\n" + b"x" * 300, "still.jpg", "content_type_unsupported"),
        (b"", "empty.png", "file_empty"),
    ],
)
def test_a_non_image_with_an_image_name_is_refused(world, api, data, name, code):
    before = Asset.objects.count(), LedgerEntry.objects.count()
    response = upload(api, world.clearance, world, data, name=name)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == code and error["field"] == "file"
    assert nothing_written(*before)


def test_the_message_names_the_file_and_what_it_really_is(world, api):
    response = upload(api, world.clearance, world, b"just some notes\n" * 40, name="plate.png")
    message = response.json()["errors"][0]["message"]
    assert "plate.png" in message and "image" in message


def test_a_corrupt_image_is_refused(world, api):
    data = images.png(6)
    truncated = data[: len(data) // 2]
    before = Asset.objects.count(), LedgerEntry.objects.count()
    response = upload(api, world.clearance, world, truncated)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "image_corrupt"
    assert nothing_written(*before)


def test_a_decompression_bomb_is_refused(world, api, settings):
    settings.IMAGE_MAX_PIXELS = 1000 * 1000
    buf = io.BytesIO()
    Image.new("L", (4000, 4000), 0).save(buf, format="PNG")  # 16 Mpx of black, a few KB on disk
    before = Asset.objects.count(), LedgerEntry.objects.count()
    response = upload(api, world.clearance, world, buf.getvalue())
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "image_too_large"
    assert nothing_written(*before)


def test_an_oversize_upload_is_refused_with_413(world, api, settings):
    settings.ASSET_MAX_BYTES = 1_000
    data = images.png(7, size=(640, 360))
    assert len(data) > 1_000
    before = Asset.objects.count(), LedgerEntry.objects.count()
    response = upload(api, world.clearance, world, data)
    assert response.status_code == 413
    assert "1,000" in response.json()["errors"][0]["message"]
    assert nothing_written(*before)


def test_an_audio_file_cannot_be_a_plate(world, api):
    wav = (
        b"RIFF"
        + (36).to_bytes(4, "little")
        + b"WAVEfmt "
        + b"\x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00"
        b"data\x00\x00\x00\x00"
    )
    response = upload(api, world.clearance, world, wav, name="line.wav", kind="plate")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "kind_content_mismatch"


def test_unknown_fields_and_kinds_are_refused(world, api):
    response = upload(api, world.clearance, world, images.png(8), kind="hologram")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "kind"
    response = upload(api, world.clearance, world, images.png(8), colour="blue")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "unknown_field",
        "field": "colour",
        "message": response.json()["errors"][0]["message"],
    }
    assert Asset.objects.count() == 0


def test_assets_are_immutable_through_the_api(world, api):
    asset_id = upload(api, world.clearance, world, images.png(9)).json()["id"]
    for method in ("put", "patch", "delete"):
        response = getattr(api(world.clearance), method)(
            f"/api/assets/{asset_id}/", {"title": "x"}, format="json"
        )
        assert response.status_code == 405


def test_content_downloads_the_registered_bytes(world, api):
    data = images.png(10)
    asset_id = upload(api, world.clearance, world, data).json()["id"]
    response = api(world.producer_a).get(f"/api/assets/{asset_id}/content/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
