"""Faces at ingest and after a run: a likeness reference's face becomes its performer's
reference; a plate's or an element's faces are kept for the gate (R2); an output's faces are
matched with the studio's performers and kept as sightings (R6). Descriptors stay in this app's
rows: the ledger names the asset by its hash only, and a performer's erasure deletes theirs."""

import logging

from django.conf import settings
from django.db import transaction

from rightsledger.imaging import ImageRefused
from rightsledger.models import Asset

from .. import face_match as fm
from ..models import AssetFace, FaceReference, FaceScan, FaceSighting

log = logging.getLogger(__name__)

# A reference's faces that the detector is less sure of than this are not counted as people (HOG
# answers, barely, for a mission patch on the astronaut's suit); a real face scores over 1.
REFERENCE_MIN_SCORE = 0.5


def frames_faces(source, media_type: str) -> list[tuple[int, float | None, fm.FrameFaces]]:
    """Return the faces of a still (frame 0, no time) or of a clip's keyframes, one at least every
    FACE_KEYFRAME_SECONDS ((index, seconds, faces) each). source: a PIL image, bytes or a path."""
    # Deferred: dlib (a large native module) and PyAV load only where faces are looked for.
    from .. import faces
    from ..fingerprint import video_keyframes

    config = faces.FaceSettings.from_settings()
    if media_type.startswith("video/"):
        frames = video_keyframes(
            source,
            settings.FACE_KEYFRAME_SECONDS,
            max_pixels=settings.IMAGE_MAX_PIXELS,
            max_frames=settings.VIDEO_MAX_FRAMES,
        )
        return [(n, t, faces.detect_faces(img, config=config)) for n, (t, img) in enumerate(frames)]
    return [(0, None, faces.detect_faces(source, config=config))]


def _box(box: fm.Box) -> dict:
    return {"left": box.left, "top": box.top, "right": box.right, "bottom": box.bottom}


def _reference_message(found: fm.FrameFaces, people: list[fm.Face]) -> str:
    if len(people) == 1:
        return (
            f"The performer's face was found ({people[0].size} px across): outputs and inputs showing "
            "it are recognised."
        )
    small = [s for s in found.skipped if s.reason == fm.SKIP_TOO_SMALL]
    if not people and small:
        return (
            f"The photo shows a face {small[0].size} px across, too small to recognise (faces under "
            f"{found.min_size} px are not compared): register a photo where the performer's face is larger."
        )
    if not people:
        return (
            "No face was found in this photo, so outputs showing the performer cannot be recognised: "
            "register a photo of the performer's face, from the front, at least "
            f"{max(found.min_size, found.smallest_detectable)} px across."
        )
    return (
        f"The photo shows {len(people)} faces, and nothing says which is the performer's: register a "
        "photo of the performer alone."
    )


def asset_faces_scan(*, asset: Asset) -> FaceScan | None:
    """Find the faces of an ingested still or clip, once. A likeness reference showing exactly one
    face gives its performer a face reference; a reference with none or several gets a message
    saying what to register instead. Another asset's faces are kept for the gate. Returns the
    scan, or None for an output, a file that is not a picture, or with FACE_CHECK off."""
    if not settings.FACE_CHECK or asset.origin == "generated":
        return None
    if not asset.media_type.startswith(("image/", "video/")) or FaceScan.objects.filter(asset=asset).exists():
        return None
    with asset.file.open("rb") as fh:
        data = fh.read()
    try:
        frames = frames_faces(data, asset.media_type)
    except (ImageRefused, OSError, ValueError) as exc:
        log.warning("The faces of asset %s could not be read: %s", asset.pk, exc)
        return None
    described = sum(len(f.faces) for _, _, f in frames)
    skipped = sum(len(f.skipped) for _, _, f in frames)
    with transaction.atomic():
        if asset.kind == "likeness_reference" and asset.talent_id is not None:
            found = frames[0][2]
            people = [f for f in found.faces if (f.score is None or f.score >= REFERENCE_MIN_SCORE)]
            usable, message = len(people) == 1, _reference_message(found, people)
            if usable:
                FaceReference.objects.create(
                    talent_id=asset.talent_id,
                    asset=asset,
                    descriptor=people[0].descriptor_bytes(),
                    **_box(people[0].box),
                )
        else:
            usable = True
            AssetFace.objects.bulk_create(
                [
                    AssetFace(
                        asset=asset,
                        frame_index=n,
                        seconds=t,
                        descriptor=face.descriptor_bytes(),
                        **_box(face.box),
                    )
                    for n, t, found in frames
                    for face in found.faces
                ]
            )
            message = (
                f"{described} face{'s' if described != 1 else ''} found"
                + (f", {skipped} too small to compare" if skipped else "")
                + "."
            )
        scan, _ = FaceScan.objects.get_or_create(
            asset=asset,
            defaults={
                "frames": len(frames),
                "faces": described,
                "skipped": skipped,
                "usable": usable,
                "message": message,
            },
        )
    return scan


