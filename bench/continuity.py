"""Character continuity (provenance/continuity.py): how far a face's exposure (L*), colour (a*b*)
and identity distance move under the variation takes of one shot show, against the shifts the
report must flag, so that its thresholds are measured rather than guessed. No Django and no
database: the code the service uses (provenance.faces for boxes and descriptors).

    python bench/continuity.py

The test set is tiny: two people (scikit-image's astronaut, Eileen Collins, and matplotlib's
Grace Hopper, public-domain portraits that ship in those packages). Natural variation: crops,
scales, JPEG 50-95, rotations to 5 degrees, exposure +-5% and +-10%, and two of these at once.
Shifted: exposure +-25% and +-40%, and colour casts (channel gains of 10% and 15% each way, warm,
cool, green, magenta). Each take's deviation is from the median of that person's natural takes,
as the report sets each appearance against the performer's median in the production.

Prints JSON and writes bench/results/continuity.json.
"""

import io
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import report, size  # noqa: E402

from provenance import continuity, faces  # noqa: E402
from provenance.face_match import face_distance  # noqa: E402
from rightsledger.imaging import open_image  # noqa: E402


def portraits() -> dict[str, Image.Image]:
    """Return the two people's portraits as RGB images."""
    from matplotlib import cbook
    from skimage import data

    with open_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as hopper:
        return {"collins": Image.fromarray(data.astronaut()), "hopper": hopper.convert("RGB")}


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return open_image(buf.getvalue()).convert("RGB")


def exposure(img: Image.Image, factor: float) -> Image.Image:
    return ImageEnhance.Brightness(img).enhance(factor)


def cast(img: Image.Image, gains: tuple[float, float, float]) -> Image.Image:
    """Return the image with each channel multiplied by its gain (a colour cast)."""
    pixels = np.asarray(img).astype(np.float64) * np.asarray(gains)
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))


def rotated(img: Image.Image, degrees: float) -> Image.Image:
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))


def scaled(img: Image.Image, k: float) -> Image.Image:
    return img.resize((round(img.width * k), round(img.height * k)), Image.Resampling.LANCZOS)


