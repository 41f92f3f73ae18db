"""Faces (provenance/faces.py): how often the same person is recognised and another person is
not, at the threshold (FACE_MATCH_DISTANCE), and how long one 1080p keyframe takes with HOG,
beside the bare dlib calls as the anchor. No Django and no database: the code the service uses.

    python bench/faces.py [--threshold 0.6] [--runs 15]

The test set is tiny: two people (scikit-image's astronaut, Eileen Collins, and matplotlib's
Grace Hopper, public-domain portraits that ship in those packages), each under crops, scales
down to the minimum face size, +-30% exposure, JPEG 50 and rotations to +-15 degrees; the built-in
engines' outputs with one of them composited by crowd fill; and the engines' outputs with nobody,
as negatives. It shows that the code works and where it stops working (small faces, rotation),
not the error rates on a studio's cast: those need the studio's own photographs of many people
(the same measure, run over their references and frames, gives them).

Prints JSON and writes bench/results/faces.json.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import SMOKE, report, size  # noqa: E402

from demo.pictures import picture  # noqa: E402
from provenance import faces  # noqa: E402
from provenance.face_match import face_distance  # noqa: E402
from rightsledger.imaging import open_image  # noqa: E402

FULL_HD = (1920, 1080)


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


def rotated(img: Image.Image, degrees: float) -> Image.Image:
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))


def scaled_to_face(img: Image.Image, face_px: int, ref_size: int) -> Image.Image:
    k = face_px / ref_size
    return img.resize((max(1, round(img.width * k)), max(1, round(img.height * k))), Image.Resampling.LANCZOS)


def variants(img: Image.Image, box, min_size: int) -> dict[str, Image.Image]:
    """Return the portrait under each change, by name."""
    pad = box.width

    def around(left, top, right, bottom):
        return img.crop(
            (
                max(0, box.left - left),
                max(0, box.top - top),
                min(img.width, box.right + right),
                min(img.height, box.bottom + bottom),
            )
        )

    out = {
        "original, JPEG 95": jpeg(img, 95),
        "crop: head and shoulders": around(pad, pad, pad, 2 * pad),
        "crop: tight on the head": around(pad // 3, pad // 3, pad // 3, pad // 3),
        "crop: face at the frame's edge": img.crop((box.left + box.width // 4, 0, img.width, img.height)),
        "exposure -30%": ImageEnhance.Brightness(img).enhance(0.7),
        "exposure +30%": ImageEnhance.Brightness(img).enhance(1.3),
        "JPEG 50": jpeg(img, 50),
    }
    for degrees in (-15, -8, 8, 15):
        out[f"rotation {degrees:+d} degrees"] = rotated(img, degrees)
    for face_px in sorted({160, 120, 96, 80, 64, 48, min_size}, reverse=True):
        out[f"scale: face {face_px} px"] = scaled_to_face(img, face_px, min(box.width, box.height))
    return dict(list(out.items())[: size(None, 2)])  # the smoke size: the first two


def head_element(img: Image.Image, box) -> bytes:
    """Return the person's head and shoulders as an RGBA PNG cut out with an ellipse: a crowd element."""
    pad = box.width // 2
    crop = img.crop(
        (
            max(0, box.left - pad),
            max(0, box.top - pad),
            min(img.width, box.right + pad),
            min(img.height, box.bottom + 3 * pad),
        )
    )
    alpha = Image.new("L", crop.size, 0)
    ImageDraw.Draw(alpha).ellipse((0, 0, crop.width - 1, crop.height - 1), fill=255)
    crop.putalpha(alpha)
    buf = io.BytesIO()
    crop.save(buf, "PNG")
    return buf.getvalue()