def face_references(studio_id: int) -> list[fm.Reference]:
    """Return the faces of the studio's performers (from their likeness references in any of the
    studio's productions), one query."""
    rows = FaceReference.objects.filter(
        asset__production__studio_id=studio_id, talent__erased_at__isnull=True
    ).values_list("talent_id", "descriptor")
    return [fm.Reference(t, bytes(d)) for t, d in rows]


def output_faces_record(*, asset: Asset, frames, references: list[fm.Reference]) -> list[fm.Sighting]:
    """Match an output's faces ((index, seconds, faces) per frame) with the performers' references
    and keep each as a sighting of the output (the caller's transaction); return the sightings."""
    sightings = fm.match_faces(frames, references, threshold=settings.FACE_MATCH_DISTANCE)
    FaceSighting.objects.bulk_create(
        [
            FaceSighting(
                asset=asset,
                frame_index=s.frame_index,
                seconds=s.seconds,
                size=s.size,
                talent_id=s.talent_id,
                distance=s.distance,
                skipped=s.skipped,
                **_box(s.box),
                **dict(zip(("lab_l", "lab_a", "lab_b"), s.lab or (None, None, None), strict=True)),
            )
            for s in sightings
        ]
    )
    return sightings


def input_faces(asset_ids, studio_id: int) -> dict[int, list[fm.Sighting]]:
    """Return, for each of the assets that showed faces at ingest, its faces matched with the
    studio's performers as they are now; a reference photo shows its own performer (three
    queries)."""
    references = face_references(studio_id)
    descriptors = [r.descriptor for r in references]
    threshold = settings.FACE_MATCH_DISTANCE
    by_asset: dict[int, list] = {}
    faces = AssetFace.objects.filter(asset_id__in=list(asset_ids)).order_by("asset_id", "frame_index", "id")
    for face in faces:
        box = fm.Box(face.left, face.top, face.right, face.bottom)
        match = fm.nearest(bytes(face.descriptor), descriptors)
        talent = references[match.index].talent_id if match and match.distance <= threshold else None
        by_asset.setdefault(face.asset_id, []).append(
            fm.Sighting(
                face.frame_index,
                face.seconds,
                box,
                min(box.width, box.height),
                talent,
                round(match.distance, 4) if match else None,
            )
        )
    # A performer's reference photo used as a plate or an element shows them, at no distance.
    for ref in FaceReference.objects.filter(asset_id__in=list(asset_ids), talent__erased_at__isnull=True):
        box = fm.Box(ref.left, ref.top, ref.right, ref.bottom)
        by_asset.setdefault(ref.asset_id, []).append(
            fm.Sighting(0, None, box, min(box.width, box.height), ref.talent_id, 0.0)
        )
    return by_asset


def talent_faces_erase(*, talent_id: int) -> int:
    """Delete an erased performer's face references, and the faces kept from plates and elements
    of their studios that were theirs (inside the erasure's transaction; one pass over those
    studios' input faces); return how many descriptors went."""
    rows = FaceReference.objects.filter(talent_id=talent_id)
    references = [fm.Reference(talent_id, bytes(d)) for d in rows.values_list("descriptor", flat=True)]
    studios = rows.values("asset__production__studio_id")
    theirs = []
    if references:
        faces = AssetFace.objects.filter(asset__production__studio_id__in=studios)
        for pk, descriptor in faces.values_list("id", "descriptor").iterator():
            match = fm.nearest(bytes(descriptor), [r.descriptor for r in references])
            if match and match.distance <= settings.FACE_MATCH_DISTANCE:
                theirs.append(pk)
    FaceScan.objects.filter(asset__talent_id=talent_id).update(
        usable=False, message="The performer's personal data was erased: their face is no longer compared."
    )
    deleted, _ = FaceReference.objects.filter(talent_id=talent_id).delete()
    gone, _ = AssetFace.objects.filter(pk__in=theirs).delete()
    return deleted + gone
