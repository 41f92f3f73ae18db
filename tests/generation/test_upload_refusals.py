"""A refused request leaves no file behind: every refusal of every endpoint and page that takes a
file leaves the content store (the media folder) as it was, and nothing in the database. A file
is stored only once the record that keeps it is written."""

import datetime
import itertools
import json
import re

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from .. import factories as f
from .. import images
from ..portal.test_documents import grant_form
from ..rightsledger.test_documents import consent_json, grant_json
from .conftest import Gate

_seeds = itertools.count(4300)


def _png(name="reference.png"):
    """A picture registered nowhere, new each time, so that every case would store a file of its own."""
    return SimpleUploadedFile(name, images.png(next(_seeds)))


def _store(media_root) -> list:
    if not media_root.exists():
        return []
    files = (p for p in media_root.rglob("*") if p.is_file())
    return sorted((str(p.relative_to(media_root)), p.stat().st_size) for p in files)


def _rows() -> dict:
    names = ("rightsledger", "generation", "provenance", "tracker")
    return {
        m._meta.label: m.objects.count() for name in names for m in apps.get_app_config(name).get_models()
    }


def _api_request(gate, **overrides):
    inputs = [{"asset": gate.plate.pk, "role": "plate"}, {"upload": "ref", "role": "reference"}]
    body = {
        **gate.body(),
        "inputs": json.dumps(inputs),
        "parameters": json.dumps({"fog_density": 0.4}),
        "ref": _png(),
    }
    body.update(overrides)
    return body


def _form_request(gate, **overrides):
    body = {
        "shot": gate.shot.pk,
        "engine": "atmosphere",
        "prompt": "light rain",
        "seed": "1",
        "intended_use": "atmosphere",
        "media": ["theatrical"],
        "territories": "US, FR",
        "release_start": "2026-06-01",
        "release_end": "2027-05-31",
        "asset": [gate.plate.pk],
        f"role_{gate.plate.pk}": "plate",
        "upload_1": _png(),
        "upload_1_role": "reference",
        "parameters": "{}",
    }
    body.update(overrides)
    return body


def _asset(**overrides):
    return {"kind": "plate", "title": "Harbour at dusk", "file": _png("plate.png"), **overrides}


def _polyglot():
    page = b"<html><script>alert(1)</script></html>"
    return SimpleUploadedFile("plate.png", images.png(next(_seeds)) + page)


