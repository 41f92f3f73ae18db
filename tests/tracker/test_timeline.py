"""Editorial timelines through OpenTimelineIO: shots from an .otio, a CMX 3600 EDL and an FCP XML,
a dry run, a second import that changes nothing, clear errors that write nothing, and an export
whose clips say what was decided."""

import json
import re

import opentimelineio as otio
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from generation.models import GenerationRequest
from rightsledger import services, vocab
from rightsledger.models import LedgerEntry, Shot
from tracker import timeline as tl

from .. import factories as f

RATE = 24

EDL = """TITLE: EP102 rooftop
FCM: NON-DROP FRAME

001  RT_A001  V     C        01:00:00:00 01:00:02:00 00:00:00:00 00:00:02:00
* FROM CLIP NAME: EP102_SH0010

002  RT_A002  V     C        02:00:10:00 02:00:13:12 00:00:02:00 00:00:05:12
* FROM CLIP NAME: EP102_SH0020

003  BG_B007  V     C        03:00:00:00 03:00:01:00 00:00:05:12 00:00:06:12
* FROM CLIP NAME: EP102_SH0030
"""


def rt(frames):
    return otio.opentime.RationalTime(frames, RATE)


def timeline(
    shots=(("EP102_SH0010", 1001, 48), ("EP102_SH0020", 1001, 72), ("EP102_SH0030", 1009, 24)),
) -> otio.schema.Timeline:
    tlm = otio.schema.Timeline(name="EP102 cut v3")
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    tlm.tracks.append(track)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    audio.append(otio.schema.Clip(name="dialogue", source_range=otio.opentime.TimeRange(rt(0), rt(100))))
    tlm.tracks.append(audio)
    for code, start, count in shots:
        track.append(
            otio.schema.Clip(
                name=code,
                source_range=otio.opentime.TimeRange(rt(start), rt(count)),
                media_reference=otio.schema.ExternalReference(
                    target_url=f"file:///plates/{code}_plate_v001.exr",
                    available_range=otio.opentime.TimeRange(rt(1000), rt(500)),
                ),
            )
        )
    return tlm


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def imported(path, production, *extra, capsys) -> dict:
    call_command("shots", "import", production.code, str(path), *extra)
    return json.loads(capsys.readouterr().out)


def test_an_otio_timeline_makes_a_shot_per_clip_once(world, tmp_path, capsys):
    path = write(tmp_path, "cut.otio", otio.adapters.write_to_string(timeline(), "otio_json"))
    entries = LedgerEntry.objects.count()
    dry = imported(path, world.prod_a, "--dry-run", capsys=capsys)
    assert (
        dry["dry_run"]
        and dry["created"] == ["EP102_SH0010", "EP102_SH0020", "EP102_SH0030"]
        and dry["clips"] == 3
    )
    assert (
        not Shot.objects.filter(production=world.prod_a).exists() and LedgerEntry.objects.count() == entries
    )
    done = imported(path, world.prod_a, capsys=capsys)
    assert done["created"] == dry["created"]
    second = Shot.objects.get(production=world.prod_a, code="EP102_SH0020")
    assert (second.frame_in, second.frame_out, second.frame_count, second.record_in, second.record_out) == (
        1001,
        1072,
        72,
        48,
        119,
    )
    assert second.reel == "file:///plates/EP102_SH0020_plate_v001.exr"
    entries = LedgerEntry.objects.count()
    again = imported(path, world.prod_a, capsys=capsys)
    assert (
        again["created"] == []
        and again["updated"] == {}
        and again["unchanged"] == 3
        and LedgerEntry.objects.count() == entries
    )
    changed = write(
        tmp_path,
        "cut_v4.otio",
        otio.adapters.write_to_string(
            timeline((("EP102_SH0010", 1001, 48), ("EP102_SH0020", 1005, 60), ("EP102_SH0030", 1009, 24))),
            "otio_json",
        ),
    )
    update = imported(changed, world.prod_a, capsys=capsys)
    # The shorter shot moves the one after it up the timeline.
    assert update["updated"] == {
        "EP102_SH0020": {
            "frame_in": [1001, 1005],
            "frame_out": [1072, 1064],
            "frame_count": [72, 60],
            "record_out": [119, 107],
        },
        "EP102_SH0030": {"record_in": [120, 108], "record_out": [143, 131]},
    }
    assert Shot.objects.get(pk=second.pk).frame_in == 1005