def figure_element() -> bytes:
    """Return a drawn figure (no face) as an RGBA PNG: the crowd element of the negatives."""
    img = Image.new("RGBA", (120, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((35, 0, 85, 55), fill=(200, 160, 130, 255))
    draw.rectangle((30, 55, 90, 190), fill=(60, 70, 140, 255))
    draw.rectangle((35, 190, 85, 300), fill=(40, 40, 40, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def engine_outputs(people: dict[str, Image.Image], refs) -> tuple[list, list]:
    """Return (outputs with one person composited by crowd fill, with whom; outputs with nobody)."""
    from generation.engines import AtmosphereEngine, CrowdFillEngine, SetExtensionEngine
    from generation.engines.base import EngineInput

    with_person, nobody = [], []
    crowd = CrowdFillEngine()
    for n, (name, img) in enumerate(people.items()):
        element = EngineInput("element", head_element(img, refs[name].box), "image/png")
        for near in size((0.15, 0.25, 0.4, 0.6, 0.85), (0.4,)):
            plate = EngineInput("plate", png(picture(10 + n, FULL_HD)), "image/png")
            # Feet low in the frame, so that even the tallest figure's head is inside it.
            params = {"count": 1, "near_scale": near, "far_scale": near, "colour_match": 0.4, "horizon": 0.92}
            out = crowd.run([plate, element], params, seed=3)
            label = f"crowd fill, {name}, figure {near:.0%} of the frame's height"
            with_person.append((label, name, out.image))
    for seed in range(size(6, 1)):
        plate = EngineInput("plate", png(picture(100 + seed, FULL_HD)), "image/png")
        figures = EngineInput("element", figure_element(), "image/png")
        nobody.append((f"atmosphere, plate {seed}", AtmosphereEngine().run([plate], {}, seed).image))
        nobody.append((f"set extension, plate {seed}", SetExtensionEngine().run([plate], {}, seed).image))
        filled = crowd.run([plate, figures], {"count": 40}, seed).image
        nobody.append((f"crowd fill with drawn figures, plate {seed}", filled))
    return with_person, nobody


def accuracy(config: faces.FaceSettings, threshold: float) -> dict:
    """Return true- and false-match rates, and every distance, for one detection configuration."""
    people = portraits()
    refs = {name: faces.detect_faces(jpeg(img, 95), config=config).faces[0] for name, img in people.items()}
    rows, genuine, impostor, missed, false_detections = [], [], [], [], 0
    cases = []
    for name, img in people.items():
        for label, changed in variants(img, refs[name].box, config.min_size).items():
            cases.append(("portrait", label, name, changed))
    with_person, nobody = engine_outputs(people, refs)
    cases += [("engine output, a person composited", label, name, img) for label, name, img in with_person]
    cases += [("engine output, nobody", label, None, img) for label, img in nobody]
    for source, label, name, img in cases:
        result = faces.detect_faces(img, config=config)
        row = {
            "source": source,
            "case": label,
            "person": name,
            "size": list(img.size),
            "faces": len(result.faces),
            "skipped": [s.size for s in result.skipped],
        }
        found = list(result.faces)
        if name is not None:
            if found:
                d = face_distance(found[0], refs[name])
                genuine.append(d)
                row["same_person_distance"] = round(d, 4)
                row["face_px"] = found[0].size
                row["recognised"] = d <= threshold
            else:
                missed.append(f"{source}: {label} ({name})")
                row["recognised"] = False
        else:
            false_detections += len(found)
        for face in found:
            for ref_name, ref in refs.items():
                if ref_name == name and face is found[0]:
                    continue
                impostor.append(face_distance(face, ref))
        rows.append(row)
    positives = sum(1 for r in rows if r["person"] is not None)
    recognised = sum(1 for r in rows if r.get("recognised"))
    return {
        "detector": config.detector,
        "detect_max_side": config.detect_max_side,
        "upsample": config.upsample,
        "min_size": config.min_size,
        "threshold": threshold,
        "positives": positives,
        "true_matches": recognised,
        "true_match_rate": round(recognised / positives, 4),
        "missed_no_face_found": missed,
        "impostor_pairs": len(impostor),
        "false_matches": sum(1 for d in impostor if d <= threshold),
        "false_match_rate": round(sum(1 for d in impostor if d <= threshold) / max(1, len(impostor)), 4),
        "faces_found_where_nobody_is": false_detections,
        "genuine_distance": {"max": round(max(genuine), 4), "median": round(statistics.median(genuine), 4)},
        "impostor_distance": {
            "min": round(min(impostor), 4),
            "median": round(statistics.median(impostor), 4),
        },
        "cases": rows,
    }


def interleaved(cases: dict, runs: int) -> dict:
    """Return each case's timings, the cases run in turn, round after round: on a shared machine
    a burst of someone else's load then falls on every case alike, not on one."""
    for fn in cases.values():
        fn()  # warm-up
    samples = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            t = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - t) * 1000)
    return {
        name: {
            "n": runs,
            "p50_ms": round(statistics.median(ms), 1),
            "min_ms": round(min(ms), 1),
            "max_ms": round(max(ms), 1),
        }
        for name, ms in samples.items()
    }


def speed(runs: int) -> dict:
    """Return the time of one 1080p keyframe, through the service's code and as bare dlib calls."""
    import dlib

    people = portraits()
    config = faces.FaceSettings()
    ref = faces.detect_faces(people["hopper"], config=config).faces[0]
    box = ref.box
    head = people["hopper"].crop((box.left - 120, box.top - 120, box.right + 120, box.bottom + 160))
    one = picture(7, FULL_HD)
    one.paste(head, (900, 150))
    three = one.copy()
    three.paste(people["collins"].crop((120, 20, 330, 240)).resize((420, 440)), (150, 300))
    three.paste(people["hopper"].resize((420, 492)), (1450, 420))
    nobody = picture(8, FULL_HD)
    frames = {"one face": one, "three faces": three, "no face": nobody}
    found = {label: len(faces.detect_faces(img, config=config).faces) for label, img in frames.items()}
    # The anchor: the same work as bare dlib calls on arrays already prepared (no conversion,
    # no scaling, no result values), and detection on the full frame without scaling.
    models = faces.load_models(config.directory)
    grey_small = np.asarray(one.convert("L").resize((960, 540), Image.Resampling.BILINEAR))
    full = np.asarray(one)
    r = models.hog.run(grey_small, 0, 0.0)[0][0]
    rect = dlib.rectangle(r.left() * 2, r.top() * 2, r.right() * 2, r.bottom() * 2)
    upsampled = faces.FaceSettings(upsample=1)
    cases = {
        f"service, HOG, {label}": (lambda img=img: faces.detect_faces(img, config=config))
        for label, img in frames.items()
    }
    one_jpeg = _jpeg_bytes(one)
    cases["service, HOG, one face, JPEG bytes (decode included)"] = lambda data=one_jpeg: faces.detect_faces(
        data, config=config
    )
    cases["bare dlib: HOG on the 960x540 grey frame"] = lambda: models.hog.run(grey_small, 0, 0.0)
    cases["bare dlib: 5 landmarks + descriptor, one face"] = lambda: (
        models.recognition.compute_face_descriptor(full, models.shape(full, rect))
    )
    out = interleaved(cases, runs)
    for label in frames:
        out[f"service, HOG, {label}"]["faces_found"] = found[label]
    out.update(
        interleaved(
            {
                "bare dlib: HOG on the full 1920x1080 frame (no scaling)": lambda: models.hog(full, 0),
                "service, HOG upsampled once (finds faces from 80 px at 1080p), one face": lambda: (
                    faces.detect_faces(one, config=upsampled)
                ),
            },
            max(size(3, 1), runs // 3),
        )
    )
    mmod = faces.FaceSettings(detector="mmod")
    out["service, MMOD on this CPU (dlib-bin has no CUDA), one face"] = {
        **interleaved({"mmod": lambda: faces.detect_faces(one, config=mmod)}, 1)["mmod"],
        "faces_found": len(faces.detect_faces(one, config=mmod).faces),
    }
    one_face = out["service, HOG, one face"]["p50_ms"]
    anchor = (
        out["bare dlib: HOG on the 960x540 grey frame"]["p50_ms"]
        + out["bare dlib: 5 landmarks + descriptor, one face"]["p50_ms"]
    )
    extra_faces = max(1, found["three faces"] - 1)
    return {
        "frames": "1920x1080 drawn plates (demo.pictures) with portraits pasted in; faces about 200-450 px",
        "per_keyframe_ms_p50": one_face,
        "per_keyframe_ms_min": out["service, HOG, one face"]["min_ms"],
        "goal_ms": 150,
        "goal_met_at_p50": one_face <= 150,
        "goal_met_at_min": out["service, HOG, one face"]["min_ms"] <= 150,
        "note": (
            "This machine's 2 cores are shared with other work (see the load averages): the p50 moves "
            "with it, the bare dlib anchor with it; the minimum is the undisturbed figure."
        ),
        "bare_dlib_anchor_ms_p50": round(anchor, 1),
        "service_overhead_ms": round(one_face - anchor, 1),
        "per_additional_face_ms": round(
            (out["service, HOG, three faces"]["p50_ms"] - one_face) / extra_faces, 1
        ),
        "rows": out,
    }


def _jpeg_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _rate(distances: list[float], threshold: float) -> float | None:
    """Return the share of distances at or under the threshold (None for none)."""
    return round(sum(d <= threshold for d in distances) / len(distances), 4) if distances else None


def own_material(folder: Path, threshold: float) -> dict:
    """Measure on a studio's own photographs: folder/<person>/<any picture>, one folder a person.
    Every pair of faces of one person is a same-person pair, every pair across people a
    different-person pair; returns the distances and the rates at the threshold."""
    config = faces.FaceSettings()
    found, unreadable = {}, []
    for person in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in sorted(person.iterdir()):
            try:
                result = faces.detect_faces(path.read_bytes(), config=config)
            except Exception as exc:  # a file that is not a picture is listed, not fatal
                unreadable.append(f"{path.name}: {exc}")
                continue
            # As for a likeness reference: the detector's barely-sure answers are not people.
            sure = [f for f in result.faces if f.score is None or f.score >= 0.5]
            if len(sure) == 1:
                found.setdefault(person.name, []).append(sure[0])
            else:
                unreadable.append(f"{person.name}/{path.name}: {len(sure)} faces found, not one")
    genuine, impostor = [], []
    people = sorted(found)
    for i, a in enumerate(people):
        xs = found[a]
        genuine += [face_distance(x, y) for n, x in enumerate(xs) for y in xs[n + 1 :]]
        for b in people[i + 1 :]:
            impostor += [face_distance(x, y) for x in xs for y in found[b]]
    return {
        "people": len(people),
        "faces": sum(len(v) for v in found.values()),
        "skipped": unreadable,
        "threshold": threshold,
        "same_person_pairs": len(genuine),
        "true_match_rate": _rate(genuine, threshold),
        "different_person_pairs": len(impostor),
        "false_match_rate": round(sum(d <= threshold for d in impostor) / len(impostor), 4)
        if impostor
        else None,
        "same_person_distance_max": round(max(genuine), 4) if genuine else None,
        "different_person_distance_min": round(min(impostor), 4) if impostor else None,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threshold", type=float, default=faces.DEFAULT_MATCH_DISTANCE)
    parser.add_argument("--runs", type=int, default=size(15, 1))
    parser.add_argument(
        "--faces-dir",
        type=Path,
        help="a studio's own photographs, a folder per person: measure accuracy on them alone "
        "(prints JSON; writes bench/results/faces-own.json)",
    )
    args = parser.parse_args()
    if args.faces_dir:
        report("faces-own", own_material(args.faces_dir, args.threshold))
        return
    import dlib
    import torch

    torch.set_num_threads(2)
    threshold = args.threshold
    t = time.perf_counter()
    results = {
        "test_set": (
            "Tiny: two people (Eileen Collins in scikit-image's astronaut, Grace Hopper in matplotlib's "
            "sample data), each under 7 crops/exposures/JPEG, 4 rotations and 7 scales, plus 10 crowd-fill "
            "outputs compositing one of them and 18 engine outputs with nobody. One impostor identity per "
            "person: the false-match rate says these two are told apart, not how a cast of hundreds is. "
            "Re-measure on the studio's own references and frames."
        ),
        "dlib": dlib.__version__,
        "models": "face-recognition-models 0.3.0 (5-point landmarks, ResNet v1)",
        "accuracy": {
            "default (HOG, detection at 960 px, no upsampling)": accuracy(faces.FaceSettings(), threshold),
            **(
                {}  # the smoke size measures the default alone
                if SMOKE
                else {
                    "HOG, upsampled once (finds faces down to about 40 px)": accuracy(
                        faces.FaceSettings(upsample=1), threshold
                    )
                }
            ),
        },
        "load_average_1_5_15_min_before_speed": [round(v, 2) for v in os.getloadavg()],
        "speed": speed(args.runs),
    }
    measured = list(results["accuracy"].values())
    genuine = max(m["genuine_distance"]["max"] for m in measured)
    impostor = min(m["impostor_distance"]["min"] for m in measured)
    results["threshold_choice"] = (
        f"{threshold}: dlib's own, calibrated on LFW (13,000 faces of 5,700 people). Here every "
        f"same-person distance was at most {genuine} and every other-person distance at least {impostor}, "
        "so any value between them separates this set; two people cannot calibrate a threshold, so dlib's "
        "stands. It is kept at the loose end on purpose: a false match holds an output for a person's "
        "review, a miss lets a performer's likeness through without consent."
    )
    results["seconds"] = round(time.perf_counter() - t, 1)
    # The machine is shared: its load (runnable processes, against its cores) colours the speed.
    results["load_average_1_5_15_min_at_end"] = [round(v, 2) for v in os.getloadavg()]
    report("faces", results)


if __name__ == "__main__":
    main()
