"""Video bombs at every endpoint and page that takes a clip: a clip whose frames are over
IMAGE_MAX_PIXELS (one 12000 x 12000 PNG frame in a MOV, 170 KB), and one with more frames than
VIDEO_MAX_FRAMES. Each is answered 400 and nothing is written. Every clip decode goes through
rightsledger.video's checked open, which refuses them from the stream's header."""

import ast
import io
import json
from fractions import Fraction
from pathlib import Path

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rightsledger.video import VideoRefused, open_video

from .forms import request_form
from .test_endpoints import (
    FILE_OPERATIONS,
    READS_NO_PIXELS,
    _send_file,
    records,  # noqa: F401  (a fixture)
    refused,
    state,
)

ROOT = Path(__file__).resolve().parents[2]


def gray_mov(width: int, height: int, frames: int = 1) -> bytes:
    """A MOV of black greyscale PNG frames: a few hundred bytes a frame once compressed, whatever its size."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mov") as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "gray"
        frame = av.VideoFrame(width, height, "gray")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        for _ in range(frames):
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def tiny_mp4(frames: int, fps: int = 24, size=(64, 36)) -> bytes:
    """An H.264 MP4 of a flat picture: small on disk however many frames it has."""
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "40"}
        frame = av.VideoFrame.from_ndarray(np.full((size[1], size[0], 3), 90, np.uint8), format="rgb24")
        for _ in range(frames):
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def resized_mov(sizes: list[tuple[int, int]]) -> bytes:
    """A MOV whose header declares its first frame's size, and whose PNG frames have the sizes given."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mov") as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = sizes[0][0], sizes[0][1], "gray"
        for index, (width, height) in enumerate(sizes):
            encoder = av.CodecContext.create("png", "w")
            encoder.width, encoder.height, encoder.pix_fmt = width, height, "gray"
            encoder.time_base = Fraction(1, 1)
            frame = av.VideoFrame(width, height, "gray")
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            for data in [bytes(p) for p in encoder.encode(frame)] + [bytes(p) for p in encoder.encode(None)]:
                packet = av.Packet(data)
                packet.stream, packet.pts, packet.dts, packet.time_base = stream, index, index, Fraction(1, 1)
                out.mux(packet)
    return buf.getvalue()


@pytest.fixture(scope="module")
def bombs():
    """The tester's two bombs: frames of 144 million pixels (IMAGE_MAX_PIXELS is 67 million), and a
    clip of 400 frames, which the tests send with VIDEO_MAX_FRAMES at 300."""
    return {"12000x12000.mov": gray_mov(12000, 12000), "400frames.mp4": tiny_mp4(400)}


LIMIT = "the most this service decodes"
CODES = {"12000x12000.mov": "image_too_large", "400frames.mp4": "video_too_long"}
WORDS = {"12000x12000.mov": "pixels", "400frames.mp4": "frames"}
# A grant's or a consent's file is its signed document (a PDF, or a scan or photo of it): a clip is
# no document, whatever its size, and is refused as one before anything decodes it.
DOCUMENTS = ("/api/grants/", "/api/consents/")


def test_every_endpoint_and_page_that_takes_a_clip_refuses_a_video_bomb_and_writes_nothing(
    world,
    api,
    client,
    settings,
    records,  # noqa: F811  (the fixture imported above)
    bombs,
):
    settings.VIDEO_MAX_FRAMES = 300
    assert len(bombs["12000x12000.mov"]) < 200_000 and len(bombs["400frames.mp4"]) < 100_000
    before = state(settings)
    for name, bomb in bombs.items():
        code, word = CODES[name], WORDS[name]
        for path, method in FILE_OPERATIONS:
            response = _send_file(path, method, world, api, records, name, bomb)
            if (path, method) in READS_NO_PIXELS:
                assert response.status_code == 200, (path, response.status_code)
                continue
            if path.startswith(DOCUMENTS):
                assert "is not accepted as a document" in refused(response, 400), (name, path)
                continue
            assert word in refused(response, 400), (name, path)
            assert response.json()["errors"][0]["code"] == code, (name, path, response.json())
        # A generation request's uploaded inputs (multipart fields named by its inputs).
        body = records.body(
            inputs=[{"upload": "f", "role": "reference"}, {"asset": records.plate.pk, "role": "plate"}]
        )
        form = {k: json.dumps(v) if k in ("inputs", "parameters") else v for k, v in body.items()}
        for path in ("/api/generation/requests/", "/api/generation/requests/check/"):
            response = api(world.producer_a).post(
                path, {**form, "f": SimpleUploadedFile(name, bomb)}, format="multipart"
            )
            assert word in refused(response, 400), (name, path)
        # The portal: the verify page (anyone), the asset register, the request form's uploads.
        client.logout()
        response = client.post("/verify/", {"file": SimpleUploadedFile(name, bomb)})
        assert response.status_code == 400 and LIMIT in response.content.decode(), name
        client.force_login(world.clearance)
        upload = {"kind": "plate", "file": SimpleUploadedFile(name, bomb)}
        response = client.post(f"/productions/{world.prod_a.pk}/assets/", upload)
        assert response.status_code == 400 and LIMIT in response.content.decode(), name
        client.force_login(world.producer_a)
        form = request_form(records.shot, records.plate, upload_1_role="reference")
        for page in ("new", "preview"):
            response = client.post(
                f"/productions/{world.prod_a.pk}/requests/{page}/",
                {**form, "upload_1": SimpleUploadedFile(name, bomb)},
            )
            assert response.status_code in (200, 400), (name, page, response.status_code)
            assert LIMIT in response.content.decode(), (name, page)
    assert state(settings) == before


