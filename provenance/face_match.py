"""Faces as values, and how two of them compare: the frozen results of provenance.faces, the
descriptor distance, and the geometry between the frame detection runs on and the full frame.

Pure: numpy only, no dlib and no Django, so the likeness policy, the continuity report and the
standalone tools can read a face without loading a model.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DESCRIPTOR_DIMS = 128  # dlib's ResNet face descriptor
DETECTORS = ("hog", "mmod")
# The smallest face box each detector finds in the image it is given, in pixels, before upsampling
# (both were trained on faces of about 80 px; measured here, HOG finds boxes down to 73 px wide).
DETECTOR_MIN_BOX = {"hog": 80, "mmod": 80}
# Why a face that was found was not described.
SKIP_TOO_SMALL = "too_small"
SKIP_OVER_LIMIT = "over_limit"


@dataclass(frozen=True)
class Box:
    """A face's box in the full frame's pixels: left and top inclusive, right and bottom exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class Face:
    """A face found and described: its box and size (the box's shorter side) at full resolution,
    its five landmarks (eye corners and the base of the nose), its 128-d descriptor, and the
    detector's score (HOG's margin or MMOD's confidence)."""

    box: Box
    size: int
    landmarks: tuple[tuple[int, int], ...]
    descriptor: tuple[float, ...]
    score: float | None = None
    # The mean CIE L*a*b* of the face's inner region (provenance.continuity.face_lab), for the
    # continuity report.
    lab: tuple[float, float, float] | None = None

    def descriptor_bytes(self) -> bytes:
        """Return the descriptor as 512 bytes (128 little-endian float32), the form it is stored in."""
        return descriptor_to_bytes(self.descriptor)


@dataclass(frozen=True)
class SkippedFace:
    """A face that was found but not described, with its size and why, in words a person reads."""

    box: Box
    size: int
    reason: str
    message: str
    score: float | None = None


@dataclass(frozen=True)
class FrameFaces:
    """What one frame showed: the faces described (the detector's surest first), the faces skipped and why,
    and how the frame was searched. Faces smaller than smallest_detectable (full-resolution px)
    cannot be found at this detection scale: a caller that needs them raises the upsampling."""

    width: int
    height: int
    detector: str
    detection_scale: float
    upsample: int
    smallest_detectable: int
    min_size: int
    faces: tuple[Face, ...]
    skipped: tuple[SkippedFace, ...]


@dataclass(frozen=True)
class Match:
    """The nearest reference to a descriptor: its index among the references, and the distance."""

    index: int
    distance: float


def descriptor_to_bytes(descriptor: Sequence[float]) -> bytes:
    """Return a descriptor as 128 little-endian float32 (512 bytes)."""
    values = np.asarray(descriptor, dtype="<f4")
    if values.shape != (DESCRIPTOR_DIMS,):
        raise ValueError(f"A face descriptor has {DESCRIPTOR_DIMS} values, not {values.size}.")
    return values.tobytes()


def descriptor_from_bytes(data: bytes) -> tuple[float, ...]:
    """Return the descriptor stored as 512 bytes by descriptor_to_bytes."""
    if len(data) != DESCRIPTOR_DIMS * 4:
        raise ValueError(f"A stored face descriptor is {DESCRIPTOR_DIMS * 4} bytes, not {len(data)}.")
    return tuple(float(v) for v in np.frombuffer(data, dtype="<f4"))


def _vector(descriptor) -> np.ndarray:
    if isinstance(descriptor, Face):
        descriptor = descriptor.descriptor
    if isinstance(descriptor, (bytes, bytearray)):
        descriptor = descriptor_from_bytes(bytes(descriptor))
    values = np.asarray(descriptor, dtype=np.float64)
    if values.shape != (DESCRIPTOR_DIMS,) or not np.all(np.isfinite(values)):
        raise ValueError(f"A face descriptor is {DESCRIPTOR_DIMS} finite numbers.")
    return values


def face_distance(a, b) -> float:
    """Return the Euclidean distance between two descriptors (a Face, a sequence of 128 numbers,
    or their 512 stored bytes): under about 0.6 for one person, in dlib's calibration."""
    return float(np.linalg.norm(_vector(a) - _vector(b)))