def _cases(gate, world):
    """(name, who, route, body builder, format): a refusal of each endpoint and page that takes a file."""
    prod = world.prod_a.pk
    mixed = json.dumps([{"asset": gate.plate.pk, "role": "plate"}, {"upload": "ref", "role": "hero"}])
    missing = json.dumps([{"upload": "other", "role": "plate"}, {"upload": "ref", "role": "reference"}])
    api_requests = [
        ("territory_unknown", lambda: _api_request(gate, territories=["ZZ"])),
        ("engine_unknown", lambda: _api_request(gate, engine="nope")),
        ("role_unknown", lambda: _api_request(gate, inputs=mixed)),
        ("upload_missing", lambda: _api_request(gate, inputs=missing)),
        ("control_character", lambda: _api_request(gate, prompt="rain\x1b[2J")),
        ("repeated_item", lambda: _api_request(gate, territories=["US", "US"])),
        ("window_end_before_start", lambda: _api_request(gate, release_end="2026-01-01")),
    ]
    cases = []
    for path in ("/api/generation/requests/", "/api/generation/requests/check/"):
        cases += [
            (f"{path} {name}", world.producer_a, path, body, "multipart") for name, body in api_requests
        ]
    assets, page = "/api/assets/", f"/productions/{prod}/assets/"
    new, preview = f"/productions/{prod}/requests/new/", f"/productions/{prod}/requests/preview/"

    def asset(**overrides):
        return lambda: {"production": prod, **_asset(**overrides)}

    def text_file():
        return {"file": SimpleUploadedFile("notes.txt", b"plain words")}

    cases += [
        ("assets kind", world.clearance, assets, asset(kind="poster"), "multipart"),
        (
            "assets likeness without talent",
            world.clearance,
            assets,
            asset(kind="likeness_reference"),
            "multipart",
        ),
        (
            "assets polyglot",
            world.clearance,
            assets,
            lambda: {"production": prod, **_asset(file=_polyglot())},
            "multipart",
        ),
        ("assets title", world.clearance, assets, asset(title="Dusk\x1b[31m"), "multipart"),
        ("assets producer", world.producer_a, assets, asset(), "multipart"),
        ("verify not media", None, "/api/verify/", text_file, "multipart"),
        (
            "training clearance too many",
            None,
            "/api/training-clearance/",
            lambda: {"files": [_png(), _png(), _png()]},
            "multipart",
        ),
        ("byContent empty", None, "/api/c2pa/v1/matches/byContent", lambda: b"", "octet"),
        # The portal's pages.
        (
            "request_new territory",
            world.producer_a,
            new,
            lambda: _form_request(gate, territories="ZZ"),
            "form",
        ),
        ("request_new prompt", world.producer_a, new, lambda: _form_request(gate, prompt="rain\x00"), "form"),
        ("request_new engine", world.producer_a, new, lambda: _form_request(gate, engine="nope"), "form"),
        (
            "request_preview territory",
            world.producer_a,
            preview,
            lambda: _form_request(gate, territories="ZZ"),
            "form",
        ),
        ("assets page kind", world.clearance, page, lambda: _asset(kind="poster"), "form"),
        ("assets page title", world.clearance, page, lambda: _asset(title="Dusk\x1b"), "form"),
        ("assets page polyglot", world.clearance, page, lambda: _asset(file=_polyglot()), "form"),
        (
            "timeline garbage",
            world.clearance,
            f"/productions/{prod}/timeline/",
            lambda: {"file": SimpleUploadedFile("edit.edl", b"\x00\x01 not an edit"), "dry_run": ""},
            "form",
        ),
        ("verify page not media", None, "/verify/", text_file, "form"),
    ]
    return cases + _document_cases(gate, world)


def _document_cases(gate, world):
    """A grant's and a consent's signed document, refused when recorded and when amended, by the API
    and by the portal: not a document, empty, or not what its name says."""
    consent = f.make_consent(world.prod_a, gate.talent)
    notes = lambda: SimpleUploadedFile("notes.txt", b"Signed.\n" * 40)  # noqa: E731
    empty = lambda: SimpleUploadedFile("empty.pdf", b"")  # noqa: E731
    png_as_pdf = lambda: SimpleUploadedFile("scan.pdf", images.png(2))  # noqa: E731

    def record(body, document):
        return lambda: {"record": json.dumps(body), "document": document()}

    def amendment(document):
        changes = {"changes": {"media": ["theatrical"]}, "reason": "Rider 1"}
        return lambda: {"amendment": json.dumps(changes), "document": document()}

    grants, consents = "/api/grants/", "/api/consents/"
    return [
        (
            "grant not a document",
            world.clearance,
            grants,
            record(grant_json(world, gate.plate), notes),
            "multipart",
        ),
        (
            "consent empty document",
            world.clearance,
            consents,
            record(consent_json(world, gate.talent), empty),
            "multipart",
        ),
        (
            "grant amend mismatch",
            world.clearance,
            f"{grants}{gate.grant.pk}/amend/",
            amendment(png_as_pdf),
            "multipart",
        ),
        (
            "consent amend not a document",
            world.clearance,
            f"{consents}{consent.pk}/amend/",
            amendment(notes),
            "multipart",
        ),
        (
            "grant page empty document",
            world.clearance,
            f"/productions/{world.prod_a.pk}/records/grant/new/",
            lambda: grant_form(world, gate.plate, document=empty()),
            "form",
        ),
    ]


