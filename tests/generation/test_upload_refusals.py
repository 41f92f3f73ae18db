"""A refused request leaves no file behind: every refusal of every endpoint and page that takes a
file leaves the content store (the media folder) as it was, and nothing in the database. A file
is stored only once the record that keeps it is written."""

import datetime
import json

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from .. import factories as f
from .. import images
from .conftest import Gate

UNREGISTERED = images.png(4242)  # an input uploaded with the request, registered nowhere


def _store(media_root) -> list:
    return sorted((str(p.relative_to(media_root)), p.stat().st_size) for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def _rows() -> dict:
    return {m._meta.label: m.objects.count() for name in ("rightsledger", "generation", "provenance", "tracker")
            for m in apps.get_app_config(name).get_models()}


def _api_request(gate, **overrides):
    body = {**gate.body(), "inputs": json.dumps([{"asset": gate.plate.pk, "role": "plate"}, {"upload": "ref", "role": "reference"}]),
            "parameters": json.dumps({"fog_density": 0.4}), "ref": SimpleUploadedFile("reference.png", UNREGISTERED)}
    body.update(overrides)
    return body


def _form_request(gate, **overrides):
    body = {"shot": gate.shot.pk, "engine": "atmosphere", "prompt": "light rain", "seed": "1", "intended_use": "atmosphere",
            "media": ["theatrical"], "territories": "US, FR", "release_start": "2026-06-01", "release_end": "2027-05-31", "asset": [gate.plate.pk],
            f"role_{gate.plate.pk}": "plate", "upload_1": SimpleUploadedFile("reference.png", UNREGISTERED), "upload_1_role": "reference",
            "parameters": "{}"}
    body.update(overrides)
    return body


def _asset(**overrides):
    return {"kind": "plate", "title": "Harbour at dusk", "file": SimpleUploadedFile("plate.png", images.png(4243)), **overrides}


def _polyglot():
    return SimpleUploadedFile("plate.png", images.png(4244) + b"<html><script>alert(1)</script></html>")


def _cases(gate, world):
    """(name, who, route, body builder, format): a refusal of each endpoint and page that takes a file."""
    prod = world.prod_a.pk
    api_requests = [
        ("territory_unknown", lambda: _api_request(gate, territories=["ZZ"])),
        ("engine_unknown", lambda: _api_request(gate, engine="nope")),
        ("role_unknown", lambda: _api_request(gate, inputs=json.dumps([{"asset": gate.plate.pk, "role": "plate"}, {"upload": "ref", "role": "hero"}]))),
        ("upload_missing", lambda: _api_request(gate, inputs=json.dumps([{"upload": "other", "role": "plate"}, {"upload": "ref", "role": "reference"}]))),
        ("control_character", lambda: _api_request(gate, prompt="rain\x1b[2J")),
        ("repeated_item", lambda: _api_request(gate, territories=["US", "US"])),
        ("window_end_before_start", lambda: _api_request(gate, release_end="2026-01-01")),
    ]
    cases = []
    for path in ("/api/generation/requests/", "/api/generation/requests/check/"):
        cases += [(f"{path} {name}", world.producer_a, path, body, "multipart") for name, body in api_requests]
    cases += [
        ("/api/assets/ kind", world.clearance, "/api/assets/", lambda: {"production": prod, **_asset(kind="poster")}, "multipart"),
        ("/api/assets/ likeness without talent", world.clearance, "/api/assets/", lambda: {"production": prod, **_asset(kind="likeness_reference")},
         "multipart"),
        ("/api/assets/ polyglot", world.clearance, "/api/assets/", lambda: {"production": prod, **_asset(file=_polyglot())}, "multipart"),
        ("/api/assets/ title", world.clearance, "/api/assets/", lambda: {"production": prod, **_asset(title="Dusk\x1b[31m")}, "multipart"),
        ("/api/assets/ producer", world.producer_a, "/api/assets/", lambda: {"production": prod, **_asset()}, "multipart"),
        ("/api/verify/ not media", None, "/api/verify/", lambda: {"file": SimpleUploadedFile("notes.txt", b"plain words")}, "multipart"),
        ("/api/training-clearance/ too many", None, "/api/training-clearance/",
         lambda: {"files": [SimpleUploadedFile(f"{n}.png", images.png(n)) for n in range(3)]}, "multipart"),
        ("/api/c2pa/v1/matches/byContent empty", None, "/api/c2pa/v1/matches/byContent", lambda: b"", "octet"),
        # The portal's pages.
        ("request_new territory", world.producer_a, f"/productions/{prod}/requests/new/", lambda: _form_request(gate, territories="ZZ"), "form"),
        ("request_new prompt", world.producer_a, f"/productions/{prod}/requests/new/", lambda: _form_request(gate, prompt="rain\x00"), "form"),
        ("request_new engine", world.producer_a, f"/productions/{prod}/requests/new/", lambda: _form_request(gate, engine="nope"), "form"),
        ("request_preview territory", world.producer_a, f"/productions/{prod}/requests/preview/", lambda: _form_request(gate, territories="ZZ"),
         "form"),
        ("assets kind", world.clearance, f"/productions/{prod}/assets/", lambda: _asset(kind="poster"), "form"),
        ("assets title", world.clearance, f"/productions/{prod}/assets/", lambda: _asset(title="Dusk\x1b"), "form"),
        ("assets polyglot", world.clearance, f"/productions/{prod}/assets/", lambda: _asset(file=_polyglot()), "form"),
        ("timeline garbage", world.clearance, f"/productions/{prod}/timeline/",
         lambda: {"file": SimpleUploadedFile("edit.edl", b"\x00\x01 not an edit"), "dry_run": ""}, "form"),
        ("verify not media", None, "/verify/", lambda: {"file": SimpleUploadedFile("notes.txt", b"plain words")}, "form"),
    ]
    return cases


def _send(api, client, who, route, body, fmt):
    if fmt == "form":
        client.logout()
        if who is not None:
            client.force_login(who)
        return client.post(route, body)
    if fmt == "octet":
        return api(who).generic("POST", route, body, content_type="application/octet-stream")
    return api(who).post(route, body, format="multipart")


def test_every_refusal_of_an_upload_leaves_the_content_store_and_the_database_as_they_were(world, api, client, media_root, settings,
                                                                                        django_capture_on_commit_callbacks):
    settings.TRAINING_CLEARANCE_MAX_ITEMS = 2
    gate = Gate(world)
    cases = _cases(gate, world)
    # Every API operation that takes a file is among the cases (the schema says which).
    doc = api(None).get("/api/schema/?format=json").json()
    taking_files = {path for path, ops in doc["paths"].items() for op in ops.values() if isinstance(op, dict)
                    for content, spec in op.get("requestBody", {}).get("content", {}).items()
                    if content == "application/octet-stream" or "binary" in json.dumps(doc["components"]["schemas"].get(
                        spec.get("schema", {}).get("$ref", "#/").rsplit("/", 1)[1], {}))}
    taking_files |= {"/api/generation/requests/", "/api/generation/requests/check/"}  # their files are named by each input
    assert taking_files <= {route for _, _, route, _, _ in cases}, sorted(taking_files)
    store, rows = _store(media_root), _rows()
    problems = []
    for name, who, route, body, fmt in cases:
        with django_capture_on_commit_callbacks(execute=True):
            response = _send(api, client, who, route, body(), fmt)
        refused = 400 <= response.status_code < 500 or route.endswith("/preview/") and b"ZZ" in response.content
        if not refused:
            problems.append(f"{name}: {response.status_code}, not refused")
        elif _store(media_root) != store or _rows() != rows:
            problems.append(f"{name}: {response.status_code}, and the content store or the database changed")
            store, rows = _store(media_root), _rows()
    assert not problems, "\n".join(problems)


def test_an_accepted_request_keeps_its_upload_for_the_audit_trail(world, api, media_root, django_capture_on_commit_callbacks):
    gate = Gate(world)
    before = _store(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.producer_a).post("/api/generation/requests/", _api_request(gate), format="multipart")
    assert response.status_code == 201, response.content
    added = sorted(set(_store(media_root)) - set(before))
    assert [size for _, size in added] == [len(UNREGISTERED)]
    inputs = response.json()["inputs"]
    assert [i["match"] for i in inputs] == ["registered", "unregistered"]
    # The check path stores nothing, whatever it decides.
    other = images.png(4246)
    body = _api_request(gate, ref=SimpleUploadedFile("other.png", other))
    assert api(world.producer_a).post("/api/generation/requests/check/", body, format="multipart").status_code == 200
    assert len(_store(media_root)) == len(before) + 1


@pytest.mark.django_db(transaction=True)
def test_a_request_whose_recording_fails_removes_the_upload_it_stored(world, api, media_root):
    """The upload is stored once the request has passed every check; if its transaction then fails
    at commit, the file goes with it."""
    from django.db import IntegrityError

    from generation import services as gen

    gate = Gate(world)
    before = _store(media_root)
    upload = SimpleUploadedFile("reference.png", UNREGISTERED)
    values = dict(production=world.prod_a, shot=gate.shot, engine="atmosphere", seed=1, intended_use="atmosphere", media=["theatrical"],
                  territories=["US"], release_start=datetime.date(2026, 6, 1), release_end=datetime.date(2026, 12, 31),
                  inputs=[{"asset": gate.plate, "role": "plate"}, {"upload": upload, "role": "reference"}])
    # A shot removed between the check and the write: the insert fails on its foreign key.
    shot_pk = gate.shot.pk
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # let the shot go without its ledger entry's trigger
        cursor.execute("DELETE FROM rightsledger_shot WHERE id = %s", [shot_pk])
        cursor.execute("SET session_replication_role = origin")
    with pytest.raises(IntegrityError):
        gen.request_submit(actor=world.producer_a, **values)
    assert _store(media_root) == before
