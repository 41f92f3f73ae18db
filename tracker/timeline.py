"""Editorial timelines through OpenTimelineIO and its adapters: an .otio file, a CMX 3600 EDL or
an FCP 7 XML in, one row per clip of the video tracks out; and a production's shots back out as
an OTIO timeline whose clips say what Rightsledger decided. Pure: no Django.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass

import opentimelineio as otio

ADAPTERS = {".otio": "otio_json", ".edl": "cmx_3600", ".xml": "fcp_xml"}
METADATA_KEY = "rightsledger"


class TimelineError(ValueError):
    """The file is not a timeline this service can read; the message says why."""


@dataclass(frozen=True)
class ClipRow:
    code: str
    sequence: str
    frame_in: int  # first frame of the source used
    frame_out: int  # last frame of the source used, included
    frame_count: int
    record_in: int  # where it starts on the timeline, in frames
    record_out: int  # where it ends, last frame included
    reel: str
    rate: float


# What each of a shot's placement fields is called on the import's page; the frame fields are
# shown with their timecode beside them.
FIELD_LABELS = {
    "frame_in": "Source in",
    "frame_out": "Source out",
    "frame_count": "Length",
    "record_in": "Record in",
    "record_out": "Record out",
    "reel": "Reel",
    "sequence": "Sequence",
}
FRAME_FIELDS = ("frame_in", "frame_out", "frame_count", "record_in", "record_out")
NEW_SHOT_FIELDS = ("frame_in", "frame_out", "record_in", "record_out")


def timecode(frame: int, rate: float) -> str:
    """Return a frame number at a rate as SMPTE timecode, by OpenTimelineIO's own conversion (drop
    frame at 29.97 and 59.94): 86400 at 24 fps is "01:00:00:00"."""
    return otio.opentime.to_timecode(otio.opentime.RationalTime(frame, rate), rate)


@dataclass(frozen=True)
class Placement:
    """A field of a shot's placement as the import's page shows it: its label, and its value
    before and after (a frame number with its timecode, or text)."""

    label: str
    before: str
    after: str


def _shown(field: str, value, rate: float) -> str:
    if value is None or value == "":
        return "none"
    if field in FRAME_FIELDS:
        return f"{value} ({timecode(value, rate)})"
    return str(value)


def placements(rows: list[ClipRow], created: list[str], updated: dict[str, dict]) -> dict:
    """Return what an import's page shows per shot, frames with their timecode at the timeline's
    rate: {"created": {code: [Placement]}, "updated": {code: [Placement]}, "columns": [the
    new shots' columns]}."""
    by_code = {r.code: r for r in rows}
    new = {}
    for code in created:
        row = by_code[code]
        new[code] = [
            Placement(FIELD_LABELS[f], "", _shown(f, getattr(row, f), row.rate)) for f in NEW_SHOT_FIELDS
        ]
    changed = {}
    for code, changes in updated.items():
        rate = by_code[code].rate if code in by_code else 24.0
        changed[code] = [
            Placement(
                FIELD_LABELS.get(f, f.replace("_", " ")), _shown(f, before, rate), _shown(f, after, rate)
            )
            for f, (before, after) in changes.items()
        ]
    return {"created": new, "updated": changed, "columns": [FIELD_LABELS[f] for f in NEW_SHOT_FIELDS]}


def adapter_for(name: str) -> str:
    suffix = os.path.splitext(name.lower())[1]
    if suffix not in ADAPTERS:
        raise TimelineError(
            f"{name!r} is not a timeline this service reads: give "
            "an .otio file, a CMX 3600 .edl or an FCP XML (.xml)."
        )
    return ADAPTERS[suffix]


def code_of(name: str) -> str:
    """A shot code from a clip's name: letters, digits, '_', '-' and '.', at most 64."""
    code = re.sub(r"[^A-Za-z0-9_.\-]+", "_", (name or "").strip()).strip("_.-")
    return code[:64]


def read(data: bytes, name: str) -> list[ClipRow]:
    """Read a timeline's clips (video tracks only, in record order). Raises TimelineError."""
    adapter = adapter_for(name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if adapter != "cmx_3600":  # EDLs from older systems are often Latin-1
            raise TimelineError(f"{name!r} is not text: a timeline file is UTF-8 text.") from None
        text = data.decode("latin-1")
    try:
        if adapter == "fcp_xml":
            # The FCP adapter reads from a file only.
            with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=True, encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                timeline = otio.adapters.read_from_file(fh.name, adapter_name=adapter)
        else:
            timeline = otio.adapters.read_from_string(text, adapter_name=adapter)
    except Exception as exc:  # noqa: BLE001  (the adapters raise anything from ValueError to their own errors)
        raise TimelineError(
            f"{name!r} could not be read as {adapter}: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}."
        ) from exc
    if isinstance(timeline, otio.schema.SerializableCollection):
        timelines = [t for t in timeline if isinstance(t, otio.schema.Timeline)]
        if not timelines:
            raise TimelineError(f"{name!r} holds no timeline.")
        timeline = timelines[0]
    if not isinstance(timeline, otio.schema.Timeline):
        raise TimelineError(f"{name!r} holds a {type(timeline).__name__}, not a timeline.")
    rows, seen = [], set()
    for track in timeline.video_tracks():
        if (track.metadata.get(METADATA_KEY, {}) or {}).get("not_in_the_edit"):
            continue  # our export's list of the shots the edit does not place
        for clip in track.find_clips():
            code = code_of(clip.name)
            if not code:
                raise TimelineError(
                    f"A clip on track {track.name or '1'} has no name to make a shot code from."
                )
            if code in seen:
                continue  # the same shot cut in twice keeps its first placement
            seen.add(code)
            source = clip.source_range or clip.available_range()
            record = clip.range_in_parent()
            rate = source.duration.rate
            start = round(source.start_time.to_frames(rate))
            count = round(source.duration.to_frames(rate))
            record_start = round(record.start_time.to_frames(rate))
            ref = clip.media_reference
            reel = (clip.metadata.get("cmx_3600", {}) or {}).get("reel") or ""
            if not reel and isinstance(ref, otio.schema.ExternalReference):
                reel = ref.target_url or ""
            reel = reel or (ref.name if ref is not None and ref.name else "")
            sequence = (clip.metadata.get(METADATA_KEY, {}) or {}).get("sequence") or ""
            rows.append(
                ClipRow(
                    code,
                    sequence,
                    start,
                    start + count - 1,
                    count,
                    record_start,
                    record_start + count - 1,
                    str(reel)[:255],
                    float(rate),
                )
            )
    if not rows:
        raise TimelineError(f"{name!r} has no clips on a video track.")
    return rows


def export(name: str, shots: list[dict], rate: float = 24.0) -> str:
    """An OTIO timeline (JSON) of shots, in record order, each clip carrying under the metadata key
    "rightsledger" what was decided: {"code", "frame_in", "frame_out", "record_in", "reel",
    "rightsledger": {...}} per shot."""
    timeline = otio.schema.Timeline(name=name)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    # Shots the edit does not place (no record range) go on a track of their own, marked so that
    # importing the export back leaves them alone.
    unplaced = otio.schema.Track(
        name="Rightsledger: not in the edit",
        kind=otio.schema.TrackKind.Video,
        metadata={METADATA_KEY: {"not_in_the_edit": True}},
    )
    for shot in sorted((s for s in shots if s["record_in"] is None), key=lambda s: s["code"]):
        unplaced.append(
            otio.schema.Clip(
                name=shot["code"],
                source_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(1, rate)
                ),
                metadata={METADATA_KEY: shot[METADATA_KEY]},
            )
        )
    if len(unplaced):
        timeline.tracks.append(unplaced)
    position = 0
    for shot in sorted(
        (s for s in shots if s["record_in"] is not None), key=lambda s: (s["record_in"], s["code"])
    ):
        count = shot["frame_count"] or (
            (shot["frame_out"] - shot["frame_in"] + 1)
            if shot["frame_in"] is not None and shot["frame_out"] is not None
            else 1
        )
        if shot["record_in"] > position:
            track.append(
                otio.schema.Gap(
                    source_range=otio.opentime.TimeRange(
                        otio.opentime.RationalTime(0, rate),
                        otio.opentime.RationalTime(shot["record_in"] - position, rate),
                    )
                )
            )
            position = shot["record_in"]
        start = shot["frame_in"] if shot["frame_in"] is not None else 0
        clip = otio.schema.Clip(
            name=shot["code"],
            source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(count, rate)
            ),
            media_reference=otio.schema.ExternalReference(target_url=shot["reel"])
            if shot.get("reel")
            else otio.schema.MissingReference(),
            metadata={METADATA_KEY: shot[METADATA_KEY]},
        )
        track.append(clip)
        position += count
    return otio.adapters.write_to_string(timeline, "otio_json")