def test_a_cmx_3600_edl_and_an_fcp_xml(world, tmp_path, capsys):
    done = imported(write(tmp_path, "rooftop.edl", EDL), world.prod_a, capsys=capsys)
    assert done["created"] == ["EP102_SH0010", "EP102_SH0020", "EP102_SH0030"]
    shot = Shot.objects.get(production=world.prod_a, code="EP102_SH0020")
    # Source 02:00:10:00 at 24 fps is frame 173,040; 3 s 12 frames long; recorded from 00:00:02:00.
    assert (shot.frame_in, shot.frame_count, shot.record_in, shot.reel) == (173040, 84, 48, "RT_A002")
    xml = otio.adapters.write_to_string(
        timeline((("SR_010_0010", 100, 30), ("SR_010_0020", 200, 40))), "fcp_xml"
    )
    salt = imported(write(tmp_path, "salt.xml", xml), world.prod_b, capsys=capsys)
    assert salt["created"] == ["SR_010_0010", "SR_010_0020"]
    assert Shot.objects.get(production=world.prod_b, code="SR_010_0020").frame_count == 40


@pytest.mark.parametrize(
    "name,text,says",
    [
        ("cut.otio", '{"OTIO_SCHEMA": "Timeline.1", "tracks": ', "could not be read as otio_json"),
        (
            "cut.otio",
            '{"OTIO_SCHEMA": "SerializableCollection.1", "name": "x", "children": []}',
            "holds no timeline",
        ),
        ("cut.edl", "TITLE: x\n\n001  AX V C 01:00:00:00\n", "could not be read as cmx_3600"),
        ("cut.xml", "<xmeml><sequence>", "could not be read as fcp_xml"),
        ("cut.mov", "ftyp", "is not a timeline this service reads"),
        (
            "empty.otio",
            otio.adapters.write_to_string(otio.schema.Timeline(name="empty"), "otio_json"),
            "has no clips on a video track",
        ),
    ],
)
def test_a_malformed_timeline_is_refused_clearly_and_writes_nothing(world, tmp_path, name, text, says):
    entries = LedgerEntry.objects.count()
    with pytest.raises(CommandError, match=says):
        call_command("shots", "import", world.prod_a.code, str(write(tmp_path, name, text)))
    assert (
        not Shot.objects.filter(production=world.prod_a).exists() and LedgerEntry.objects.count() == entries
    )
    with pytest.raises(tl.TimelineError):
        tl.read(b"\xff\xfe\x00binary", "cut.otio")


def test_the_portal_imports_with_a_dry_run_first(world, tmp_path):
    text = otio.adapters.write_to_string(timeline(), "otio_json")
    client = Client()
    client.force_login(world.producer_a)
    assert client.get(f"/productions/{world.prod_a.pk}/timeline/").status_code == 403
    client.force_login(world.clearance)
    page = client.post(
        f"/productions/{world.prod_a.pk}/timeline/",
        {"file": SimpleUploadedFile("cut.otio", text.encode()), "dry_run": "on"},
    )
    assert (
        page.status_code == 200
        and "What importing cut.otio would do" in page.content.decode()
        and "EP102_SH0020" in page.content.decode()
    )
    assert not Shot.objects.filter(production=world.prod_a).exists()
    page = client.post(
        f"/productions/{world.prod_a.pk}/timeline/", {"file": SimpleUploadedFile("cut.otio", text.encode())}
    )
    assert (
        page.status_code == 200
        and "cut.otio imported" in page.content.decode()
        and Shot.objects.filter(production=world.prod_a).count() == 3
    )
    bad = client.post(
        f"/productions/{world.prod_a.pk}/timeline/", {"file": SimpleUploadedFile("cut.edl", b"nonsense")}
    )
    assert (
        bad.status_code == 400
        and "could not be read as cmx_3600" in bad.content.decode()
        and "Nothing was written" in bad.content.decode()
    )
    other = client.post(
        f"/productions/{world.prod_b.pk}/timeline/", {"file": SimpleUploadedFile("cut.otio", text.encode())}
    )
    assert other.status_code == 404


