"""Character continuity (provenance/continuity.py and its chart): the report over faces found by
dlib in a real portrait (scikit-image's astronaut, Eileen Collins, public domain) under the
variation of takes and under a 40% exposure shift, and the SVG chart drawn from it. No database."""

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image, ImageEnhance

from provenance import continuity, faces
from provenance.continuity_chart import chart_svg
from provenance.face_match import Box, face_distance

SVG = "{http://www.w3.org/2000/svg}"


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def exposure(img: Image.Image, factor: float) -> Image.Image:
    return ImageEnhance.Brightness(img).enhance(factor)


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut())


@pytest.fixture(scope="module")
def takes(astronaut) -> list[tuple[str, Image.Image]]:
    """One shot's takes as they vary (crop, scale, JPEG, a small rotation, exposure +-10%), and
    the one take whose face is 40% darker, last."""
    img = astronaut
    return [
        ("JPEG 95", jpeg(img, 95)),
        ("crop", img.crop((60, 0, img.width, img.height - 60))),
        ("scale 1.25", img.resize((640, 640), Image.Resampling.LANCZOS)),
        ("JPEG 60", jpeg(img, 60)),
        ("rotation 4 degrees", img.rotate(4, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))),
        ("exposure -10%", exposure(img, 0.9)),
        ("exposure +10%", exposure(img, 1.1)),
        ("exposure -40%", exposure(img, 0.6)),
    ]


@pytest.fixture(scope="module")
def appearances(astronaut, takes) -> list[continuity.Appearance]:
    """The astronaut's face in each take, found by dlib: one output per take, two seconds apart."""
    config = faces.FaceSettings()
    reference = faces.detect_faces(jpeg(astronaut, 95), config=config).faces[0]
    out = []
    for i, (name, img) in enumerate(takes):
        face = faces.detect_faces(img, config=config).faces[0]
        lab = continuity.face_lab(img, face.box)
        out.append(
            continuity.Appearance(
                performer=7,
                output=100 + i,
                frame=i * 48,
                time=i * 2.0,
                distance=face_distance(face, reference),
                lab_l=lab[0],
                lab_a=lab[1],
                lab_b=lab[2],
                output_label=f"Take {i + 1} ({name})",
            )
        )
    return out


def test_face_lab_reads_the_inner_part_of_the_box_not_its_edges():
    # A grey face in a box whose outer fifth is black hair and background: the mean is the face's.
    img = Image.new("RGB", (200, 200), (0, 0, 0))
    img.paste((128, 128, 128), (60, 60, 140, 150))
    lightness, a, b = continuity.face_lab(img, Box(40, 40, 160, 160))
    assert lightness == pytest.approx(53.6, abs=0.5)  # sRGB 128 grey is L* 53.6
    assert abs(a) < 0.5 and abs(b) < 0.5
    whole = continuity.face_lab(img, Box(0, 0, 200, 200))
    assert whole[0] < lightness - 10  # the whole frame, black included, is much darker


def test_face_lab_refuses_a_box_outside_the_frame():
    with pytest.raises(ValueError, match="no pixel inside"):
        continuity.face_lab(Image.new("RGB", (50, 50)), Box(60, 60, 90, 90))


def test_the_report_flags_the_take_shifted_40_percent_darker_and_says_why(appearances):
    result = continuity.report(appearances, names={7: "Eileen Collins"})
    (performer,) = result.performers
    assert performer.name == "Eileen Collins" and performer.compared and performer.outputs == 8
    flagged = performer.flagged
    assert [p.appearance.output_label for p in flagged] == ["Take 8 (exposure -40%)"]
    reasons = flagged[0].reasons
    assert any("L* darker than this performer's median" in r for r in reasons), reasons
    assert flagged[0].delta_l < -continuity.LIGHTNESS_LIMIT
    # A change of exposure alone is not read as a colour cast.
    assert not any("colour" in r for r in reasons), reasons
    assert result.flagged == 1


def test_the_report_does_not_flag_natural_variation(appearances):
    natural = appearances[:-1]
    (performer,) = continuity.report(natural).performers
    assert performer.flagged == (), [p.reasons for p in performer.flagged]
    assert all(abs(p.delta_l) < continuity.LIGHTNESS_LIMIT for p in performer.points)
    assert all(p.appearance.distance < continuity.IDENTITY_NEAR for p in performer.points)