def _send(api, client, who, route, body, fmt):
    if fmt == "form":
        client.logout()
        if who is not None:
            client.force_login(who)
        return client.post(route, body)
    if fmt == "octet":
        return api(who).generic("POST", route, body, content_type="application/octet-stream")
    return api(who).post(route, body, format="multipart")


def _operations_taking_files(doc) -> set:
    """The API's operations whose body holds a file, from the schema."""
    out = set()
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            contents = operation.get("requestBody", {}).get("content", {})
            for content, spec in contents.items():
                ref = spec.get("schema", {}).get("$ref", "#/").rsplit("/", 1)[1]
                body = json.dumps(doc["components"]["schemas"].get(ref, {}))
                if content == "application/octet-stream" or "binary" in body:
                    out.add(path)
    # A generation request's files are named by each of its inputs.
    return out | {"/api/generation/requests/", "/api/generation/requests/check/"}


def test_every_refusal_of_an_upload_leaves_the_content_store_and_the_database_as_they_were(
    world, api, client, media_root, settings, django_capture_on_commit_callbacks
):
    settings.TRAINING_CLEARANCE_MAX_ITEMS = 2
    gate = Gate(world)
    cases = _cases(gate, world)
    taking_files = _operations_taking_files(api(None).get("/api/schema/?format=json").json())
    assert taking_files <= {re.sub(r"/\d+/", "/{id}/", route) for _, _, route, _, _ in cases}, sorted(
        taking_files
    )
    store, rows = _store(media_root), _rows()
    problems = []
    for name, who, route, body, fmt in cases:
        with django_capture_on_commit_callbacks(execute=True):
            response = _send(api, client, who, route, body(), fmt)
        preview = route.endswith("/requests/preview/")  # answers 200, with the problems in the page
        refused = 400 <= response.status_code < 500 or preview
        if not refused:
            problems.append(f"{name}: {response.status_code}, not refused")
        elif _store(media_root) != store or _rows() != rows:
            problems.append(f"{name}: {response.status_code}, and the content store or the database changed")
            store, rows = _store(media_root), _rows()
    assert not problems, "\n".join(problems)


def test_an_accepted_request_keeps_its_upload_for_the_audit_trail(
    world, api, media_root, django_capture_on_commit_callbacks
):
    gate = Gate(world)
    before = _store(media_root)
    body = _api_request(gate)
    size = body["ref"].size
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.producer_a).post("/api/generation/requests/", body, format="multipart")
    assert response.status_code == 201, response.content
    assert [s for _, s in sorted(set(_store(media_root)) - set(before))] == [size]
    assert [i["match"] for i in response.json()["inputs"]] == ["registered", "unregistered"]
    # The check path stores nothing, whatever it decides.
    check = "/api/generation/requests/check/"
    response = api(world.producer_a).post(check, _api_request(gate), format="multipart")
    assert response.status_code == 200 and len(_store(media_root)) == len(before) + 1


@pytest.mark.django_db(transaction=True)
def test_a_request_whose_commit_fails_removes_the_upload_it_stored(world, media_root):
    """The upload is stored once the request has passed every check; if its transaction then fails
    at commit (here: its shot is gone, and the deferred foreign key refuses it), the file goes too."""
    from django.db import IntegrityError, connection

    from generation import services as gen

    gate = Gate(world)
    before = _store(media_root)
    values = dict(
        production=world.prod_a,
        shot=gate.shot,
        engine="atmosphere",
        seed=1,
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
        inputs=[{"asset": gate.plate, "role": "plate"}, {"upload": _png(), "role": "reference"}],
    )
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # past the ledger's triggers
        cursor.execute("DELETE FROM rightsledger_shot WHERE id = %s", [gate.shot.pk])
        cursor.execute("SET session_replication_role = origin")
    with pytest.raises(IntegrityError):
        gen.request_submit(actor=world.producer_a, **values)
    assert _store(media_root) == before
