"""The likeness check on faces: performers' face references from their likeness references, the
hold (R6) of an output that shows a performer no consent covers, and erasure of the descriptors.

The faces are real portraits that ship in packages, both public-domain photographs: scikit-image's
astronaut (Eileen Collins) and matplotlib's Grace Hopper. They reach the outputs through the
engines: the crowd fill composites a cut-out whose face is too small for any detector (so the gate
sees no face in it) and enlarges it to a face 180 px across; an external model server (HTTP, as a
studio's would be) returns a clip in which the face appears after two seconds."""

import base64
import http.server
import io
import json
import threading

import numpy as np
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from PIL import Image

from generation.models import GenerationRequest
from provenance import face_match, faces
from provenance.models import AssetFace, FaceReference, FaceScan, FaceSighting
from rightsledger import services as rs
from rightsledger.models import LedgerEntry

from .. import factories as f
from .. import images

# Where the crowd fill stands its one figure: at the bottom of the frame, 95% of its height.
ONE_FIGURE = {"count": 1, "near_scale": 0.95, "far_scale": 0.95, "horizon": 0.9, "colour_match": 0.0}


@pytest.fixture(scope="module")
def portraits() -> dict[str, Image.Image]:
    from matplotlib import cbook
    from skimage import data

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as hopper:
        return {"collins": Image.fromarray(data.astronaut()), "hopper": hopper.convert("RGB")}


@pytest.fixture(scope="module")
def boxes(portraits) -> dict[str, face_match.Box]:
    return {
        name: faces.detect_faces(img, config=faces.FaceSettings()).faces[0].box
        for name, img in portraits.items()
    }


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def cutout(img: Image.Image, box: face_match.Box, face_px: int) -> bytes:
    """A crowd element: the head and shoulders around the face, scaled so the face is face_px wide,
    as an RGBA PNG."""
    pad = int(box.width * 0.6)
    crop = img.crop((box.left - pad, box.top - pad, box.right + pad, box.bottom + 2 * pad))
    k = face_px / box.width
    crop = crop.resize((int(crop.width * k), int(crop.height * k)), Image.Resampling.LANCZOS)
    return png(crop.convert("RGBA"))


def still_plate() -> bytes:
    return png(Image.new("RGB", (768, 512), (90, 110, 130)))


