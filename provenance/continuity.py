"""Character continuity: how a performer's face holds from take to take across a production.

For each performer, every appearance (a face matched to them in an output's keyframe) is set
against the performer's own median in the production: the identity distance to their reference,
the face's exposure (CIE L*) and its colour (a*, b*). An appearance that strays past the
thresholds is flagged, with the reason in words. It measures and flags; it changes no pixel.

Pure: numpy, Pillow and scikit-image, no Django, so the report is tested alone and the API, the
portal and the exports read the same values. The thresholds are measured by bench/continuity.py
(bench/results/continuity.json), not guessed.
"""

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

# The part of a face box whose colour is read, as fractions of the box's width and height from
# each side. dlib's boxes run from the eyebrows to the chin and across the cheeks; the inner part
# (cheeks, nose, mouth, the eyes) keeps hair, background and the jaw's shadow out of the mean.
INNER_LEFT = INNER_RIGHT = 0.2
INNER_TOP = 0.2
INNER_BOTTOM = 0.1

# dlib's usual limit: at or under it two faces are one person (provenance.faces, FACE_MATCH_DISTANCE).
MATCH_LIMIT = 0.6
# A median of fewer appearances cannot say which one strays (of two, each is as far from it).
MIN_APPEARANCES_TO_COMPARE = 3

# Measured by bench/continuity.py over the two packaged portraits (bench/results/continuity.json):
# 36 natural takes (crops, scales, JPEG 50-95, rotations to 5 degrees, exposure +-10%) against 24
# shifted ones (exposure +-25% and +-40%, colour casts of 10% and 15% channel gains). Natural takes
# strayed at most 6.7 L* and 1.2 a*b* from their person's median; the shifts at least 11.2 L*
# (exposure +25%) and 8.2 a*b* (a 10% warm cast). Each limit is the midpoint of its gap, to 0.5.
LIGHTNESS_LIMIT = 9.0  # L* units from the performer's median
COLOUR_LIMIT = 4.5  # distance in the a*b* plane from the performer's median, at its exposure (colour_shift)
# Same-person distances measured here stay under 0.3 (takes: at most 0.14; exposure +-40%: 0.27;
# bench/faces.py's harsher 15-degree rotations and smallest faces: 0.28), and the other person is
# at 0.64 or more. Past 0.4 a face looks less like the reference than any change of take made it.
IDENTITY_NEAR = 0.4


@dataclass(frozen=True)
class Thresholds:
    """When an appearance is flagged: its face's L* further than lightness from the performer's
    median, its a*b* further than colour, or its identity distance past identity_near (and, past
    match_limit, no longer a match at all)."""

    lightness: float = LIGHTNESS_LIMIT
    colour: float = COLOUR_LIMIT
    identity_near: float = IDENTITY_NEAR
    match_limit: float = MATCH_LIMIT

    def __post_init__(self):
        if not (self.lightness > 0 and self.colour > 0 and 0 < self.identity_near <= self.match_limit):
            raise ValueError(
                "The continuity thresholds are positive, and the identity flag is at or under "
                "the match limit."
            )


@dataclass(frozen=True)
class Appearance:
    """One face of a performer in one output's frame: the output (its id and its name for people),
    the frame index and time in seconds, the descriptor distance to the performer's reference,
    the face's mean L*a*b*, and a thumbnail's URL where one was made (may be empty)."""

    performer: int
    output: int
    frame: int
    time: float
    distance: float
    lab_l: float
    lab_a: float
    lab_b: float
    output_label: str = ""
    thumbnail_url: str = ""
    clip: bool = True  # a still has one frame, and no time to name

    @property
    def where(self) -> str:
        """Return where the face is, in words: "Crowd fill v2, 2.0 s in" (a clip), or "Crowd fill v2"
        (a still)."""
        output = self.output_label or f"output {self.output}"
        return f"{output}, {self.time:.1f} s in" if self.clip else output


