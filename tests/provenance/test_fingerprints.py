"""Fingerprints, the similarity index, matching re-encoded, resized and cropped copies, and
training clearance. The open_clip model is a small one the tests build with a fixed seed and save,
loaded through the same code path as production weights (CLIP_MODEL, CLIP_WEIGHTS)."""

import datetime
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from generation.models import GenerationRequest
from provenance import fingerprint as fp
from provenance import manifest as mf
from provenance import services, similarity
from provenance.check_cli import main as check_main
from provenance.models import Fingerprint, PerceptualHash, SignedOutput
from rightsledger.models import Asset

from .. import factories as f
from .. import images
from ..generation.conftest import Gate

TINY = {
    "embed_dim": 128,
    "vision_cfg": {"image_size": 128, "layers": [1, 1, 1, 1], "width": 32, "head_width": 32},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 1},
}


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory):
    """Build a small open_clip model with a fixed seed and save its weights, as real weights are."""
    import open_clip
    import torch

    folder = tmp_path_factory.mktemp("clip")
    config = folder / "rl-test-tiny.json"
    config.write_text(json.dumps(TINY))
    open_clip.add_model_config(str(config))
    torch.manual_seed(2026)
    model, _, _ = open_clip.create_model_and_transforms("rl-test-tiny")
    weights = folder / "rl-test-tiny.pt"
    torch.save({"state_dict": model.state_dict()}, weights)
    return {"CLIP_MODEL": "rl-test-tiny", "CLIP_MODEL_CONFIG": str(config), "CLIP_WEIGHTS": str(weights)}


@pytest.fixture(autouse=True)
def clip_settings(tiny_clip, settings, tmp_path):
    for k, v in tiny_clip.items():
        setattr(settings, k, v)
    settings.SIMILARITY_INDEX_PATH = str(tmp_path / "index.faiss")
    # Thresholds measured for this untrained model (see README, "Choosing the thresholds"): its
    # cosines do not separate copies from unrelated images, so candidates come from pHash alone.
    settings.EMBED_CANDIDATE_COSINE = 1.01
    settings.EMBED_CONFIRM_COSINE = 0.80
    similarity._index = similarity.SimilarityIndex()