class Studio:
    """Production A with a performer (Eileen Collins's portrait as her likeness reference), a plate
    and crowd elements under a grant, and a shot."""

    def __init__(self, world, portraits, boxes, capture):
        self.world = world
        self.capture = capture
        with capture(execute=True):  # the faces are found once the registration has committed
            self._register(portraits, boxes)

    def _register(self, portraits, boxes):
        world = self.world
        self.shot = f.make_shot(world.prod_a, "EP102_SH0050")
        self.talent = f.make_talent("Eileen Collins", guild=world.guild, member_id="SAG-9")
        self.reference = f.make_asset(
            world.prod_a,
            kind="likeness_reference",
            talent=self.talent,
            data=png(portraits["collins"]),
            seed=501,
        )
        self.plate = f.make_asset(world.prod_a, data=still_plate(), seed=502, owner=world.party)
        self.collins = f.make_asset(
            world.prod_a,
            kind="crowd_element",
            data=cutout(portraits["collins"], boxes["collins"], 36),
            seed=503,
        )
        self.hopper = f.make_asset(
            world.prod_a,
            kind="crowd_element",
            data=cutout(portraits["hopper"], boxes["hopper"], 36),
            seed=504,
        )
        f.make_grant(
            world.prod_a,
            world.party,
            [self.plate, self.collins, self.hopper],
            uses=["genai_input"],
            media=["theatrical"],
            territories=["WORLD"],
        )

    def body(self, element=None, **overrides) -> dict:
        data = {
            "shot": self.shot.pk,
            "engine": "crowd_fill",
            "prompt": "a crowd on the quay",
            "parameters": ONE_FIGURE,
            "seed": 3,
            "intended_use": "crowd_fill",
            "media": ["theatrical"],
            "territories": ["US"],
            "release_start": "2026-06-01",
            "release_end": "2026-12-31",
            "inputs": [
                {"asset": self.plate.pk, "role": "plate"},
                {"asset": (element or self.collins).pk, "role": "element"},
            ],
        }
        data.update(overrides)
        return data

    def run(self, api, capture, body) -> GenerationRequest:
        producer = api(self.world.producer_a)
        response = producer.post("/api/generation/requests/", body, format="json")
        assert response.status_code == 201, response.content
        rid = response.json()["id"]
        with capture(execute=True):
            producer.post(f"/api/generation/requests/{rid}/queue/")
        return GenerationRequest.objects.get(pk=rid)

    def consent(self):
        """Record the performer's consent to crowd fills of their likeness, and grant the
        reference's use as an input; return the consent."""
        world = self.world
        consent = f.make_consent(world.prod_a, self.talent, permitted_uses=["likeness", "crowd_fill"])
        f.make_grant(
            world.prod_a,
            world.party,
            [self.reference],
            uses=["genai_input"],
            media=["theatrical"],
            territories=["WORLD"],
        )
        return consent

    def run_consented(self, api, capture, **overrides) -> GenerationRequest:
        """Run a crowd fill with the performer's reference as a likeness input, signed off by
        clearance; assert it succeeded."""
        body = self.body(**overrides)
        body["inputs"].append({"asset": self.reference.pk, "role": "likeness", "modality": "face"})
        producer = api(self.world.producer_a)
        rid = producer.post("/api/generation/requests/", body, format="json").json()["id"]
        signed = api(self.world.clearance).post(
            f"/api/generation/requests/{rid}/sign-off/",
            {"approve": True, "comment": "Consented."},
            format="json",
        )
        assert signed.status_code == 200, signed.content
        with capture(execute=True):
            producer.post(f"/api/generation/requests/{rid}/queue/")
        req = GenerationRequest.objects.get(pk=rid)
        assert req.status == "succeeded", req.failure
        return req


@pytest.fixture
def studio(world, portraits, boxes, django_capture_on_commit_callbacks):
    return Studio(world, portraits, boxes, django_capture_on_commit_callbacks)


def test_a_likeness_reference_gives_its_performer_a_face_that_no_api_or_ledger_entry_holds(
    studio, world, api
):
    ref = FaceReference.objects.get(talent=studio.talent)
    assert ref.asset == studio.reference and len(bytes(ref.descriptor)) == 512
    assert (ref.left, ref.top, ref.right, ref.bottom) == (179, 83, 267, 171)  # her face, not the patch
    scan = FaceScan.objects.get(asset=studio.reference)
    assert scan.usable and "The performer's face was found" in scan.message
    # The elements' faces are too small for the detector: the gate sees none in them.
    assert FaceScan.objects.get(asset=studio.collins).faces == 0
    assert not AssetFace.objects.filter(asset=studio.collins).exists()
    # Biometric data: never in a ledger entry (only the asset's hash), never in an API answer,
    # never in the admin.
    descriptor = bytes(ref.descriptor)
    bodies = b"".join(bytes(body) for body in LedgerEntry.objects.values_list("body", flat=True))
    assert bodies and b"descriptor" not in bodies and descriptor not in bodies
    assert base64.b64encode(descriptor[:24]) not in bodies
    assert studio.reference.sha256.encode() in bodies  # the asset, by its hash
    answer = api(world.clearance).get(f"/api/assets/{studio.reference.pk}/")
    assert answer.status_code == 200 and "descriptor" not in answer.content.decode()
    assert "face" not in json.dumps(answer.json()).lower()
    for model in (FaceReference, AssetFace):
        assert "descriptor" in admin.site._registry[model].exclude
    root = Client()
    root.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    page = root.get(f"/admin/provenance/facereference/{ref.pk}/change/")
    assert page.status_code == 200 and "descriptor" not in page.content.decode().lower()