@dataclass(frozen=True)
class Point:
    """An appearance set against its performer's median: the difference in L*, in a* and b* at the
    median's exposure (colour_shift), and why it is flagged (no reasons: it is not)."""

    appearance: Appearance
    delta_l: float
    delta_a: float
    delta_b: float
    reasons: tuple[str, ...] = ()

    @property
    def delta_colour(self) -> float:
        """Return the distance from the median in the a*b* plane."""
        return math.hypot(self.delta_a, self.delta_b)

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class PerformerContinuity:
    """One performer across the production: their appearances in order (output, then time), the
    medians they are set against, and whether there were enough to compare exposure and colour."""

    performer: int
    name: str
    points: tuple[Point, ...]
    median_distance: float
    median_l: float
    median_a: float
    median_b: float
    compared: bool

    @property
    def flagged(self) -> tuple[Point, ...]:
        return tuple(p for p in self.points if p.flagged)

    @property
    def outputs(self) -> int:
        """Return how many outputs the performer appears in."""
        return len({p.appearance.output for p in self.points})


@dataclass(frozen=True)
class Report:
    """The continuity of every performer found in a production (or a shot), by name."""

    performers: tuple[PerformerContinuity, ...]
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def flagged(self) -> int:
        return sum(len(p.flagged) for p in self.performers)

    def as_dict(self) -> dict:
        """Return the report as JSON-ready values (the API's answer)."""
        return {
            "thresholds": {
                "lightness": self.thresholds.lightness,
                "colour": self.thresholds.colour,
                "identity_near": self.thresholds.identity_near,
                "match_limit": self.thresholds.match_limit,
            },
            "performers": [
                {
                    "performer": p.performer,
                    "name": p.name,
                    "compared": p.compared,
                    "median": {
                        "distance": round(p.median_distance, 4),
                        "lab": [round(p.median_l, 2), round(p.median_a, 2), round(p.median_b, 2)],
                    },
                    "appearances": [
                        {
                            "output": pt.appearance.output,
                            "frame": pt.appearance.frame,
                            "time": pt.appearance.time,
                            "distance": round(pt.appearance.distance, 4),
                            "lab": [
                                round(pt.appearance.lab_l, 2),
                                round(pt.appearance.lab_a, 2),
                                round(pt.appearance.lab_b, 2),
                            ],
                            "delta_l": round(pt.delta_l, 2),
                            "delta_colour": round(pt.delta_colour, 2),
                            "flagged": pt.flagged,
                            "reasons": list(pt.reasons),
                        }
                        for pt in p.points
                    ],
                }
                for p in self.performers
            ],
        }


def inner_box(box) -> tuple[int, int, int, int]:
    """Return the inner part of a face box (left, top, right, bottom; right and bottom exclusive)
    whose colour stands for the face: INNER_* of the box's width and height off each side."""
    w, h = box.right - box.left, box.bottom - box.top
    left = box.left + round(w * INNER_LEFT)
    right = box.right - round(w * INNER_RIGHT)
    top = box.top + round(h * INNER_TOP)
    bottom = box.bottom - round(h * INNER_BOTTOM)
    return left, top, max(right, left + 1), max(bottom, top + 1)


def face_lab(image, box) -> tuple[float, float, float]:
    """Return the mean CIE L*a*b* (D65) of a face: of the inner part of its box (inner_box: 20% off
    the sides and the top, 10% off the bottom, so hair, background and the jaw's shadow count
    little), read from the frame (a PIL image or an RGB array) with skimage.color.rgb2lab. Raise
    ValueError for a box that has no pixel inside the frame."""
    from skimage.color import rgb2lab  # scikit-image loads slowly; only the continuity work needs it

    if isinstance(image, Image.Image):
        image = image if image.mode == "RGB" else image.convert("RGB")
        pixels = np.asarray(image)
    else:
        pixels = np.asarray(image)
        if pixels.ndim == 2:
            pixels = np.stack([pixels] * 3, axis=-1)
        pixels = pixels[..., :3]
    height, width = pixels.shape[:2]
    left, top, right, bottom = inner_box(box)
    left, right = min(max(left, 0), width), min(max(right, 0), width)
    top, bottom = min(max(top, 0), height), min(max(bottom, 0), height)
    if right <= left or bottom <= top:
        raise ValueError(f"The face box {box} has no pixel inside the {width}x{height} frame.")
    region = pixels[top:bottom, left:right]
    scale = 255.0 if region.dtype == np.uint8 or region.max() > 1 else 1.0
    lab = rgb2lab(region.astype(np.float64) / scale).reshape(-1, 3).mean(axis=0)
    return float(lab[0]), float(lab[1]), float(lab[2])


