"""Faces (provenance/faces.py): dlib's detector, landmarks and descriptors on real portraits that
ship in packages: scikit-image's astronaut (Eileen Collins) and matplotlib's Grace Hopper, both
public-domain photographs. No database: these are the service's pure and model-level parts."""

import ast
import dataclasses
import io
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance import face_match, faces
from rightsledger.imaging import ImageRefused

ROOT = Path(__file__).resolve().parents[2]


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture(scope="module")
def portraits() -> dict[str, Image.Image]:
    """The two people, as RGB images."""
    from matplotlib import cbook
    from skimage import data

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as hopper:
        return {"collins": Image.fromarray(data.astronaut()), "hopper": hopper.convert("RGB")}


@pytest.fixture(scope="module")
def references(portraits) -> dict[str, face_match.Face]:
    """Each person's face in their untouched portrait, found with the default settings."""
    out = {}
    for name, img in portraits.items():
        found = faces.detect_faces(jpeg(img, 95), config=faces.FaceSettings())
        # HOG also answers, barely (score about 0), for the mission patch on Collins's suit.
        assert found.faces[0].score > 1 and all(f.score < 0.5 for f in found.faces[1:]), name
        out[name] = found.faces[0]
    return out


def only_face(result: face_match.FrameFaces) -> face_match.Face:
    assert len(result.faces) == 1, result
    return result.faces[0]


def surest_face(result: face_match.FrameFaces) -> face_match.Face:
    assert result.faces, result
    return result.faces[0]


def crop_around(img: Image.Image, box: face_match.Box, margin: float) -> Image.Image:
    pad = int(box.width * margin)
    return img.crop(
        (
            max(0, box.left - pad),
            max(0, box.top - pad),
            min(img.width, box.right + pad),
            min(img.height, box.bottom + pad),
        )
    )


def rotated(img: Image.Image, degrees: float) -> Image.Image:
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))


TRANSFORMS = {
    "resized to 70%": lambda img, box: img.resize((int(img.width * 0.7), int(img.height * 0.7))),
    "rotated 8 degrees": lambda img, box: rotated(img, 8),
    "rotated -8 degrees": lambda img, box: rotated(img, -8),
    "cropped to the head": lambda img, box: crop_around(img, box, 0.6),
    "saved as JPEG 50": lambda img, box: Image.open(io.BytesIO(jpeg(img, 50))),
}


@pytest.mark.parametrize("person", ["collins", "hopper"])
@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_the_same_person_after_a_resize_rotation_crop_or_jpeg_is_under_the_threshold(
    portraits, references, settings, person, transform
):
    changed = TRANSFORMS[transform](portraits[person], references[person].box)
    face = surest_face(faces.detect_faces(jpeg(changed, 95)))
    distance = faces.face_distance(face, references[person])
    assert distance < settings.FACE_MATCH_DISTANCE / 2, (transform, distance)
    assert faces.same_person(face, references[person])


def test_two_different_people_are_over_the_threshold(references, settings):
    distance = faces.face_distance(references["collins"], references["hopper"])
    assert distance > settings.FACE_MATCH_DISTANCE
    assert not faces.same_person(references["collins"], references["hopper"])
    # A threshold given by the caller is applied instead of the setting.
    assert faces.same_person(references["collins"], references["hopper"], threshold=1.0)


def test_a_face_in_a_1080p_frame_is_found_scaled_down_and_described_at_full_resolution(portraits, references):
    frame = Image.new("RGB", (1920, 1080), (70, 80, 90))
    head = crop_around(portraits["hopper"], references["hopper"].box, 0.8).resize((600, 600))
    frame.paste(head, (1100, 300))
    result = faces.detect_faces(frame)
    face = only_face(result)
    assert result.detection_scale == 0.5 and (result.width, result.height) == (1920, 1080)
    # The box and landmarks are in the full frame's pixels, inside the pasted head.
    assert 1100 <= face.box.left < face.box.right <= 1700 and 300 <= face.box.top < face.box.bottom <= 900
    assert face.size > 2 * 80
    assert len(face.landmarks) == 5
    box = face.box
    assert all(box.left <= x <= box.right and box.top <= y <= box.bottom for x, y in face.landmarks)
    assert faces.face_distance(face, references["hopper"]) < 0.3
    # The descriptor is the one dlib takes from the full frame's pixels at that box, not from
    # the half-size frame the detector searched.
    import dlib

    models = faces.load_models(faces.FaceSettings().directory)
    pixels = np.asarray(frame)
    shape = models.shape(pixels, dlib.rectangle(box.left, box.top, box.right - 1, box.bottom - 1))
    assert np.allclose(face.descriptor, models.recognition.compute_face_descriptor(pixels, shape), atol=1e-6)
    assert face.landmarks == tuple((p.x, p.y) for p in shape.parts())
    # At half scale the detector cannot see a face under about 160 px; the result says so.
    assert result.smallest_detectable == 160