def test_the_report_names_a_colour_cast_and_an_identity_near_the_limit(appearances):
    base = appearances[0]
    warm = continuity.Appearance(
        **{**base.__dict__, "output": 200, "lab_a": base.lab_a + 2, "lab_b": base.lab_b + 9}
    )
    doubtful = continuity.Appearance(**{**base.__dict__, "output": 201, "distance": 0.52})
    (performer,) = continuity.report([*appearances[:5], warm, doubtful]).performers
    by_output = {p.appearance.output: p.reasons for p in performer.points}
    assert by_output[200] == (
        f"face colour {(2**2 + 9**2) ** 0.5:.0f} ΔE (a*b*) from this performer's median, "
        "warmer (more yellow)",
    )
    assert by_output[201] == ("identity distance 0.52, near the match limit of 0.60",)
    assert performer.name == "Performer 7"


def test_an_empty_report_and_a_performer_seen_once_are_handled(appearances):
    empty = continuity.report([])
    assert empty.performers == () and empty.flagged == 0 and empty.as_dict()["performers"] == []
    # One appearance, even 40% darker, has nothing to stray from: only identity is judged.
    (one,) = continuity.report([appearances[-1]]).performers
    assert not one.compared and one.flagged == () and one.points[0].delta_l == 0
    far = continuity.Appearance(**{**appearances[-1].__dict__, "distance": 0.63})
    (alone,) = continuity.report([far]).performers
    assert alone.points[0].reasons == (
        "identity distance 0.63, past the match limit of 0.60: this may not be the performer",
    )


def test_thresholds_refuse_an_identity_flag_past_the_match_limit():
    with pytest.raises(ValueError, match="at or under the match limit"):
        continuity.Thresholds(identity_near=0.7, match_limit=0.6)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_the_chart_parses_as_svg_with_a_title_a_description_and_the_outlier_marked(appearances):
    result = continuity.report(appearances, names={7: "Eileen Collins"})
    svg = chart_svg(result.performers[0])
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert "Eileen Collins" in title.text
    assert "8 appearances in 8 outputs" in desc.text and "1 flagged" in desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    outliers = root.findall(f".//{SVG}g[@class='outlier']")
    assert len(outliers) == 1
    # The outlier is marked by its number as text, not by colour alone.
    assert [t.text for t in outliers[0].iter(f"{SVG}text")] == ["1"]
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Identity distance" in texts and "Face exposure (L*)" in texts


def test_the_chart_escapes_every_name(appearances):
    hostile = '<script>alert("x")</script> & Co'
    marked = [
        continuity.Appearance(**{**a.__dict__, "output_label": hostile + "]]>"}) for a in appearances[:3]
    ]
    svg = chart_svg(continuity.report(marked, names={7: hostile}).performers[0])
    assert "<script>" not in svg and "]]>" not in svg
    root = parse(svg)
    assert hostile in root.find(f"{SVG}title").text
    assert not root.findall(f".//{SVG}script")


def test_the_chart_of_one_appearance_is_drawn(appearances):
    svg = chart_svg(continuity.report(appearances[:1]).performers[0])
    root = parse(svg)
    assert "1 appearance in 1 output" in root.find(f"{SVG}desc").text
    assert len(root.findall(f".//{SVG}g[@class='appearance']")) == 1


def test_the_report_flags_a_take_40_percent_brighter_too(astronaut, appearances):
    img = exposure(astronaut, 1.4)
    config = faces.FaceSettings()
    reference = faces.detect_faces(jpeg(astronaut, 95), config=config).faces[0]
    face = faces.detect_faces(img, config=config).faces[0]
    lab = continuity.face_lab(img, face.box)
    brighter = continuity.Appearance(7, 300, 0, 0.0, face_distance(face, reference), *lab)
    (performer,) = continuity.report([*appearances[:-1], brighter]).performers
    (flagged,) = performer.flagged
    assert flagged.appearance.output == 300
    assert any("L* brighter than this performer's median" in r for r in flagged.reasons), flagged.reasons