def variants(data: bytes) -> dict[str, bytes]:
    """What happens to a file once it leaves: re-encoded as JPEG 70, resized to half, cropped by 10%."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = img.size
    out = {}
    for name, changed in (
        ("jpeg70", img),
        ("half", img.resize((w // 2, h // 2))),
        ("crop10", img.crop((int(w * 0.05), int(h * 0.05), int(w * 0.95), int(h * 0.95)))),
        ("corner_crop10", img.crop((0, 0, int(w * 0.9), int(h * 0.9)))),
    ):
        buf = io.BytesIO()
        changed.save(buf, "JPEG", quality=70)
        out[name] = buf.getvalue()
    return out


def test_weights_load_from_the_configured_file_once(tiny_clip):
    m1, m2 = fp.load_model(), fp.load_model()
    assert m1 is m2 and m1.dims == 128 and m1.device in ("cpu", "cuda")
    e = fp.embed([images.picture(1), images.picture(2)])
    assert e.shape == (2, 128) and abs(float((e[0] ** 2).sum()) - 1) < 1e-5


def test_registering_an_image_fingerprints_it_and_an_output_is_fingerprinted_once_as_it_is_signed(
    world, api, django_capture_on_commit_callbacks
):
    from celery.signals import task_prerun

    ran = []

    def seen(sender, args, kwargs, **_):
        ran.append((sender.name, (args or [None])[0]))

    task_prerun.connect(seen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            asset = f.make_asset(world.prod_a, seed=71)
        assert Fingerprint.objects.filter(asset=asset).exists()
        assert set(PerceptualHash.objects.filter(asset=asset).values_list("variant", flat=True)) == set(
            fp.CROPS
        )
        assert ("provenance.asset_fingerprint", asset.pk) in ran and (
            "provenance.asset_ingest_credentials",
            asset.pk,
        ) in ran
        gate = Gate(world)
        rid = api(world.producer_a).post("/api/generation/requests/", gate.body(), format="json").json()["id"]
        with django_capture_on_commit_callbacks(execute=True):
            api(world.producer_a).post(f"/api/generation/requests/{rid}/queue/")
    finally:
        task_prerun.disconnect(seen)
    output = GenerationRequest.objects.get(pk=rid).output.asset
    # Its hashes and embedding are those of the engine's pixels, stored as it was signed; no task
    # reads it back.
    assert set(PerceptualHash.objects.filter(asset=output).values_list("variant", flat=True)) == {
        *fp.CROPS,
        "binding",
    }
    assert Fingerprint.objects.filter(asset=output).count() == 1
    assert not [name for name, arg in ran if arg == output.pk and name.startswith("provenance.")]


def test_a_stripped_output_is_identified_and_not_allowed_after_reencode_resize_and_crop(
    world, api, django_capture_on_commit_callbacks
):
    gate = Gate(world)
    rid = api(world.producer_a).post("/api/generation/requests/", gate.body(), format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api(world.producer_a).post(f"/api/generation/requests/{rid}/queue/")
    output = GenerationRequest.objects.get(pk=rid).output.asset
    services.asset_fingerprint(asset=output)
    for n in range(20):  # other registered images around it
        services.asset_fingerprint(asset=f.make_asset(world.prod_b, seed=300 + n))
    with output.file.open("rb") as fh:
        signed = fh.read()
    for name, copy in variants(signed).items():
        assert services.read_store(copy, "image/jpeg") is None  # stripped: no credentials left
        found = similarity.match(fp.fingerprint(copy), Asset.objects.all())
        assert found is not None and found.asset_id == output.pk, name
        response = api(None).post(
            "/api/training-clearance/",
            {"files": [SimpleUploadedFile(f"{name}.jpg", copy)]},
            format="multipart",
        )
        result = response.json()["results"][0]
        assert (
            result["verdict"] == "not_allowed"
            and "near-duplicate of an output generated by this service" in result["reasons"][-1]
        ), result
        assert not re.search(
            rf"(?<!\w){output.pk}(?!\w)", json.dumps(result)
        )  # never names the asset (its digits may sit inside a hash)


def test_no_unrelated_image_matches_among_200(world):
    for n in range(200):
        services.asset_fingerprint(asset=f.make_asset(world.prod_a, seed=1000 + n))
    assets = Asset.objects.all()
    false = [
        n for n in range(200) if similarity.match(fp.fingerprint(images.jpeg(5000 + n)), assets) is not None
    ]
    assert false == []


def test_the_index_persists_and_rebuilds(world, settings):
    for n in range(5):
        services.asset_fingerprint(asset=f.make_asset(world.prod_a, seed=2000 + n))
    idx = similarity.index()
    assert idx.index.ntotal == 5
    similarity._index = similarity.SimilarityIndex()
    assert similarity.index().index.ntotal == 5  # read back from the file
    assert similarity.rebuild() == 5


def test_ivf_above_the_exact_size_finds_the_same_neighbours():
    import numpy as np

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(4000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(4000, dtype=np.int64)
    ivf = similarity.build_index(vectors, ids, exact_max=1000)
    queries = vectors[:100] + rng.normal(scale=0.05, size=(100, 64)).astype(np.float32)
    _, found = ivf.search(queries, 1)
    assert (found[:, 0] == ids[:100]).mean() >= 0.97


def test_a_reencoded_upload_of_a_registered_plate_carries_its_rights(world, api):
    gate = Gate(world)
    services.asset_fingerprint(asset=gate.plate)
    with gate.plate.file.open("rb") as fh:
        copy = variants(fh.read())["jpeg70"]
    body = gate.body(
        inputs='[{"upload": "copy", "role": "plate"}]', media="theatrical", territories="US", parameters="{}"
    )
    body["copy"] = SimpleUploadedFile("plate_from_email.jpg", copy)
    data = api(world.producer_a).post("/api/generation/requests/", body, format="multipart").json()
    assert data["inputs"][0]["match"] == "fingerprint" and data["inputs"][0]["asset"] == gate.plate.pk
    assert data["status"] == "approved"
    assert (
        f"a re-encoded copy of asset A-{gate.plate.pk} (cosine" in data["decision"]["reasons"][0]["message"]
    )


def test_training_clearance_by_hash_and_bad_batches(world, api, settings):
    asset = f.make_asset(world.prod_a, seed=81)
    f.make_grant(world.prod_a, world.party, [asset])
    import datetime

    from rightsledger import services as rl

    rl.reservation_create(
        actor=None,
        studio=world.studio,
        subject_type="asset",
        asset=asset,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
    )
    client = api(None)
    results = client.post(
        "/api/training-clearance/", {"sha256": [asset.sha256, "0" * 64]}, format="json"
    ).json()["results"]
    assert [r["verdict"] for r in results] == ["not_allowed", "unknown"]
    assert client.post("/api/training-clearance/", {"sha256": ["xyz"]}, format="json").status_code == 400
    assert client.post("/api/training-clearance/", {}, format="json").status_code == 400
    settings.TRAINING_CLEARANCE_MAX_ITEMS = 2
    assert (
        client.post("/api/training-clearance/", {"sha256": ["0" * 64] * 3}, format="json").status_code == 400
    )


def test_only_reservations_in_force_of_a_training_use_refuse_training(world, api):
    import datetime

    from rightsledger import services as rl

    inference, revoked, training = (f.make_asset(world.prod_a, seed=s) for s in (82, 83, 84))
    reserve = dict(
        actor=None,
        studio=world.studio,
        subject_type="asset",
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
    )
    rl.reservation_create(
        asset=inference, uses=["ai_inference", "data_mining"], **reserve
    )  # reserves no training use
    gone = rl.reservation_create(asset=revoked, uses=["ai_training"], **reserve)
    rl.reservation_revoke(actor=None, reservation=gone, reason="Released by the rights holder")
    rl.reservation_create(asset=training, uses=["ai_generative_training"], **reserve)
    results = (
        api(None)
        .post(
            "/api/training-clearance/",
            {"sha256": [a.sha256 for a in (inference, revoked, training)]},
            format="json",
        )
        .json()["results"]
    )
    assert [r["verdict"] for r in results] == ["unknown", "unknown", "not_allowed"]


def test_xmp_data_mining_prohibited_is_read(world, api):
    from provenance import manifest as mf

    data = mf.add_xmp(images.png(82), "image/png", mf.xmp_packet(frozenset({"ai_training"})))
    result = (
        api(None)
        .post("/api/training-clearance/", {"files": [SimpleUploadedFile("x.png", data)]}, format="multipart")
        .json()["results"][0]
    )
    assert result["verdict"] == "not_allowed" and "plus:DataMining" in result["reasons"][0]


def test_the_endpoint_is_rate_limited_per_client(world, api, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"training_clearance": "2/min"})
    codes = [
        api(None).post("/api/training-clearance/", {"sha256": ["0" * 64]}, format="json").status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    response = api(None).post("/api/training-clearance/", {"sha256": ["0" * 64]}, format="json")
    assert response.json()["errors"][0]["code"] == "throttled" and response["Retry-After"]
    cache.clear()


def test_a_client_does_not_dodge_the_rate_limit_by_making_up_x_forwarded_for(world, api, monkeypatch):
    """An anonymous caller who sends a new X-Forwarded-For each time is still one client: with no
    proxy in front (NUM_PROXIES=0) the header is the caller's own words, not an address."""
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"training_clearance": "2/min"})
    codes = [
        api(None)
        .post(
            "/api/training-clearance/",
            {"sha256": ["0" * 64]},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        .status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


@pytest.mark.django_db(transaction=True)
def test_rightsledger_check_walks_folders_and_writes_a_report(live_server, tmp_path):
    folder = tmp_path / "dataset" / "sub"
    folder.mkdir(parents=True)
    (folder / "a.png").write_bytes(images.png(91))
    from provenance import manifest as mf

    (tmp_path / "dataset" / "b.png").write_bytes(
        mf.add_xmp(images.png(92), "image/png", mf.xmp_packet(frozenset({"ai_training"})))
    )
    for mode in ("fingerprint", "upload"):
        report = tmp_path / f"report-{mode}.json"
        code = check_main(
            [
                str(tmp_path / "dataset"),
                "--url",
                live_server.url,
                "--format",
                "json",
                "--output",
                str(report),
                "--batch",
                "1",
                "--mode",
                mode,
                "--jobs",
                "2",
            ]
        )
        rows = {r["path"].rsplit("/", 1)[-1]: r["verdict"] for r in json.loads(report.read_text())}
        assert rows == {"a.png": "unknown", "b.png": "not_allowed"} and code == 1, mode
    assert check_main([str(tmp_path / "missing"), "--url", live_server.url]) == 2


def test_fingerprint_and_upload_modes_give_the_same_verdicts_on_altered_copies(
    world, api, tmp_path, django_capture_on_commit_callbacks
):
    """A dataset builder's copies of a reserved still: re-encoded, resized and cropped. Sent as
    fingerprints computed where the files are, or as the files themselves: the same verdicts."""
    from provenance.check_cli import examine
    from rightsledger import services as rl

    original = images.picture(77, (640, 360))
    with django_capture_on_commit_callbacks(execute=True):
        reserved = f.make_asset(world.prod_a, kind="still", data=images.encode(original, "PNG"), seed=77)
    rl.reservation_create(
        actor=None,
        studio=world.studio,
        subject_type="asset",
        asset=reserved,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
    )
    w, h = original.size
    copies = {
        "reencoded.jpg": images.encode(original, "JPEG", quality=55),
        "resized.jpg": images.encode(
            original.resize((w // 2, h // 2), Image.Resampling.BILINEAR), "JPEG", quality=85
        ),
        "cropped.png": images.encode(original.crop((int(w * 0.06), int(h * 0.06), w, h)), "PNG"),
        "unrelated.png": images.png(500),
    }
    paths = []
    for name, data in copies.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    client = api(None)
    prints = [{"sha256": e["sha256"], "phash": e["phash"]} for e in map(examine, paths)]
    by_print = client.post("/api/training-clearance/", {"fingerprints": prints}, format="json").json()[
        "results"
    ]
    by_upload = client.post(
        "/api/training-clearance/",
        {"files": [SimpleUploadedFile(p.name, p.read_bytes()) for p in paths]},
        format="multipart",
    ).json()["results"]
    assert (
        [r["verdict"] for r in by_print]
        == [r["verdict"] for r in by_upload]
        == ["not_allowed", "not_allowed", "not_allowed", "unknown"]
    )
    assert "near-duplicate of an asset reserved from AI training" in by_print[0]["reasons"][0]
    # Bad fingerprints are refused with a clear message, and a batch is bounded.
    bad = client.post(
        "/api/training-clearance/", {"fingerprints": [{"sha256": "xyz", "phash": "00"}]}, format="json"
    )
    assert bad.status_code == 400 and "Fingerprint 1" in bad.json()["errors"][0]["message"]


def drawn_video(seconds=6, fps=10) -> bytes:
    """An MP4 with a new drawn shot every second, made with PyAV."""
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(np.asarray(images.picture(700 + i // fps)), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def test_video_keyframes_are_fingerprinted_and_a_still_from_it_is_recognised(world, settings):
    settings.VIDEO_KEYFRAME_SECONDS = 2.0
    data = drawn_video()
    upload = SimpleUploadedFile("shot.mp4", data)
    from rightsledger import services as rl

    video, _ = rl.asset_register(actor=None, production=world.prod_a, upload=upload, kind="video")
    assert video.media_type == "video/mp4"
    services.asset_fingerprint(asset=video)
    assert sorted(Fingerprint.objects.filter(asset=video).values_list("frame_seconds", flat=True)) == [
        0.0,
        2.0,
        4.0,
    ]
    for n in range(10):
        services.asset_fingerprint(asset=f.make_asset(world.prod_a, seed=900 + n))
    still = images.encode(images.picture(702), "JPEG", quality=70)  # a frame grab of the shot at 2 s
    found = similarity.match(fp.fingerprint(still), Asset.objects.all())
    assert found is not None and found.asset_id == video.pk
    assert similarity.match(fp.fingerprint(images.jpeg(4242)), Asset.objects.all()) is None


def reencoded(data: bytes, *, crf=23, size=None, first=0, last=None) -> bytes:
    """A clip as it travels: re-encoded (at a lower bitrate for a higher crf), resized, trimmed."""
    import av

    buf = io.BytesIO()
    with av.open(io.BytesIO(data)) as src, av.open(buf, "w", format="mp4") as out:
        stream = None
        for index, frame in enumerate(src.decode(video=0)):
            if index < first or (last is not None and index > last):
                continue
            img = frame.to_image()
            if size:
                img = img.resize(size)
            if stream is None:
                stream = out.add_stream("libx264", rate=src.streams.video[0].average_rate)
                stream.width, stream.height, stream.pix_fmt = img.width, img.height, "yuv420p"
                stream.options = {"crf": str(crf), "preset": "veryfast"}
            for packet in stream.encode(av.VideoFrame.from_image(img)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def clip_request(world, api, capture, body_of):
    rid = api(world.producer_a).post("/api/generation/requests/", body_of, format="json").json()["id"]
    with capture(execute=True):
        api(world.producer_a).post(f"/api/generation/requests/{rid}/queue/")
    return GenerationRequest.objects.get(pk=rid)


def test_a_clip_output_is_recognised_re_encoded_resized_and_trimmed(
    world, api, client, settings, django_capture_on_commit_callbacks, tmp_path
):
    """Outputs are fingerprinted at keyframes; training clearance and soft binding find a copy of a
    1080p clip output at a lower bitrate, at 720p, or cut to a few seconds."""
    settings.VIDEO_KEYFRAME_SECONDS = 1.0
    gate = Gate(world)
    plate = f.make_asset(
        world.prod_a,
        kind="plate",
        fmt="mp4",
        data=images.clip(21, size=(1920, 1080), frames=15, fps=5, pan=16),
        owner=world.party,
    )
    f.make_grant(
        world.prod_a, world.party, [plate], uses=["genai_input"], media=["theatrical"], territories=["WORLD"]
    )
    req = clip_request(
        world,
        api,
        django_capture_on_commit_callbacks,
        gate.body(parameters={"fog_density": 0.3, "rain": 0}, inputs=[{"asset": plate.pk, "role": "plate"}]),
    )
    assert req.status == "succeeded", req.failure
    output = req.output.asset
    assert sorted(
        PerceptualHash.objects.filter(asset=output, variant__regex=r"^t[0-9]").values_list(
            "variant", flat=True
        )
    ) == ["t0", "t1", "t2"]
    assert Fingerprint.objects.filter(asset=output).count() == 3  # an embedding per keyframe
    with output.file.open("rb") as fh:
        data = fh.read()
    copies = {
        "low_bitrate.mp4": reencoded(data, crf=38),
        "720p.mp4": reencoded(data, size=(1280, 720)),
        "trimmed.mp4": reencoded(data, first=4, last=11),
        "unrelated.mp4": images.clip(404, size=(640, 360), frames=10, fps=5),
    }
    assert len(copies["low_bitrate.mp4"]) < len(data) // 2
    results = (
        api(None)
        .post(
            "/api/training-clearance/",
            {"files": [SimpleUploadedFile(n, d) for n, d in copies.items()]},
            format="multipart",
        )
        .json()["results"]
    )
    assert [r["verdict"] for r in results] == ["not_allowed", "not_allowed", "not_allowed", "unknown"], (
        results
    )
    # The watermark is read first; where it does not survive, the keyframes' fingerprints find it.
    assert all(
        r["reasons"][-1].endswith("an output generated by this service.")
        or "near-duplicate of an output generated by this service" in r["reasons"][-1]
        for r in results[:3]
    ), results
    # Fingerprint mode: rightsledger-check sends the pHashes of a clip's frames, never the clip.
    from provenance.check_cli import examine

    prints = []
    for name, content in copies.items():
        (tmp_path / name).write_bytes(content)
        seen = examine(tmp_path / name)
        assert seen["phash"] is None and len(seen["phashes"]) >= 2
        prints.append({k: seen[k] for k in ("sha256", "phash", "phashes")})
    by_print = (
        api(None).post("/api/training-clearance/", {"fingerprints": prints}, format="json").json()["results"]
    )
    assert [r["verdict"] for r in by_print] == ["not_allowed", "not_allowed", "not_allowed", "unknown"], (
        by_print
    )
    bad = api(None).post(
        "/api/training-clearance/",
        {"fingerprints": [{"sha256": "a" * 64, "phash": None, "phashes": ["zz"]}]},
        format="json",
    )
    assert bad.status_code == 400 and "pHashes of a clip's frames" in bad.json()["errors"][0]["message"]
    signed = SignedOutput.objects.get(asset=output)
    for name in ("720p.mp4", "trimmed.mp4"):
        response = client.post(
            f"/api/c2pa/v1/matches/byContent?alg={mf.SOFT_BINDING_ALG}",
            copies[name],
            content_type="video/mp4",
        )
        assert (
            response.status_code == 200
            and response.json()["matches"][0]["manifestId"] == signed.manifest_label
        ), (name, response.content)