def test_a_face_scaled_below_the_minimum_size_is_skipped_and_says_so(portraits, references, settings):
    settings.FACE_DETECT_UPSAMPLE = 2  # so that the detector finds faces of about 20 px
    img = portraits["hopper"]
    scale = 30 / references["hopper"].size
    small = img.resize((round(img.width * scale), round(img.height * scale)))
    result = faces.detect_faces(jpeg(small, 95))
    assert result.faces == ()
    assert len(result.skipped) == 1
    skipped = result.skipped[0]
    assert skipped.size < settings.FACE_MIN_SIZE == result.min_size
    assert skipped.reason == face_match.SKIP_TOO_SMALL
    assert f"A face {skipped.size} px across" in skipped.message
    assert f"under {settings.FACE_MIN_SIZE} px" in skipped.message
    # The same face is described once the minimum is under it: it was skipped for its size alone.
    settings.FACE_MIN_SIZE = skipped.size
    assert only_face(faces.detect_faces(jpeg(small, 95))).size == skipped.size


def test_faces_past_the_limit_of_a_frame_are_skipped_and_say_so(portraits, references, settings):
    """A frame tiled with faces must not hold a worker for a descriptor per face."""
    settings.FACE_MAX_PER_FRAME = 2
    head = crop_around(portraits["hopper"], references["hopper"].box, 0.5)
    frame = Image.new("RGB", (head.width * 2, head.height * 2))
    for x in (0, head.width):
        for y in (0, head.height):
            frame.paste(head, (x, y))
    result = faces.detect_faces(frame)
    assert len(result.faces) == 2 and len(result.skipped) == 2
    assert {s.reason for s in result.skipped} == {face_match.SKIP_OVER_LIMIT}
    assert "more than 2 faces (FACE_MAX_PER_FRAME)" in result.skipped[0].message
    # The surest are the ones described.
    assert min(f.score for f in result.faces) >= max(s.score for s in result.skipped)


def test_a_portrait_stored_on_its_side_is_read_upright(portraits, references):
    """A phone stores a portrait turned, with an EXIF orientation tag; the box is of what people see."""
    exif = Image.Exif()
    exif[faces.ORIENTATION_TAG] = 6  # turn 90 degrees clockwise to view
    buf = io.BytesIO()
    portraits["hopper"].transpose(Image.Transpose.ROTATE_90).save(buf, "JPEG", quality=95, exif=exif)
    result = faces.detect_faces(buf.getvalue())
    assert (result.width, result.height) == portraits["hopper"].size
    assert faces.face_distance(only_face(result), references["hopper"]) < 0.2


def test_a_picture_with_no_face_gives_no_faces():
    from skimage import data

    pictures = (
        Image.fromarray(data.coffee()),
        Image.fromarray(data.camera()),
        Image.new("RGB", (1, 1)),
        Image.new("L", (4000, 3)),
    )
    for picture in pictures:
        result = faces.detect_faces(picture)
        assert (result.faces, result.skipped) == ((), ()), picture.size
        assert (result.width, result.height) == picture.size


def test_the_models_load_once_per_process_however_many_threads_ask(monkeypatch, portraits):
    import dlib

    loads = []
    real = dlib.shape_predictor
    monkeypatch.setattr(dlib, "shape_predictor", lambda path: loads.append(path) or real(path))
    faces.unload()
    results, errors = [], []

    def work():
        try:
            results.append(faces.detect_faces(portraits["hopper"]))
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(loads) == 1
    assert len({r.faces[0].descriptor for r in results}) == 1
    folder = faces.FaceSettings().directory
    assert faces.load_models(folder) is faces.load_models(folder)
    faces.detect_faces(portraits["hopper"])
    assert len(loads) == 1


