"""Faces in a frame, with dlib: detection, five landmarks and the 128-d ResNet descriptor.

The models are read from FACE_MODELS_DIR (by default the folder the face-recognition-models
package ships them in), once per process, on first use; nothing is downloaded. Detection is
HOG by default, or MMOD (dlib's CNN detector, for a GPU worker) where FACE_DETECTOR says so.
It runs on the frame scaled down to FACE_DETECT_MAX_SIDE; landmarks and descriptors are taken
on the full frame, so a face keeps every pixel it has. A face found smaller than FACE_MIN_SIZE,
or past the FACE_MAX_PER_FRAME surest, is reported as skipped, with its size and why, rather
than described. Every file is opened through
rightsledger.imaging.open_image, which refuses decompression bombs.

The results are the frozen values of provenance.face_match, which holds the pure comparison.
"""

import importlib.util
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image, ImageOps

from rightsledger.imaging import MAX_PIXELS, ImageRefused, open_image

from . import continuity
from .face_match import (  # noqa: F401  (face_distance and the values are re-exported)
    DETECTORS,
    SKIP_OVER_LIMIT,
    SKIP_TOO_SMALL,
    Box,
    Face,
    FrameFaces,
    Match,
    SkippedFace,
    clipped,
    detection_scale,
    detection_size,
    face_distance,
    nearest,
    over_limit_message,
    smallest_detectable,
    to_full_resolution,
    too_small_message,
)
from .face_match import same_person as _same_person

# The files of face-recognition-models 0.3.0 this module reads (its 68-point model is not used).
SHAPE_FILE = "shape_predictor_5_face_landmarks.dat"
RECOGNITION_FILE = "dlib_face_recognition_resnet_model_v1.dat"
MMOD_FILE = "mmod_human_face_detector.dat"
MODELS_PACKAGE = "face_recognition_models"
ORIENTATION_TAG = 0x0112  # EXIF

# Defaults where the settings do not say (the benches run without Django).
DEFAULT_DETECT_MAX_SIDE = 960
DEFAULT_MIN_SIZE = 40
DEFAULT_MATCH_DISTANCE = 0.6
# Each face described costs about 90 ms of CPU: a frame tiled with faces must not hold a worker.
DEFAULT_MAX_PER_FRAME = 50
MAX_UPSAMPLE = 3