def test_the_export_carries_each_shots_decision_and_credentials(
    world, tmp_path, capsys, api, django_capture_on_commit_callbacks
):
    from ..generation.conftest import Gate

    gate = Gate(world)  # shot EP102_SH0040, a plate under a grant
    imported(
        write(tmp_path, "cut.otio", otio.adapters.write_to_string(timeline(), "otio_json")),
        world.prod_a,
        capsys=capsys,
    )
    rid = api(world.producer_a).post("/api/generation/requests/", gate.body(), format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api(world.producer_a).post(f"/api/generation/requests/{rid}/queue/")
    req = GenerationRequest.objects.get(pk=rid)
    client = Client()
    client.force_login(world.producer_a)
    response = client.get(f"/productions/{world.prod_a.pk}/timeline.otio")
    assert (
        response.status_code == 200
        and response["Content-Disposition"] == f'attachment; filename="{world.prod_a.code}.otio"'
    )
    exported = otio.adapters.read_from_string(response.content.decode(), "otio_json")
    clips = {c.name: c.metadata["rightsledger"] for c in exported.find_clips()}
    assert set(clips) == {"EP102_SH0010", "EP102_SH0020", "EP102_SH0030", "EP102_SH0040"}
    ours = clips["EP102_SH0040"]
    run = req.decisions.filter(kind="run_check").get()
    assert ours["decision"] == {
        "id": run.pk,
        "kind": "run_check",
        "outcome": "approved",
        "ledger_seq": run.ledger_seq,
    }
    assert (
        ours["content_credentials"]["state"] == "trusted"
        and ours["cleared"] is True
        and ours["status"] == "succeeded"
    )
    assert clips["EP102_SH0010"]["status"] == "no_request" and clips["EP102_SH0010"]["cleared"] is False
    # What the edit sent comes back where it was: importing the export changes nothing.
    again = imported(write(tmp_path, "back.otio", response.content.decode()), world.prod_a, capsys=capsys)
    assert again["created"] == [] and again["updated"] == {}
    client.force_login(world.producer_b)
    assert client.get(f"/productions/{world.prod_a.pk}/timeline.otio").status_code == 404


def test_timecode_is_opentimelineios_own_at_the_timelines_rate():
    assert tl.timecode(86400, 24) == "01:00:00:00"
    assert tl.timecode(1001, 24) == otio.opentime.to_timecode(rt(1001), RATE) == "00:00:41:17"
    assert tl.timecode(1800, 29.97) == "00:01:00;02"  # drop frame, as OpenTimelineIO counts it


def test_the_dry_run_shows_timecode_and_imports_its_file_with_one_click(world):
    text = otio.adapters.write_to_string(timeline(), "otio_json")
    client = Client()
    client.force_login(world.clearance)
    url = f"/productions/{world.prod_a.pk}/timeline/"
    form = client.get(url).content.decode()
    assert 'type="checkbox"' not in form and "Show what would change" in form
    page = client.post(url, {"file": SimpleUploadedFile("cut.otio", text.encode()), "dry_run": "on"})
    html = page.content.decode()
    assert page.status_code == 200 and not Shot.objects.filter(production=world.prod_a).exists()
    # EP102_SH0010's source starts at frame 1001: 41 seconds and 17 frames at 24 fps.
    assert "1001 (00:00:41:17)" in html and "Import these changes" in html
    kept = re.search(r'name="kept" value="([^"]+)"', html).group(1)
    # Another clearance user cannot import what this one checked.
    other = f.UserFactory(username="clearance_2")
    services.role_grant(actor=None, user=other, kind=vocab.ROLE_CLEARANCE, production=world.prod_a)
    client.force_login(other)
    refused = client.post(url, {"kept": kept})
    assert refused.status_code == 400 and "choose the timeline file again" in refused.content.decode()
    assert not Shot.objects.filter(production=world.prod_a).exists()
    client.force_login(world.clearance)
    done = client.post(url, {"kept": kept})
    assert done.status_code == 200 and "cut.otio imported" in done.content.decode()
    assert sorted(Shot.objects.filter(production=world.prod_a).values_list("code", flat=True)) == [
        "EP102_SH0010",
        "EP102_SH0020",
        "EP102_SH0030",
    ]
    assert Shot.objects.get(production=world.prod_a, code="EP102_SH0010").frame_in == 1001
    # The button imports once: a second click finds the file let go, and writes nothing more.
    entries = LedgerEntry.objects.count()
    again = client.post(url, {"kept": kept})
    assert again.status_code == 400 and LedgerEntry.objects.count() == entries


def test_a_changed_shot_shows_its_frames_before_and_after_with_timecode(world):
    client = Client()
    client.force_login(world.clearance)
    url = f"/productions/{world.prod_a.pk}/timeline/"
    first = otio.adapters.write_to_string(timeline(), "otio_json").encode()
    client.post(url, {"file": SimpleUploadedFile("cut.otio", first)})  # imported at once
    recut = timeline(
        shots=(("EP102_SH0010", 1001, 96), ("EP102_SH0020", 1001, 72), ("EP102_SH0030", 1009, 24))
    )
    html = client.post(
        url,
        {
            "file": SimpleUploadedFile(
                "cut.otio", otio.adapters.write_to_string(recut, "otio_json").encode()
            ),
            "dry_run": "on",
        },
    ).content.decode()
    assert "Source out: 1048 (00:00:43:16) → 1096 (00:00:45:16)" in html
    assert "Length: 48 (00:00:02:00) → 96 (00:00:04:00)" in html