def natural(img: Image.Image, box) -> dict[str, Image.Image]:
    """Return the portrait as takes of one shot vary, by name."""
    pad = box.width
    around = img.crop(
        (
            max(0, box.left - pad),
            max(0, box.top - pad),
            min(img.width, box.right + pad),
            min(img.height, box.bottom + 2 * pad),
        )
    )
    tight = img.crop(
        (
            max(0, box.left - pad // 3),
            max(0, box.top - pad // 3),
            min(img.width, box.right + pad // 3),
            min(img.height, box.bottom + pad // 3),
        )
    )
    out = {
        "original, JPEG 95": jpeg(img, 95),
        "crop: head and shoulders": around,
        "crop: tight on the head": tight,
        "crop: off centre": img.crop((box.left // 2, 0, img.width, img.height - box.top // 3)),
        "scale 0.85": scaled(img, 0.85),
        "scale 1.5": scaled(img, 1.5),
        "JPEG 70": jpeg(img, 70),
        "JPEG 50": jpeg(img, 50),
        "exposure -10% and JPEG 80": jpeg(exposure(img, 0.9), 80),
        "exposure +10% and scale 1.25": scaled(exposure(img, 1.1), 1.25),
    }
    for degrees in (-5, -3, 3, 5):
        out[f"rotation {degrees:+d} degrees"] = rotated(img, degrees)
    for factor in (0.9, 0.95, 1.05, 1.1):
        out[f"exposure {round((factor - 1) * 100):+d}%"] = exposure(img, factor)
    return dict(list(out.items())[: size(None, 3)])  # the smoke size: the first three


CASTS = {
    "warm": (1.0, 0.0, -1.0),
    "cool": (-1.0, 0.0, 1.0),
    "green": (-0.5, 1.0, -0.5),
    "magenta": (0.5, -1.0, 0.5),
}


def shifted(img: Image.Image) -> dict[str, Image.Image]:
    """Return the portrait under shifts the report must flag, by name."""
    out = {}
    for factor in size((0.6, 0.75, 1.25, 1.4), (0.6, 1.4)):
        out[f"exposure {round((factor - 1) * 100):+d}%"] = exposure(img, factor)
    for strength in size((0.10, 0.15), (0.15,)):
        for name, way in CASTS.items():
            gains = tuple(1 + strength * w for w in way)
            out[f"cast: {name}, {round(strength * 100)}% gains"] = cast(img, gains)
    return out


def measure(img: Image.Image, reference) -> dict:
    """Return the surest face's L*a*b* and its distance to the reference, or None if none was found."""
    found = faces.detect_faces(img, config=faces.FaceSettings())
    if not found.faces:
        return None
    face = found.faces[0]
    lab = continuity.face_lab(img, face.box)
    return {"lab": lab, "distance": face_distance(face, reference), "size": face.size}


def deviations(takes: dict, median: tuple[float, float, float]) -> dict:
    rows = {}
    for name, m in takes.items():
        if m is None:
            rows[name] = {"face": "not found"}
            continue
        dl = m["lab"][0] - median[0]
        dab = math.hypot(*continuity.colour_shift(m["lab"], median))
        rows[name] = {
            "delta_l": round(dl, 2),
            "delta_colour": round(dab, 2),
            "distance": round(m["distance"], 3),
            "face_px": m["size"],
        }
    return rows


def person(img: Image.Image) -> dict:
    ref_face = faces.detect_faces(img, config=faces.FaceSettings()).faces[0]
    nat = {name: measure(take, ref_face) for name, take in natural(img, ref_face.box).items()}
    found = [m for m in nat.values() if m]
    median = tuple(statistics.median(m["lab"][i] for m in found) for i in range(3))
    shf = {name: measure(take, ref_face) for name, take in shifted(img).items()}
    return {
        "median_lab": [round(v, 2) for v in median],
        "natural": deviations(nat, median),
        "shifted": deviations(shf, median),
    }


def spread(people: dict, group: str, key: str, absolute: bool = True) -> list[float]:
    return [
        abs(row[key]) if absolute else row[key]
        for p in people.values()
        for row in p[group].values()
        if key in row
    ]


def main():
    t = time.perf_counter()
    people = {name: person(img) for name, img in portraits().items()}
    nat_l = max(spread(people, "natural", "delta_l"))
    nat_c = max(spread(people, "natural", "delta_colour"))
    nat_d = max(spread(people, "natural", "distance"))
    exposure_shift_l = [
        abs(row["delta_l"])
        for p in people.values()
        for name, row in p["shifted"].items()
        if name.startswith("exposure") and "delta_l" in row
    ]
    exposure_40_l = [
        abs(row["delta_l"])
        for p in people.values()
        for name, row in p["shifted"].items()
        if name.startswith("exposure") and "40%" in name and "delta_l" in row
    ]
    cast_c = [
        row["delta_colour"]
        for p in people.values()
        for name, row in p["shifted"].items()
        if name.startswith("cast") and "delta_colour" in row
    ]
    t_now = continuity.Thresholds()

    def caught(values, limit):
        return f"{sum(v > limit for v in values)} of {len(values)}"

    results = {
        "test_set": (
            "Tiny: two people (Eileen Collins in scikit-image's astronaut, Grace Hopper in matplotlib's "
            "sample data), each under 18 natural takes and 12 shifted ones. It shows where natural "
            "variation ends and a visible shift begins on these two faces, not on a studio's cast: "
            "re-run it on the studio's own references and frames to re-measure."
        ),
        "people": people,
        "natural_max": {
            "delta_l": round(nat_l, 2),
            "delta_colour": round(nat_c, 2),
            "distance": round(nat_d, 3),
        },
        "shifted_min": {
            "delta_l_exposure_25_and_40": round(min(exposure_shift_l), 2),
            "delta_l_exposure_40": round(min(exposure_40_l), 2),
            "delta_colour_casts": round(min(cast_c), 2),
        },
        "identity_max": {
            "natural": round(nat_d, 3),
            "shifted": round(max(spread(people, "shifted", "distance")), 3),
        },
        # The rule the module's limits follow: the midpoint of each gap, to 0.5.
        "midpoints_to_half_a_unit": {
            "lightness": round(nat_l + min(exposure_shift_l)) / 2,
            "colour": round(nat_c + min(cast_c)) / 2,
        },
        "thresholds_in_the_module": {
            "lightness": t_now.lightness,
            "colour": t_now.colour,
            "identity_near": t_now.identity_near,
            "match_limit": t_now.match_limit,
        },
        "at_the_module_thresholds": {
            "natural_takes_flagged_for_exposure": caught(
                spread(people, "natural", "delta_l"), t_now.lightness
            ),
            "natural_takes_flagged_for_colour": caught(
                spread(people, "natural", "delta_colour"), t_now.colour
            ),
            "natural_takes_flagged_for_identity": caught(
                spread(people, "natural", "distance"), t_now.identity_near
            ),
            "shifted_takes_flagged_for_identity": caught(
                spread(people, "shifted", "distance"), t_now.identity_near
            ),
            "exposure_shifts_of_25_and_40_percent_flagged": caught(exposure_shift_l, t_now.lightness),
            "colour_casts_flagged": caught(cast_c, t_now.colour),
        },
        "seconds": round(time.perf_counter() - t, 1),
    }
    report("continuity", results)


if __name__ == "__main__":
    main()