def packaged_models_dir() -> str:
    """Return the folder face-recognition-models installed its models in, or "" if it is not
    installed. The package is found, not imported: its __init__ imports pkg_resources, which
    recent setuptools no longer ship."""
    spec = importlib.util.find_spec(MODELS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return ""
    return str(Path(next(iter(spec.submodule_search_locations))) / "models")


@dataclass(frozen=True)
class FaceSettings:
    """How faces are found and compared; from_settings() reads them from Django's settings."""

    models_dir: str = ""
    detector: str = "hog"
    detect_max_side: int = DEFAULT_DETECT_MAX_SIDE
    upsample: int = 0
    min_size: int = DEFAULT_MIN_SIZE
    match_distance: float = DEFAULT_MATCH_DISTANCE
    max_pixels: int = MAX_PIXELS
    max_faces: int = DEFAULT_MAX_PER_FRAME

    def __post_init__(self):
        if self.detector not in DETECTORS:
            raise ValueError(f"FACE_DETECTOR is {self.detector!r}; it is one of {', '.join(DETECTORS)}.")
        if not 0 <= self.upsample <= MAX_UPSAMPLE:
            raise ValueError(f"FACE_DETECT_UPSAMPLE is {self.upsample}; it is from 0 to {MAX_UPSAMPLE}.")
        counts = (self.detect_max_side >= 0, self.min_size >= 1, self.max_faces >= 1)
        if not all(counts) or not 0 < self.match_distance < 2:
            raise ValueError(
                "FACE_DETECT_MAX_SIDE is 0 (no scaling) or more, FACE_MIN_SIZE at least 1 px, "
                "FACE_MAX_PER_FRAME at least 1, and FACE_MATCH_DISTANCE between 0 and 2."
            )

    @property
    def directory(self) -> str:
        """Return the models' folder: the setting, or the package's own."""
        return self.models_dir or packaged_models_dir()

    @classmethod
    def from_settings(cls) -> "FaceSettings":
        """Return the settings of this deployment (FACE_* and IMAGE_MAX_PIXELS)."""
        return cls(
            models_dir=str(getattr(settings, "FACE_MODELS_DIR", "") or ""),
            detector=getattr(settings, "FACE_DETECTOR", "hog"),
            detect_max_side=getattr(settings, "FACE_DETECT_MAX_SIDE", DEFAULT_DETECT_MAX_SIDE),
            upsample=getattr(settings, "FACE_DETECT_UPSAMPLE", 0),
            min_size=getattr(settings, "FACE_MIN_SIZE", DEFAULT_MIN_SIZE),
            match_distance=getattr(settings, "FACE_MATCH_DISTANCE", DEFAULT_MATCH_DISTANCE),
            max_pixels=getattr(settings, "IMAGE_MAX_PIXELS", MAX_PIXELS),
            max_faces=getattr(settings, "FACE_MAX_PER_FRAME", DEFAULT_MAX_PER_FRAME),
        )


@dataclass
class Models:
    """dlib's models from one folder. MMOD is loaded only when a detection asks for it. dlib's
    networks keep state while they run, so one frame at a time goes through them (lock)."""

    directory: str
    hog: object
    shape: object
    recognition: object
    mmod: object | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


_lock = threading.Lock()
_models: dict[str, Models] = {}


def _model_file(directory: str, name: str) -> str:
    path = Path(directory) / name
    if not directory or not path.is_file():
        raise FileNotFoundError(
            f"The face model {name} is not in {directory or '(no folder)'}: install "
            "face-recognition-models==0.3.0, or point FACE_MODELS_DIR at a folder that holds it."
        )
    return str(path)


def load_models(directory: str, *, mmod: bool = False) -> Models:
    """Return dlib's models from directory, loaded once per process (MMOD too, if asked)."""
    # dlib is imported here, not at the top: it is a large native module that only the
    # processes that look at faces (the fingerprint queue's workers) need.
    import dlib

    with _lock:
        models = _models.get(directory)
        if models is None:
            shape = dlib.shape_predictor(_model_file(directory, SHAPE_FILE))
            recognition = dlib.face_recognition_model_v1(_model_file(directory, RECOGNITION_FILE))
            hog = dlib.get_frontal_face_detector()
            models = _models[directory] = Models(directory, hog, shape, recognition)
        if mmod and models.mmod is None:
            models.mmod = dlib.cnn_face_detection_model_v1(_model_file(directory, MMOD_FILE))
        return models


def unload() -> None:
    """Forget the loaded models (the next detection loads them again)."""
    with _lock:
        _models.clear()


def _as_rgb(image, max_pixels: int) -> Image.Image:
    """Return the frame as an upright RGB image: a PIL image (a video's decoded frame) as it
    is, or bytes, a path or a binary file opened through open_image, which refuses a
    decompression bomb from its header."""
    if not isinstance(image, Image.Image):
        with open_image(image, max_pixels=max_pixels) as img:
            img.load()
            image = img.copy()
    elif image.width * image.height > max_pixels:
        raise ImageRefused(
            f"The frame has {image.width * image.height:,} pixels; the most this service looks "
            f"at is {max_pixels:,}. Send a smaller frame, or ask an admin to raise IMAGE_MAX_PIXELS."
        )
    # A phone's portrait is stored on its side with an orientation tag; boxes are of what people see.
    # Each step copies a 1080p frame (about 2 ms): only the ones needed are taken.
    if image.getexif().get(ORIENTATION_TAG, 1) != 1:
        image = ImageOps.exif_transpose(image)
    return image if image.mode == "RGB" else image.convert("RGB")


def _detect(models: Models, config: FaceSettings, rgb: Image.Image, scale: float) -> list[tuple[Box, float]]:
    """Return the boxes (full-resolution) and scores of the faces the detector finds in the
    frame scaled by scale."""
    size = detection_size(rgb.width, rgb.height, scale)
    if config.detector == "mmod":
        small = np.asarray(rgb.resize(size, Image.Resampling.BILINEAR) if scale != 1 else rgb)
        found = [(d.rect, float(d.confidence)) for d in models.mmod(small, config.upsample)]
    else:
        # HOG reads gradients, which grey carries: a third of the pixels to scan.
        grey = rgb.convert("L")
        small = np.asarray(grey.resize(size, Image.Resampling.BILINEAR) if scale != 1 else grey)
        rects, scores, _ = models.hog.run(small, config.upsample, 0.0)
        found = [(r, float(s)) for r, s in zip(rects, scores)]
    # dlib's rectangles include their right and bottom edges.
    return [
        (to_full_resolution(r.left(), r.top(), r.right() + 1, r.bottom() + 1, scale), s) for r, s in found
    ]


def detect_faces(image, *, config: FaceSettings | None = None) -> FrameFaces:
    """Return the faces in a frame (a PIL image, or an image file's bytes, path or binary file):
    each face large enough described (box, size, five landmarks, descriptor, score), the
    detector's surest first, and each smaller one listed as skipped with its size. Raise
    ImageRefused for a frame over IMAGE_MAX_PIXELS, and Pillow's own error for a file that is
    not an image."""
    import dlib  # defers dlib (a large native module) until a frame is looked at

    config = config or FaceSettings.from_settings()
    rgb = _as_rgb(image, config.max_pixels)
    width, height = rgb.size
    scale = detection_scale(width, height, config.detect_max_side)
    models = load_models(config.directory, mmod=config.detector == "mmod")
    full = None  # the frame's pixels as an array (a copy), taken only once a face is to be described
    faces, skipped, shapes = [], [], []
    with models.lock:
        kept = []
        for box, score in sorted(_detect(models, config, rgb, scale), key=lambda found: -found[1]):
            size = min(box.width, box.height)
            if size < config.min_size:
                skipped.append(
                    SkippedFace(
                        clipped(box, width, height),
                        size,
                        SKIP_TOO_SMALL,
                        too_small_message(size, config.min_size),
                        score,
                    )
                )
                continue
            if len(kept) == config.max_faces:
                skipped.append(
                    SkippedFace(
                        clipped(box, width, height),
                        size,
                        SKIP_OVER_LIMIT,
                        over_limit_message(config.max_faces),
                        score,
                    )
                )
                continue
            rect = dlib.rectangle(box.left, box.top, box.right - 1, box.bottom - 1)
            if full is None:
                full = np.asarray(rgb)
            shapes.append(models.shape(full, rect))
            kept.append((box, size, score))
        descriptors = []
        if shapes:
            detections = dlib.full_object_detections()
            detections.extend(shapes)
            descriptors = models.recognition.compute_face_descriptor(full, detections)
    for (box, size, score), shape, descriptor in zip(kept, shapes, descriptors):
        landmarks = tuple((int(shape.part(i).x), int(shape.part(i).y)) for i in range(shape.num_parts))
        values = tuple(float(v) for v in descriptor)
        box = clipped(box, width, height)
        faces.append(Face(box, size, landmarks, values, score, continuity.face_lab(full, box)))
    return FrameFaces(
        width=width,
        height=height,
        detector=config.detector,
        detection_scale=round(scale, 6),
        upsample=config.upsample,
        smallest_detectable=smallest_detectable(config.detector, scale, config.upsample),
        min_size=config.min_size,
        faces=tuple(sorted(faces, key=_surest_first)),
        skipped=tuple(sorted(skipped, key=_surest_first)),
    )


def _surest_first(face: Face | SkippedFace) -> tuple[float, int]:
    return -(face.score if face.score is not None else float("-inf")), -face.size


def match_distance() -> float:
    """Return the distance at or under which two faces are one person (FACE_MATCH_DISTANCE)."""
    return FaceSettings.from_settings().match_distance


def same_person(a, b, *, threshold: float | None = None) -> bool:
    """Return whether two descriptors are of one person, at FACE_MATCH_DISTANCE unless a
    threshold is given."""
    return _same_person(a, b, threshold=match_distance() if threshold is None else threshold)