def test_a_reference_photo_with_no_face_or_several_says_what_to_register(
    world, portraits, django_capture_on_commit_callbacks
):
    talent = f.make_talent("Ana Ruiz", guild=world.guild, member_id="SAG-77")
    pair = Image.new("RGB", (1024, 600), (200, 200, 200))
    pair.paste(portraits["collins"], (0, 0))
    pair.paste(portraits["hopper"], (512, 0))
    with django_capture_on_commit_callbacks(execute=True):
        blank = f.make_asset(world.prod_a, kind="likeness_reference", talent=talent, seed=601)
        both = f.make_asset(world.prod_a, kind="likeness_reference", talent=talent, data=png(pair), seed=602)
    none, several = FaceScan.objects.get(asset=blank), FaceScan.objects.get(asset=both)
    assert not none.usable and none.message.startswith("No face was found in this photo")
    assert not several.usable and several.message.startswith("The photo shows 2 faces")
    assert "register a photo of the performer alone" in several.message
    client = Client()
    client.force_login(world.clearance)
    page = client.get(f"/assets/{both.pk}/").content.decode()
    assert "Needs a new photo" in page and "register a photo of the performer alone" in page
    assert not FaceReference.objects.filter(talent=talent).exists()


def test_an_output_showing_a_performer_no_consent_covers_is_held_naming_them(
    studio, world, api, django_capture_on_commit_callbacks
):
    req = studio.run(api, django_capture_on_commit_callbacks, studio.body())
    assert req.decisions.get(kind="gate").outcome == "approved"  # the gate saw no face in the inputs
    assert req.status == "held", req.failure
    held = req.decisions.get(kind="likeness_check")
    [reason] = held.reasons
    assert reason["rule"] == "R6" and reason["subject"] == f"talent {studio.talent.pk}"
    assert reason["message"].startswith(
        "Eileen Collins's face appears in the output: its distance to Eileen Collins's reference photo is"
    )
    distance = float(reason["message"].split("reference photo is ")[1][:4])
    assert distance < 0.45, reason["message"]
    assert "0.60 or less is the same person" in reason["message"]
    [seen] = FaceSighting.objects.filter(asset=req.output.asset)
    assert seen.talent == studio.talent and seen.distance == pytest.approx(distance, abs=0.006)
    assert seen.size > 150 and seen.seconds is None and seen.frame_index == 0
    assert 20 < seen.lab_l < 95 and seen.lab_a is not None and seen.lab_b is not None  # for continuity
    assert api(world.producer_a).get(f"/api/assets/{req.output.asset_id}/content/").status_code == 403
    # The portal's page of the request says whose face was found, where, and how near.
    client = Client()
    client.force_login(world.producer_a)
    page = client.get(f"/requests/{req.pk}/").content.decode()
    assert "Faces found in the output" in page and "<strong>Eileen Collins</strong>" in page
    assert f"At a distance of {seen.distance:.2f} from their reference photo (0.60 or less" in page


def test_an_output_showing_another_person_is_not_held(studio, api, django_capture_on_commit_callbacks):
    req = studio.run(api, django_capture_on_commit_callbacks, studio.body(element=studio.hopper))
    assert req.status == "succeeded", req.failure
    assert not req.decisions.filter(kind="likeness_check").exists()
    [seen] = FaceSighting.objects.filter(asset=req.output.asset)
    assert seen.talent is None and seen.distance > 0.6  # Grace Hopper, compared with Eileen Collins


def test_an_output_showing_a_performer_whom_the_request_consented_is_not_held(
    studio, world, api, django_capture_on_commit_callbacks
):
    """A performer the request's consents cover (a likeness input) does not hold the output."""
    studio.consent()
    req = studio.run_consented(api, django_capture_on_commit_callbacks)
    assert FaceSighting.objects.get(asset=req.output.asset).talent == studio.talent