def test_the_mmod_detector_finds_the_same_person(portraits, references, settings):
    settings.FACE_DETECTOR = "mmod"
    settings.FACE_DETECT_MAX_SIDE = 400  # the CNN is slow on a CPU: a small frame
    result = faces.detect_faces(portraits["hopper"])
    face = only_face(result)
    assert result.detector == "mmod" and result.detection_scale < 1
    assert 0 < face.score <= 2  # MMOD's confidence, not HOG's margin
    assert faces.face_distance(face, references["hopper"]) < 0.3
    assert faces.face_distance(face, references["collins"]) > settings.FACE_MATCH_DISTANCE


def test_the_models_come_from_the_packages_folder_without_importing_it():
    import sys

    folder = Path(faces.packaged_models_dir())
    assert (folder / faces.SHAPE_FILE).is_file() and (folder / faces.RECOGNITION_FILE).is_file()
    assert (folder / faces.MMOD_FILE).is_file()
    # Its __init__ imports pkg_resources, which this environment's setuptools no longer has.
    assert "face_recognition_models" not in sys.modules


def test_a_models_folder_without_the_models_is_refused_with_its_name(tmp_path, settings, portraits):
    settings.FACE_MODELS_DIR = str(tmp_path)
    with pytest.raises(FileNotFoundError, match=f"{faces.SHAPE_FILE} is not in {tmp_path}.*FACE_MODELS_DIR"):
        faces.detect_faces(portraits["collins"])


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("FACE_DETECTOR", "cnn", "FACE_DETECTOR is 'cnn'; it is one of hog, mmod"),
        ("FACE_DETECT_UPSAMPLE", 9, "FACE_DETECT_UPSAMPLE is 9"),
        ("FACE_MIN_SIZE", 0, "FACE_MIN_SIZE at least 1 px"),
        ("FACE_MAX_PER_FRAME", 0, "FACE_MAX_PER_FRAME at least 1"),
        ("FACE_MATCH_DISTANCE", -0.1, "FACE_MATCH_DISTANCE between 0 and 2"),
    ],
)
def test_a_setting_out_of_range_is_refused_with_a_message(settings, name, value, message):
    setattr(settings, name, value)
    with pytest.raises(ValueError, match=message):
        faces.FaceSettings.from_settings()


def test_a_decompression_bomb_is_refused_before_it_is_decoded(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(ImageRefused, match="IMAGE_MAX_PIXELS"):
        faces.detect_faces(jpeg(Image.new("RGB", (200, 200))))
    with pytest.raises(ImageRefused, match="IMAGE_MAX_PIXELS"):
        faces.detect_faces(Image.new("RGB", (200, 200)))  # a decoded frame, such as a video's
    with pytest.raises(Image.UnidentifiedImageError):
        faces.detect_faces(b"not an image")


DECODERS = {
    ("Image", "open"),
    ("PIL.Image", "open"),
    ("dlib", "load_rgb_image"),
    ("cv2", "imread"),
    ("imageio", "imread"),
    ("iio", "imread"),
    ("skimage.io", "imread"),
}


def test_every_image_decode_in_the_service_goes_through_open_image():
    """The class: a decode that bypasses rightsledger.imaging.open_image decodes a bomb."""
    offending = []
    for package in ("rightsledger", "provenance", "generation", "tracker", "portal", "demo"):
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "rightsledger" / "imaging.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    owner = ast.unparse(node.func.value)
                    name = (owner, node.func.attr)
                    if name in DECODERS or owner.endswith("PIL.Image") and node.func.attr == "open":
                        offending.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offending == []


def test_descriptors_travel_as_512_bytes_and_compare_in_any_form(references):
    face = references["collins"]
    stored = face.descriptor_bytes()
    assert len(stored) == 512
    again = face_match.descriptor_from_bytes(stored)
    assert faces.face_distance(stored, face) == pytest.approx(0, abs=1e-6)
    before = faces.face_distance(face, references["hopper"])
    assert faces.face_distance(again, references["hopper"]) == pytest.approx(before, abs=1e-5)
    match = faces.nearest(face, [references["hopper"].descriptor, stored])
    assert match.index == 1 and match.distance == pytest.approx(0, abs=1e-6)
    assert faces.nearest(face, []) is None
    for bad in ((0.0,) * 127, (float("nan"),) * 128, b"\x00" * 511):
        with pytest.raises(ValueError, match="descriptor"):
            faces.face_distance(bad, face)
    with pytest.raises(dataclasses.FrozenInstanceError):
        face.size = 1
    assert np.isfinite(face.score)