def same_person(a, b, *, threshold: float) -> bool:
    """Return whether two descriptors are of one person: their distance is at most threshold."""
    return face_distance(a, b) <= threshold


def nearest(descriptor, references: Sequence) -> Match | None:
    """Return the reference nearest to descriptor (its index and distance), or None if there
    are no references. One vectorised pass over all of them."""
    if not len(references):
        return None
    matrix = np.stack([_vector(r) for r in references])
    distances = np.linalg.norm(matrix - _vector(descriptor), axis=1)
    i = int(np.argmin(distances))
    return Match(i, float(distances[i]))


def detection_scale(width: int, height: int, max_side: int) -> float:
    """Return the factor (at most 1) that brings the frame's longest side down to max_side."""
    longest = max(width, height)
    return 1.0 if max_side <= 0 or longest <= max_side else max_side / longest


def detection_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """Return the size of the frame detection runs on: at least one pixel a side."""
    return max(1, round(width * scale)), max(1, round(height * scale))


def smallest_detectable(detector: str, scale: float, upsample: int) -> int:
    """Return the smallest face (full-resolution px) the detector can find at this scale."""
    return math.ceil(DETECTOR_MIN_BOX[detector] / (scale * 2**upsample))


def to_full_resolution(left: float, top: float, right: float, bottom: float, scale: float) -> Box:
    """Return a box found in the detection frame, in the full frame's pixels."""
    return Box(round(left / scale), round(top / scale), round(right / scale), round(bottom / scale))


def clipped(box: Box, width: int, height: int) -> Box:
    """Return the part of a box inside a width x height frame (a detector's box may overhang)."""
    return Box(
        min(max(box.left, 0), width),
        min(max(box.top, 0), height),
        min(max(box.right, 0), width),
        min(max(box.bottom, 0), height),
    )


def over_limit_message(max_faces: int) -> str:
    """Return why a face past the per-frame limit was skipped, in words a person reads."""
    return (
        f"The frame shows more than {max_faces} faces (FACE_MAX_PER_FRAME): the surest "
        f"{max_faces} were compared, and this one was not."
    )


def too_small_message(size: int, min_size: int) -> str:
    """Return why a face of size px was skipped, in words a person reads."""
    return (
        f"A face {size} px across was found but not compared: faces under {min_size} px "
        "(FACE_MIN_SIZE) give descriptors too unreliable to name a person."
    )


# --- Matching faces with performers --------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """A performer's face: the talent it is of, and its descriptor (128 numbers or 512 bytes)."""

    talent_id: int
    descriptor: object


@dataclass(frozen=True)
class Sighting:
    """A face in one frame (a still is frame 0; a clip's keyframe, at seconds), and the performer
    whose reference it is nearest, if within the threshold: talent_id None and the nearest
    distance otherwise (None where there are no references). A face that was not compared says why
    (skipped), with no distance."""

    frame_index: int
    seconds: float | None
    box: Box
    size: int
    talent_id: int | None = None
    distance: float | None = None
    skipped: str = ""
    descriptor: tuple[float, ...] | None = None
    lab: tuple[float, float, float] | None = None

    @property
    def where(self) -> str:
        """Where in the output the face is, in words: "at 2.5 s" in a clip, "in the picture" in a still."""
        return "in the picture" if self.seconds is None else f"at {self.seconds:g} s"


def match_faces(
    frames: Sequence[tuple[int, float | None, FrameFaces]],
    references: Sequence[Reference],
    *,
    threshold: float,
) -> list[Sighting]:
    """Return a sighting for every face of every frame ((index, seconds, faces) each): the faces
    described, each matched with the nearest reference (a performer when at or under threshold),
    then those skipped, with why."""
    out = []
    descriptors = [r.descriptor for r in references]
    for index, seconds, found in frames:
        for face in found.faces:
            match = nearest(face, descriptors)
            talent = references[match.index].talent_id if match and match.distance <= threshold else None
            out.append(
                Sighting(
                    index,
                    seconds,
                    face.box,
                    face.size,
                    talent,
                    round(match.distance, 4) if match else None,
                    descriptor=face.descriptor,
                    lab=face.lab,
                )
            )
        for skipped in found.skipped:
            out.append(Sighting(index, seconds, skipped.box, skipped.size, skipped=skipped.message))
    return out