def test_a_face_too_small_to_compare_is_skipped_and_said_so(
    studio, api, settings, django_capture_on_commit_callbacks
):
    settings.FACE_MIN_SIZE = 240  # the composited face is about 180 px across
    req = studio.run(api, django_capture_on_commit_callbacks, studio.body())
    assert req.status == "succeeded", req.failure
    [seen] = FaceSighting.objects.filter(asset=req.output.asset)
    assert seen.talent is None and seen.distance is None
    assert seen.skipped.startswith(f"A face {seen.size} px across was found but not compared")
    assert "faces under 240 px" in seen.skipped
    client = Client()
    client.force_login(studio.world.producer_a)
    page = client.get(f"/requests/{req.pk}/").content.decode()
    assert "Not compared" in page and "faces under 240 px (FACE_MIN_SIZE)" in page


def faced_clip(face: Image.Image, *, seconds: float = 4.5, fps: int = 4, after: float = 2.0) -> bytes:
    """An MP4 of a quay at dusk (a gradient) in which the face appears `after` seconds in."""
    import av

    base = np.asarray(images.picture(778).resize((768, 512)))
    later = Image.fromarray(base.copy())
    later.paste(face.resize((300, 300)), (234, 106))
    later = np.asarray(later)
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 768, 512, "yuv420p"
        for i in range(int(seconds * fps)):
            frame = later if i / fps >= after else base
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


class ModelServer:
    """An external model server (the HTTP engine contract) that answers with a given clip."""

    def __init__(self, answer: bytes):
        def handler(*args, **kwargs):
            return _Answer(answer, *args, **kwargs)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/"