def test_a_clip_longer_than_the_fingerprint_mode_takes_is_refused_by_training_clearance_and_by_content(
    api, settings, db
):
    """TRAINING_CLEARANCE_MAX_FRAMES bounds the pHashes a client may send for one clip; a clip
    uploaded instead is held to as many samples (one every VIDEO_KEYFRAME_SECONDS / 4)."""
    settings.VIDEO_KEYFRAME_SECONDS, settings.TRAINING_CLEARANCE_MAX_FRAMES = 2.0, 10
    long, short = tiny_mp4(48, fps=4), tiny_mp4(16, fps=4)  # 12 s (24 samples) and 4 s (8 samples)
    for data, ok in ((long, False), (short, True)):
        clearance = api(None).post(
            "/api/training-clearance/", {"files": [SimpleUploadedFile("c.mp4", data)]}, format="multipart"
        )
        by_content = api(None).generic(
            "POST", "/api/c2pa/v1/matches/byContent", data, content_type="video/mp4"
        )
        if ok:
            assert (clearance.status_code, by_content.status_code) == (200, 200), clearance.content
        else:
            for response in (clearance, by_content):
                message = refused(response, 400)
                assert "lasts 12.0 seconds; the most this service decodes of one clip here is 5 seconds" in (
                    message
                )
                assert response.json()["errors"][0]["code"] == "video_too_long"


def test_the_checked_open_refuses_from_the_header_and_opens_the_rest(bombs):
    # Probing the stream as it opens is held to the limit too: it leaves the size unsaid (0 x 0), and
    # libavcodec refuses to allocate the first frame.
    with open_video(bombs["12000x12000.mov"]) as clip:
        assert (clip.width, clip.height) == (0, 0)
        with pytest.raises(VideoRefused) as refusal:
            next(clip.frames())
    assert refusal.value.code == "image_too_large" and "Frame 1" in refusal.value.message
    with pytest.raises(VideoRefused) as refusal:  # a header that says it, from an H.264 stream
        with open_video(tiny_mp4(2, size=(320, 180)), max_pixels=320 * 179):
            pass
    assert refusal.value.message.startswith("The clip's frames are 320 × 180 pixels (57,600)")
    with pytest.raises(VideoRefused) as refusal:
        with open_video(tiny_mp4(48), max_frames=47):
            pass
    assert refusal.value.code == "video_too_long" and "declares 48 frames" in refusal.value.message
    with pytest.raises(VideoRefused) as refusal:
        with open_video(tiny_mp4(48, fps=4), max_seconds=11.0):
            pass
    assert "lasts 12.0 seconds" in refusal.value.message
    limits = {"max_pixels": 320 * 180, "max_frames": 48, "max_seconds": 2.0}
    with open_video(tiny_mp4(48, size=(320, 180)), **limits) as clip:
        assert (clip.width, clip.height, clip.declared_frames) == (320, 180, 48)
        assert sum(1 for _ in clip.frames()) == 48
    with pytest.raises(av.FFmpegError):
        with open_video(b"not a clip"):
            pass


def test_a_frame_that_is_not_the_size_its_header_declares_is_refused_as_it_is_decoded():
    with open_video(resized_mov([(64, 64), (64, 64), (128, 128)])) as clip:
        assert (clip.width, clip.height) == (64, 64)
        seen = []
        with pytest.raises(VideoRefused) as refusal:
            for frame in clip.frames():
                seen.append((frame.width, frame.height))
    assert seen == [(64, 64), (64, 64)] and refusal.value.code == "video_corrupt"
    assert "Frame 3 of the clip is 128 × 128 pixels where its header declares 64 × 64" in str(refusal.value)
    # Larger than the limit: libavcodec itself refuses to allocate it.
    with open_video(resized_mov([(64, 64), (2000, 2000)]), max_pixels=1_000_000) as clip:
        with pytest.raises(VideoRefused) as refusal:
            for frame in clip.frames():
                assert frame.width == 64
    assert refusal.value.code == "image_too_large" and "Frame 2" in refusal.value.message


def test_every_clip_decode_goes_through_the_checked_open():
    """No module of the service opens a clip to read it but rightsledger.video: a new decode path
    that calls av.open (or av.container.open) directly fails here. Writing a clip decodes nothing."""

    def writes(call: ast.Call) -> bool:
        modes = [k.value for k in call.keywords if k.arg == "mode"]
        mode = call.args[1] if len(call.args) > 1 else (modes[0] if modes else None)
        return isinstance(mode, ast.Constant) and mode.value == "w"

    direct = []
    for app in ("rightsledger", "provenance", "generation", "tracker", "portal", "config", "demo"):
        for source in (ROOT / app).rglob("*.py"):
            if source == ROOT / "rightsledger" / "video.py":
                continue
            tree = ast.parse(source.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module in ("av", "av.container"):
                    if any(alias.name == "open" for alias in node.names):
                        direct.append(f"{source.relative_to(ROOT)}:{node.lineno}")
                called = node.func if isinstance(node, ast.Call) else None
                if isinstance(called, ast.Attribute) and called.attr == "open":
                    target = ast.unparse(called.value)
                    if target in ("av", "av.container") and not writes(node):
                        direct.append(f"{source.relative_to(ROOT)}:{node.lineno}")
    assert direct == []