def colour_shift(lab, median) -> tuple[float, float]:
    """Return how far a face's colour (a*, b*) is from the median's, at the median's exposure.

    a* and b* grow with exposure as L* + 16 does (each is a difference of cube roots of XYZ, as
    L* + 16 is one cube root), so a face only darker than the median also has less a* and b*. The
    face's a* and b* are scaled by (median L* + 16) / (L* + 16) first: a change of exposure alone
    leaves the colour where it was, and a cast shows as itself."""
    k = (median[0] + 16) / max(lab[0] + 16, 1e-6)
    return lab[1] * k - median[1], lab[2] * k - median[2]


def _cast(delta_a: float, delta_b: float) -> str:
    """Return which way a colour difference leans, in a colourist's words."""
    if abs(delta_b) >= abs(delta_a):
        return "warmer (more yellow)" if delta_b > 0 else "cooler (more blue)"
    return "more magenta" if delta_a > 0 else "greener"


def _reasons(a: Appearance, dl: float, da: float, db: float, compared: bool, t: Thresholds) -> tuple:
    reasons = []
    if a.distance > t.match_limit:
        reasons.append(
            f"identity distance {a.distance:.2f}, past the match limit of {t.match_limit:.2f}: "
            "this may not be the performer"
        )
    elif a.distance > t.identity_near:
        reasons.append(f"identity distance {a.distance:.2f}, near the match limit of {t.match_limit:.2f}")
    if compared and abs(dl) > t.lightness:
        way = "darker" if dl < 0 else "brighter"
        reasons.append(f"face {abs(dl):.0f} L* {way} than this performer's median")
    if compared and math.hypot(da, db) > t.colour:
        reasons.append(
            f"face colour {math.hypot(da, db):.0f} ΔE (a*b*) from this performer's median, {_cast(da, db)}"
        )
    return tuple(reasons)


def report(
    appearances: Iterable[Appearance],
    thresholds: Thresholds | None = None,
    *,
    names: Mapping[int, str] | None = None,
) -> Report:
    """Return the continuity report of these appearances: per performer (by name, from names, or
    "Performer N"), each appearance set against the performer's medians and flagged, with its
    reasons, where it strays past the thresholds. Exposure and colour are compared only where a
    performer appears MIN_APPEARANCES_TO_COMPARE times or more; identity always."""
    t = thresholds or Thresholds()
    names = names or {}
    by_performer: dict[int, list[Appearance]] = {}
    for a in appearances:
        by_performer.setdefault(a.performer, []).append(a)
    performers = []
    for performer, found in by_performer.items():
        found.sort(key=lambda a: (a.output, a.time, a.frame))
        med_l = statistics.median(a.lab_l for a in found)
        med_a = statistics.median(a.lab_a for a in found)
        med_b = statistics.median(a.lab_b for a in found)
        compared = len(found) >= MIN_APPEARANCES_TO_COMPARE
        points = []
        for a in found:
            dl = a.lab_l - med_l
            da, db = colour_shift((a.lab_l, a.lab_a, a.lab_b), (med_l, med_a, med_b))
            points.append(Point(a, dl, da, db, _reasons(a, dl, da, db, compared, t)))
        performers.append(
            PerformerContinuity(
                performer=performer,
                name=names.get(performer) or f"Performer {performer}",
                points=tuple(points),
                median_distance=statistics.median(a.distance for a in found),
                median_l=med_l,
                median_a=med_a,
                median_b=med_b,
                compared=compared,
            )
        )
    performers.sort(key=lambda p: (p.name.casefold(), p.performer))
    return Report(tuple(performers), t)