class _Answer(http.server.BaseHTTPRequestHandler):
    def __init__(self, clip, *args, **kwargs):
        self.clip = clip
        super().__init__(*args, **kwargs)

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"media_type": "video/mp4", "data": base64.b64encode(self.clip).decode()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_clip_whose_performer_appears_only_after_two_seconds_is_held_at_that_time(
    studio, world, api, settings, portraits, boxes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plate = f.make_asset(
            world.prod_a, kind="plate", fmt="mp4", data=images.clip(21, size=(768, 512)), seed=9
        )
    f.make_grant(
        world.prod_a, world.party, [plate], uses=["genai_input"], media=["theatrical"], territories=["WORLD"]
    )
    box = boxes["collins"]
    face = portraits["collins"].crop((box.left - 60, box.top - 60, box.right + 60, box.bottom + 60))
    server = ModelServer(faced_clip(face))
    try:
        settings.GENERATION_HTTP_ENGINES = {"dream": {"url": server.url, "uses": ["atmosphere"]}}
        body = studio.body(
            engine="dream",
            parameters={},
            intended_use="atmosphere",
            inputs=[{"asset": plate.pk, "role": "plate"}],
        )
        req = studio.run(api, django_capture_on_commit_callbacks, body)
    finally:
        server.server.shutdown()
    assert req.status == "held", req.failure
    [reason] = req.decisions.get(kind="likeness_check").reasons
    assert (
        "Eileen Collins's face appears in the output 2 seconds into the clip (keyframe 3)"
        in reason["message"]
    )
    sightings = FaceSighting.objects.filter(asset=req.output.asset).order_by("frame_index")
    assert [s.seconds for s in sightings if s.talent_id == studio.talent.pk] == [2.0, 3.0, 4.0]
    assert not sightings.filter(seconds__lt=2).exists()


def test_erasure_removes_the_descriptors_and_the_performer_is_no_longer_recognised(
    studio, world, api, portraits, boxes, django_capture_on_commit_callbacks
):
    first = studio.run(api, django_capture_on_commit_callbacks, studio.body())
    assert first.status == "held"
    assert FaceReference.objects.filter(talent=studio.talent).exists()
    box = boxes["collins"]
    face = portraits["collins"].crop((box.left - 60, box.top - 60, box.right + 60, box.bottom + 60))
    with django_capture_on_commit_callbacks(execute=True):
        plate = f.make_asset(world.prod_a, data=plate_showing(face), seed=703, owner=world.party)
        stranger = f.make_asset(world.prod_a, data=plate_showing(portraits["hopper"]), seed=704)
    assert AssetFace.objects.filter(asset__in=[plate, stranger]).count() == 2
    rs.talent_erase(actor=world.admin, talent=studio.talent, basis="performer_request")
    assert not FaceReference.objects.filter(talent=studio.talent).exists()
    # Her face in the plate went with her reference; the stranger's stays.
    assert list(AssetFace.objects.filter(asset__in=[plate, stranger]).values_list("asset", flat=True)) == [
        stranger.pk
    ]
    assert not FaceScan.objects.get(asset=studio.reference).usable
    # The hold's reason no longer names her.
    [reason] = first.decisions.get(kind="likeness_check").reasons
    assert "Collins" not in reason["message"] and f"talent {studio.talent.pk}" in reason["message"]
    second = studio.run(api, django_capture_on_commit_callbacks, studio.body(seed=4))
    assert second.status == "succeeded", second.failure
    assert FaceSighting.objects.get(asset=second.output.asset).talent is None


def test_the_policy_names_the_first_keyframe_and_counts_the_others():
    from generation import policy as p

    run = p.Outcome(p.APPROVED, (), 10)
    seen = [p.FaceSeenFact(7, 4, 4.0, 0.31), p.FaceSeenFact(7, 2, 2.0, 0.35), p.FaceSeenFact(7, 3, 3.0, 0.30)]
    hold = p.likeness_hold(run, seen, {7: "Mara Vega"}, 11, threshold=0.6)
    [reason] = hold.reasons
    assert reason.message.startswith(
        "Mara Vega's face appears in the output 2 seconds into the clip (keyframe 3), and in 2 more "
        "keyframes: its distance to Mara Vega's reference photo is 0.35"
    )
    covered = p.Outcome(p.APPROVED, (p.Reason("R2", p.PASS, "talent 7", "consented", talent_id=7),), 10)
    assert p.likeness_hold(covered, seen, {7: "Mara Vega"}, 11, threshold=0.6) is None


# --- Faces in inputs (R2) -------------------------------------------------------------------------


def plate_showing(face: Image.Image) -> bytes:
    """A 768 x 512 plate of the quay with a portrait standing in it."""
    plate = images.picture(778).resize((768, 512))
    plate.paste(face.resize((300, 300)), (234, 106))
    return png(plate)


def test_a_plate_showing_a_performer_needs_their_consent_naming_the_frame(
    studio, world, api, portraits, boxes, django_capture_on_commit_callbacks
):
    box = boxes["collins"]
    face = portraits["collins"].crop((box.left - 60, box.top - 60, box.right + 60, box.bottom + 60))
    with django_capture_on_commit_callbacks(execute=True):
        plate = f.make_asset(world.prod_a, data=plate_showing(face), seed=700, owner=world.party)
        clip = f.make_asset(world.prod_a, kind="plate", fmt="mp4", data=faced_clip(face), seed=701)
    assert AssetFace.objects.filter(asset=plate).count() == 1
    assert list(AssetFace.objects.filter(asset=clip).values_list("seconds", flat=True)) == [2.0, 3.0, 4.0]
    f.make_grant(
        world.prod_a,
        world.party,
        [plate, clip],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
    )
    producer = api(world.producer_a)
    body = studio.body(engine="atmosphere", intended_use="atmosphere", parameters={"fog_density": 0.2})
    body["inputs"] = [{"asset": plate.pk, "role": "plate"}]
    refused = producer.post("/api/generation/requests/", body, format="json").json()
    assert refused["status"] == "refused", refused
    [r2] = [r for r in refused["decision"]["reasons"] if r["rule"] == "R2"]
    assert r2["subject"] == f"talent {studio.talent.pk}" and r2["outcome"] == "refused"
    assert r2["message"].startswith("Eileen Collins (face in input 1, at distance 0.")
    assert "has no consent on record for this production" in r2["message"]
    body["inputs"] = [{"asset": clip.pk, "role": "plate"}]
    in_clip = producer.post("/api/generation/requests/", body, format="json").json()
    [r2] = [r for r in in_clip["decision"]["reasons"] if r["rule"] == "R2"]
    assert r2["message"].startswith("Eileen Collins (face in input 1, 2 seconds in, at distance 0.")
    # Her reference photo used as a plate shows her too.
    body["inputs"] = [{"asset": studio.reference.pk, "role": "plate"}]
    as_plate = producer.post("/api/generation/requests/", body, format="json").json()
    [r2] = [r for r in as_plate["decision"]["reasons"] if r["rule"] == "R2"]
    assert r2["message"].startswith("Eileen Collins (face in input 1, at distance 0.00")
    # With her consent to the use, the plate needs a clearance sign-off, as a likeness input does.
    f.make_consent(world.prod_a, studio.talent, permitted_uses=["likeness", "atmosphere"])
    body["inputs"] = [{"asset": plate.pk, "role": "plate"}]
    consented = producer.post("/api/generation/requests/", body, format="json").json()
    assert consented["status"] == "needs_clearance", consented
    outcomes = {(r["rule"], r["outcome"]) for r in consented["decision"]["reasons"]}
    assert ("R2", "pass") in outcomes and ("R4", "needs_clearance") in outcomes


def test_a_plate_showing_someone_unregistered_is_noted_not_refused(
    studio, world, api, portraits, boxes, django_capture_on_commit_callbacks
):
    box = boxes["hopper"]
    face = portraits["hopper"].crop((box.left - 40, box.top - 40, box.right + 40, box.bottom + 40))
    with django_capture_on_commit_callbacks(execute=True):
        plate = f.make_asset(world.prod_a, data=plate_showing(face), seed=702, owner=world.party)
    f.make_grant(
        world.prod_a, world.party, [plate], uses=["genai_input"], media=["theatrical"], territories=["WORLD"]
    )
    body = studio.body(engine="atmosphere", intended_use="atmosphere", parameters={"fog_density": 0.2})
    body["inputs"] = [{"asset": plate.pk, "role": "plate"}]
    answer = api(world.producer_a).post("/api/generation/requests/", body, format="json").json()
    assert answer["status"] == "approved", answer
    [note] = [r for r in answer["decision"]["reasons"] if r["rule"] == "R2"]
    assert note["outcome"] == "pass" and note["subject"] == "input 1"
    assert note["message"] == "Input 1 shows 1 face that matches no registered performer: noted, not refused."


def test_the_gate_asks_consent_for_a_face_an_input_shows_and_notes_the_others():
    """The policy alone: input 1 shows the performer at 3 s (and a stranger); the performer named
    nowhere else needs a consent, which the snapshot lacks."""
    import datetime

    from generation import policy as p

    window = p.Window(datetime.date(2026, 6, 1), datetime.date(2026, 12, 31))
    plate = p.InputFact(
        1,
        "plate",
        10,
        faces=(
            p.InputFaceFact(3, 3.0, 0.31, 7),
            p.InputFaceFact(4, 4.0, 0.29, 7),
            p.InputFaceFact(0, 0.0, 0.74, None),
        ),
    )
    request = p.RequestFact(
        production_id=1,
        shot_code="SH010",
        engine=p.EngineFact("atmosphere", "1"),
        intended_use="atmosphere",
        media=frozenset({"theatrical"}),
        territories=p.Territories.of(["US"], []),
        languages=frozenset(),
        window=window,
        inputs=(plate,),
    )
    snapshot = p.Snapshot(
        as_of_seq=5, today=datetime.date(2026, 5, 1), talents={7: p.TalentFact(7, "Mara Vega")}
    )
    outcome = p.evaluate(request, snapshot)
    r2 = [r for r in outcome.reasons if r.rule == "R2"]
    assert [(r.subject, r.outcome) for r in r2] == [("talent 7", "refused"), ("input 1", "pass")]
    assert r2[0].message == (
        "Mara Vega (face in input 1, 3 seconds in, at distance 0.31 from their reference photo) has no "
        "consent on record for this production."
    )
    assert r2[1].message == (
        "Input 1 shows 1 face (at 0 seconds) that matches no registered performer: noted, not refused."
    )


def darker(cutout_png: bytes, factor: float) -> bytes:
    """The crowd element with its picture's exposure scaled (its alpha kept)."""
    with Image.open(io.BytesIO(cutout_png)) as img:
        rgba = np.asarray(img.convert("RGBA")).astype(np.float32)
    rgba[..., :3] *= factor
    return png(Image.fromarray(rgba.clip(0, 255).astype(np.uint8), "RGBA"))


def test_the_continuity_report_flags_the_take_whose_face_is_40_percent_darker(
    studio, world, api, django_capture_on_commit_callbacks
):
    """Five takes of a shot with the consented performer's face: four as shot, one whose face is
    40% darker. The report (API, the shot's page and the production's) flags that take alone,
    saying why, and changes no output."""
    studio.consent()
    dark = f.make_asset(
        world.prod_a,
        kind="crowd_element",
        data=darker(studio.collins.file.open("rb").read(), 0.6),
        seed=505,
    )
    f.make_grant(
        world.prod_a, world.party, [dark], uses=["genai_input"], media=["theatrical"], territories=["WORLD"]
    )
    producer = api(world.producer_a)
    elements = (studio.collins, studio.collins, dark, studio.collins, studio.collins)
    outputs = [
        studio.run_consented(api, django_capture_on_commit_callbacks, element=element, seed=seed).output
        for seed, element in enumerate(elements, start=3)
    ]

    answer = producer.get(f"/api/shots/{studio.shot.pk}/continuity/")
    assert answer.status_code == 200, answer.content
    [performer] = answer.json()["performers"]
    assert performer["name"] == "Eileen Collins" and performer["compared"] is True
    flagged = [a for a in performer["appearances"] if a["reasons"]]
    assert [a["output"] for a in flagged] == [outputs[2].pk]
    assert any("darker than this performer's median" in r for r in flagged[0]["reasons"])
    assert len(performer["appearances"]) == 5
    whole = producer.get(f"/api/productions/{world.prod_a.pk}/continuity/").json()
    assert [a["output"] for a in whole["performers"][0]["appearances"] if a["reasons"]] == [outputs[2].pk]
    assert api(world.producer_b).get(f"/api/shots/{studio.shot.pk}/continuity/").status_code == 404

    client = Client()
    client.force_login(world.producer_a)
    page = client.get(f"/shots/{studio.shot.pk}/audit/").content.decode()
    assert "Character continuity" in page and "<svg" in page and "Flagged" in page
    assert f"request {outputs[2].request_id} (Crowd fill)" in page
    assert f"/assets/{outputs[2].asset_id}/thumbnail.webp" in page
    production = client.get(f"/productions/{world.prod_a.pk}/continuity/").content.decode()
    assert f"request {outputs[2].request_id} (Crowd fill, EP102_SH0050)" in production


def test_the_guilds_view_shows_where_a_members_face_was_used_and_nothing_of_other_productions(
    studio, world, api, django_capture_on_commit_callbacks
):
    """The guild reads, for its member: the decisions that relied on their consent, and each output
    where their face was found with the consent that covered it or the hold; pictures only where the
    production allows them and never of a held output; a performer of another guild is not theirs."""
    held = studio.run(api, django_capture_on_commit_callbacks, studio.body())
    assert held.status == "held"
    consent = studio.consent()
    covered = studio.run_consented(api, django_capture_on_commit_callbacks, seed=4)
    # Another production's work, showing someone who is not the member: the guild learns nothing of it.
    other_shot = f.make_shot(world.prod_b, "SR101_SH0010")
    plate_b = f.make_asset(world.prod_b, data=still_plate(), seed=910, owner=world.party)
    with django_capture_on_commit_callbacks(execute=True):
        hopper_b = f.make_asset(
            world.prod_b, kind="crowd_element", data=studio.hopper.file.open("rb").read(), seed=911
        )
    f.make_grant(
        world.prod_b,
        world.party,
        [plate_b, hopper_b],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
    )
    other_body = studio.body(
        shot=other_shot.pk,
        inputs=[{"asset": plate_b.pk, "role": "plate"}, {"asset": hopper_b.pk, "role": "element"}],
    )
    other_id = api(world.producer_b).post("/api/generation/requests/", other_body, format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api(world.producer_b).post(f"/api/generation/requests/{other_id}/queue/")
    other_output = GenerationRequest.objects.get(pk=other_id).output
    assert FaceSighting.objects.get(asset=other_output.asset).talent is None  # Grace Hopper's face

    guild = Client()
    guild.force_login(world.guild_rep)
    members = guild.get("/guild/members/").content.decode()
    assert f"/guild/members/{studio.talent.pk}/" in members
    page = guild.get(f"/guild/members/{studio.talent.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Decisions that relied on their consent" in text
    assert text.count(f"{consent.display_name}, version 1</a>") == 3  # two decisions, one output
    assert "The Long Night" in text and "EP102_SH0050" not in text  # the production, none of its records
    assert "Held</span> No consent of the request covered Eileen Collins" in text
    assert text.count("The Long Night, made") == 2
    assert "Salt Road" not in text and "SR101_SH0010" not in text
    assert "Not shown" in text and "picture.webp" not in text
    face = FaceSighting.objects.get(asset=covered.output.asset).pk
    picture = f"/guild/members/{studio.talent.pk}/faces/{face}/picture.webp"
    assert guild.get(picture).status_code == 404

    # Clearance lets the guilds see the pictures: the covered output's shows, the held one's never.
    clearance = Client()
    clearance.force_login(world.clearance)
    switched = clearance.post(f"/productions/{world.prod_a.pk}/performers/guild-pictures/", {"allowed": "1"})
    assert switched.status_code == 302
    assert LedgerEntry.objects.filter(entry_type="production.guild_pictures_set").count() == 1
    clearance.post(f"/productions/{world.prod_a.pk}/performers/guild-pictures/", {"allowed": "1"})
    assert LedgerEntry.objects.filter(entry_type="production.guild_pictures_set").count() == 1  # already so
    text = guild.get(f"/guild/members/{studio.talent.pk}/").content.decode()
    assert picture in text
    held_face = FaceSighting.objects.get(asset=held.output.asset).pk
    assert f"/faces/{held_face}/picture.webp" not in text
    served = guild.get(picture)
    assert served.status_code == 200 and served["Content-Type"].startswith("image/")
    assert guild.get(f"/guild/members/{studio.talent.pk}/faces/{held_face}/picture.webp").status_code == 404
    # A performer of another guild is not this guild's to read; a producer is not a guild.
    stranger = f.make_talent("Kim Park", guild=world.other_guild, member_id="EQ-1")
    assert guild.get(f"/guild/members/{stranger.pk}/").status_code == 404
    producer_client = Client()
    producer_client.force_login(world.producer_a)
    assert producer_client.get(f"/guild/members/{studio.talent.pk}/").status_code == 403
