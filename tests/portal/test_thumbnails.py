"""Thumbnails: made once per asset by a Celery task after it is registered (a still scaled down, a
clip's poster frame), and served with the asset page's access rules."""

import io
import wave

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image, ImageChops, ImageStat

from generation import services as gen
from generation.models import GenerationRequest
from rightsledger import services, tasks
from rightsledger.models import Thumbnail
from rightsledger.thumbnails import POSTER_SECONDS
from rightsledger.video import open_video

from .. import factories as f
from .. import images
from ..generation.conftest import Gate

pytestmark = pytest.mark.django_db


def register(world, capture, data, name, kind="still"):
    """Register an upload as clearance does, running what is queued once it commits."""
    upload = SimpleUploadedFile(name, data)
    with capture(execute=True):
        asset, _ = services.asset_register(
            actor=world.clearance, production=world.prod_a, upload=upload, kind=kind
        )
    return asset


def picture(thumbnail) -> Image.Image:
    with default_storage.open(thumbnail.file.name, "rb") as fh:
        return Image.open(io.BytesIO(fh.read())).convert("RGB")


def difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b.resize(a.size))).mean)


def test_a_registered_still_gets_one_thumbnail_320_pixels_on_its_long_side(
    world, django_capture_on_commit_callbacks
):
    still = images.picture(5, (1280, 720))
    asset = register(world, django_capture_on_commit_callbacks, images.encode(still, "PNG"), "harbour.png")
    thumbnail = Thumbnail.objects.get(asset=asset)
    shown = picture(thumbnail)
    assert (thumbnail.media_type, thumbnail.width, thumbnail.height) == ("image/webp", 320, 180)
    assert shown.size == (320, 180) and difference(shown, still) < 12  # the same picture, scaled
    # The task again (a retry, the backfill): the same row, no second file.
    assert tasks.asset_thumbnail(asset.pk) is True
    assert Thumbnail.objects.filter(asset=asset).count() == 1
    assert Thumbnail.objects.get(asset=asset).file.name == thumbnail.file.name
    assert call_command("thumbnails") is None and Thumbnail.objects.count() == 1


def test_a_clips_thumbnail_is_its_poster_frame(world, django_capture_on_commit_callbacks):
    data = images.clip(7, size=(320, 180), frames=180, fps=12, pan=2)  # 15 seconds
    asset = register(world, django_capture_on_commit_callbacks, data, "pan.mp4", kind="plate")
    thumbnail = Thumbnail.objects.get(asset=asset)
    assert (thumbnail.width, thumbnail.height) == (320, 180)
    with open_video(data) as clip:
        frames = [frame.to_image() for frame in clip.frames()]
    shown = picture(thumbnail)
    # The frame a second in (past a fade from black), not the first: the clip pans 2 pixels a frame.
    nearest = min(range(len(frames)), key=lambda i: difference(shown, frames[i]))
    assert nearest == int(POSTER_SECONDS * 12) and difference(shown, frames[nearest]) < 8


def test_a_file_with_no_picture_is_said_so_once(world, django_capture_on_commit_callbacks):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:  # a second of room tone
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(16000))
    asset = register(world, django_capture_on_commit_callbacks, buf.getvalue(), "room-tone.wav", kind="audio")
    thumbnail = Thumbnail.objects.get(asset=asset)
    assert not thumbnail.file and "no picture" in thumbnail.problem


def test_assets_registered_before_thumbnails_get_them_from_the_backfill(world):
    # Registered outside a transaction that commits in the test: nothing queued ran.
    old = [f.make_asset(world.prod_a, seed=n) for n in (1, 2, 3)]
    assert not Thumbnail.objects.filter(asset__in=old).exists()
    out = io.StringIO()
    call_command("thumbnails", stdout=out)
    assert "Made the thumbnails of 3 assets; 0 still have none." in out.getvalue()
    assert Thumbnail.objects.filter(asset__in=old).exclude(file="").count() == 3


