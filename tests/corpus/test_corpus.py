"""The hostile corpus (make_corpus.py) replayed against the API: every item gets a 4xx or a clear
refusal, and writes nothing: no record, no file, no ledger entry. Forged Content Credentials are
refused as invalid, and replayed sign-offs and run messages do nothing twice."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from generation.models import GenerationOutput, GenerationRequest, SignOff
from rightsledger.models import Asset, LedgerEntry, RightsGrant, Talent

from .. import images
from ..provenance.signing import FACTS

HERE = Path(__file__).resolve().parent
INDEX = json.loads((HERE / "index.json").read_text())


def state(settings) -> tuple:
    files = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    return (
        Asset.objects.count(),
        LedgerEntry.objects.count(),
        RightsGrant.objects.count(),
        Talent.objects.count(),
        GenerationRequest.objects.count(),
        files,
    )


@pytest.mark.parametrize("item", INDEX["files"], ids=[i["file"] for i in INDEX["files"]])
def test_a_hostile_file_is_refused_and_writes_nothing(world, api, settings, item):
    from ..generation.conftest import Gate

    gate = Gate(world)
    data = (HERE / "files" / item["file"]).read_bytes()
    before = state(settings)
    clearance = api(world.clearance)
    asset = clearance.post(
        "/api/assets/",
        {"production": world.prod_a.pk, "kind": "plate", "file": SimpleUploadedFile(item["name"], data)},
        format="multipart",
    )
    assert 400 <= asset.status_code < 500, (item["why"], asset.status_code, asset.content[:300])
    assert asset.json()["errors"][0]["message"], item["why"]
    body = gate.body(inputs=[{"upload": "f", "role": "reference"}, {"asset": gate.plate.pk, "role": "plate"}])
    form = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in body.items()}
    request = api(world.producer_a).post(
        "/api/generation/requests/", {**form, "f": SimpleUploadedFile(item["name"], data)}, format="multipart"
    )
    assert 400 <= request.status_code < 500, (item["why"], request.status_code, request.content[:300])
    assert state(settings) == before, item["why"]


ENDPOINTS = [
    "/api/grants/",
    "/api/talent/",
    "/api/consents/",
    "/api/generation/requests/",
    "/api/generation/requests/check/",
    "/api/auth/token/",
    "/api/training-clearance/",
    "/api/shots/",
]


@pytest.mark.parametrize("item", INDEX["json"], ids=[i["file"] for i in INDEX["json"]])
def test_a_hostile_json_body_is_refused_everywhere_and_writes_nothing(world, api, settings, item):
    body = (HERE / "files" / item["file"]).read_text()
    before = state(settings)
    for path in ENDPOINTS:
        response = api(world.clearance).post(path, body, content_type="application/json")
        assert 400 <= response.status_code < 500, (
            item["why"],
            path,
            response.status_code,
            response.content[:300],
        )
        assert response.json()["errors"], (item["why"], path)
    assert state(settings) == before, item["why"]


def _png_chunks(data: bytes):
    at = 8
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        yield at, data[at + 4 : at + 8], at + 12 + length
        at += 12 + length


def test_forged_credentials_are_refused_as_invalid(world, client, settings):
    from provenance import services

    facts = FACTS
    signed, _, _, _ = services.sign_bytes(data=images.png(5), media_type="image/png", facts=facts)
    store = next((start, end) for start, kind, end in _png_chunks(signed) if kind == b"caBX")
    # A valid structure with a broken signature: a byte near the end of the store (the COSE signature).
    broken = bytearray(signed)
    broken[store[1] - 40] ^= 0x01
    # A manifest lifted from its file onto another picture.
    other = images.png(6)
    iend = other.rindex(b"IEND") - 4
    lifted = other[:iend] + signed[store[0] : store[1]] + other[iend:]
    before = state(settings)
    for name, data in (("broken_signature.png", bytes(broken)), ("lifted_manifest.png", lifted)):
        verdict = client.post("/api/verify/", {"file": SimpleUploadedFile(name, data)})
        assert verdict.status_code == 200 and verdict.json()["validation_state"] == "invalid", (
            name,
            verdict.json(),
        )
        assert verdict.json()["failures"], name
    assert state(settings) == before


def test_replayed_sign_offs_and_run_messages_do_nothing_twice(world, api, django_capture_on_commit_callbacks):
    from generation import services as gen
    from generation.tasks import request_run

    from ..generation.conftest import Gate

    gate = Gate(world)
    from .. import factories as f

    f.make_grant(
        world.prod_a,
        world.party,
        [gate.likeness],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
        contract_sha256=f.sha("x"),
    )
    f.make_consent(world.prod_a, gate.talent, permitted_uses=["likeness", "atmosphere"])
    rid = (
        api(world.producer_a)
        .post(
            "/api/generation/requests/",
            gate.body(
                inputs=[
                    {"asset": gate.plate.pk, "role": "plate"},
                    {"asset": gate.likeness.pk, "role": "likeness"},
                ]
            ),
            format="json",
        )
        .json()["id"]
    )
    assert GenerationRequest.objects.get(pk=rid).status == "needs_clearance"
    sign_off = {"approve": True, "comment": "Checked against the consent."}
    first = api(world.clearance).post(f"/api/generation/requests/{rid}/sign-off/", sign_off, format="json")
    again = api(world.clearance).post(f"/api/generation/requests/{rid}/sign-off/", sign_off, format="json")
    assert (
        first.status_code == 200
        and again.status_code == 409
        and again.json()["errors"][0]["code"] == "already_signed_off"
    )
    assert SignOff.objects.filter(request_id=rid).count() == 1
    plain = api(world.producer_a).post("/api/generation/requests/", gate.body(), format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        api(world.producer_a).post(f"/api/generation/requests/{plain}/queue/")
    entries = LedgerEntry.objects.count()
    assert (
        request_run.apply(args=[plain]).get() == "already_done"
        and gen.request_run(request_id=plain) == "already_done"
    )
    assert (
        GenerationOutput.objects.filter(request_id=plain).count() == 1
        and LedgerEntry.objects.count() == entries
    )


def test_a_truncated_image_is_refused_after_a_library_relaxed_pillow(world, api):
    """WeasyPrint (the audit PDF) sets Pillow's LOAD_TRUNCATED_IMAGES process-wide when it is
    imported; uploads are checked as strictly after it as before."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert (
        ImageFile.LOAD_TRUNCATED_IMAGES is True
    )  # what the import does, and why the check must not rely on the default
    truncated = images.jpeg(5)[: len(images.jpeg(5)) // 2]
    response = api(world.clearance).post(
        "/api/assets/",
        {"production": world.prod_a.pk, "kind": "plate", "file": SimpleUploadedFile("half.jpg", truncated)},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "image_corrupt"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as the library wants it for its own pictures