def test_the_demo_seeds_assets_with_thumbnails(db, settings, tmp_path):
    from demo.world import seed_world

    seed_world()  # written through the services, as `seed_demo` does, then the same backfill
    services.thumbnails_backfill()
    from rightsledger.models import Asset

    pictured = Asset.objects.filter(media_type__startswith="image/")
    assert pictured.exists()
    assert not pictured.filter(thumbnail__isnull=True).exists()
    assert not pictured.filter(thumbnail__file="").exists()


@pytest.fixture
def output(world, django_capture_on_commit_callbacks):
    """A signed output of production A (its thumbnail made as it was recorded)."""
    gate = Gate(world)
    req = gate.submit()
    with django_capture_on_commit_callbacks(execute=True):
        gen.request_queue(actor=world.producer_a, request=req)  # eager: runs and records the output
    req = GenerationRequest.objects.get(pk=req.pk)
    assert req.status == "succeeded" and Thumbnail.objects.filter(asset=req.output.asset).exists()
    services.thumbnails_backfill()  # the gate's inputs, registered with nothing run on commit
    return req


def test_a_thumbnail_is_served_only_to_whoever_may_see_the_asset(world, output, client):
    asset = output.output.asset
    url = f"/assets/{asset.pk}/thumbnail.webp"
    assert Thumbnail.objects.get(asset=asset).file  # made when the output was recorded
    assert client.get(url).status_code == 302  # signed out: to the login page
    for user in (world.clearance, world.producer_a, world.auditor):
        client.force_login(user)
        got = client.get(url)
        assert got.status_code == 200 and got["Content-Type"] == "image/webp"
        assert got["tdm-reservation"] == "1" and "noai" in got["X-Robots-Tag"]
        assert Image.open(io.BytesIO(b"".join(got.streaming_content))).size == (
            asset.thumbnail.width,
            asset.thumbnail.height,
        )
    for user in (world.producer_b, world.guild_rep):  # another production's, a guild's: as if absent
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(f"/assets/{asset.pk}/").status_code == 404
    # Held for clearance: the asset's page is shown, its picture withheld like its bytes.
    GenerationRequest.objects.filter(pk=output.pk).update(status="held")
    client.force_login(world.clearance)
    assert client.get(url).status_code == 403
    page = client.get(f"/assets/{asset.pk}/").content.decode()
    assert "its picture is withheld" in page and url not in page


def test_pages_show_thumbnails_and_the_asset_page_waits_for_a_fresh_one(world, output, client):
    plate = output.inputs.get().asset
    client.force_login(world.clearance)
    plate_url = f"/assets/{plate.pk}/thumbnail.webp"
    assets = client.get(f"/productions/{world.prod_a.pk}/assets/").content.decode()
    assert plate_url in assets and f"/assets/{output.output.asset_id}/thumbnail.webp" in assets
    request_page = client.get(f"/requests/{output.pk}/").content.decode()
    assert plate_url in request_page and 'alt="The picture ' in request_page
    client.force_login(world.producer_a)
    shots = client.get(f"/productions/{world.prod_a.pk}/shots/").content.decode()
    assert f"/assets/{output.output.asset_id}/thumbnail.webp" in shots
    form = client.get(f"/productions/{world.prod_a.pk}/requests/new/").content.decode()
    assert plate_url in form
    # A fresh upload whose task has not run yet: a placeholder that polls until the picture is made.
    client.force_login(world.clearance)
    fresh = f.make_asset(world.prod_a, seed=77)
    page = client.get(f"/assets/{fresh.pk}/").content.decode()
    panel = f"/assets/{fresh.pk}/thumbnail/panel/"
    assert "Preview being made" in page and panel in page
    assert client.get(f"/assets/{fresh.pk}/thumbnail.webp").status_code == 404
    tasks.asset_thumbnail(fresh.pk)
    polled = client.get(panel).content.decode()
    assert f"/assets/{fresh.pk}/thumbnail.webp" in polled and "Preview being made" not in polled
    assert 'hx-trigger="every 2s"' not in polled
