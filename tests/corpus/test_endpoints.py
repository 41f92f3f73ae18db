"""Hostile input at every endpoint that decodes an image or parses JSON, whoever calls it: the
API's operations, read from its OpenAPI schema, and the portal's pages, read from its URL
configuration, so that a new endpoint is covered (or this file fails until it is classified).
Each gets a decompression bomb, JSON nested 10,000 deep, Unicode digits in every numeric query
parameter and path, a Content-Length that is not a number, and (anonymous endpoints) a value of
the wrong type in every JSON field. The answer is a 4xx with a message a person can act on,
never a 500, and nothing is written: no record, no ledger entry, no stored file."""

import datetime
import io
import json
import re
import struct
import time
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver
from drf_spectacular.generators import SchemaGenerator

from generation.models import GenerationRequest
from rightsledger.api.records import RECORDS
from rightsledger.models import (
    Asset,
    ConsentRecord,
    Document,
    LedgerEntry,
    RightsGrant,
    Talent,
    TrainingReservation,
)

from .. import factories as f
from .. import images
from .forms import request_form

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
METHODS = ("get", "post", "put", "patch", "delete")
OPERATIONS = [
    (path, method, op)
    for path, item in sorted(SCHEMA["paths"].items())
    for method, op in item.items()
    if method in METHODS
]
DEEP = "[" * 10_000 + "]" * 10_000
# Digits that str.isdigit() passes (and some that int() reads), none of them ASCII.
UNICODE_DIGITS = ["²", "①", "1²", "١", "١٢", "٣"]


def _png(width: int, height: int) -> bytes:
    """A 1-bit greyscale PNG of width x height, all black: a few bytes a row once compressed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


# The tester's bomb (30000 x 30000, about 109 KB), which Pillow itself refuses to open; and one
# just over IMAGE_MAX_PIXELS (81 million pixels), which Pillow would decode and only we refuse.
BOMBS = {"30000x30000": _png(30000, 30000), "9000x9000": _png(9000, 9000)}


def state(settings) -> tuple:
    """Everything a refused request must leave as it was."""
    files = sorted(str(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    counts = [
        m.objects.count()
        for m in (
            Asset,
            Document,
            LedgerEntry,
            RightsGrant,
            ConsentRecord,
            TrainingReservation,
            Talent,
            GenerationRequest,
        )
    ]
    return counts, files


def refused(response, *statuses) -> str:
    """Assert a 4xx (one of statuses, if given) with a message; return the message."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:400])
    assert not statuses or response.status_code in statuses, (response.status_code, response.content[:400])
    if response["Content-Type"].startswith("application/json"):
        message = response.json()["errors"][0]["message"]
    else:
        message = response.content.decode()
    assert message.strip(), response.content[:400]
    return message


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _anonymous(path, op) -> bool:
    """Whether anyone may call the operation: the schema says so ({} among its security), or its
    view asks for no permission at all (the token endpoint)."""
    from django.urls import resolve

    view = resolve(re.sub(r"\{\w+\}", "1", path)).func
    permissions = getattr(
        getattr(view, "cls", None) or getattr(view, "view_class", None), "permission_classes", None
    )
    return {} in op.get("security", []) or permissions is not None and len(permissions) == 0


def _takes_binary(op) -> bool:
    content = op.get("requestBody", {}).get("content", {})
    return "application/octet-stream" in content or '"format": "binary"' in json.dumps(
        {k: _resolve(v.get("schema", {})) for k, v in content.items()}
    )


@pytest.fixture
def records(world):
    """A Gate (a shot, a plate under a grant, a performer) with one record of each kind more, and
    ids by the collection a path names."""
    from generation import services as gen
    from rightsledger import services

    from ..generation.conftest import Gate

    gate = Gate(world)
    gate.consent = f.make_consent(world.prod_a, gate.talent)
    gate.reservation = services.reservation_create(
        actor=None,
        subject_type="asset",
        asset=gate.plate,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
    )
    gate.request = gen.request_submit(
        actor=world.producer_a,
        production=world.prod_a,
        shot=gate.shot,
        engine="atmosphere",
        seed=1,
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
        inputs=[{"asset": gate.plate, "role": "plate"}],
    )
    gate.ids = {
        "grants": gate.grant.pk,
        "consents": gate.consent.pk,
        "reservations": gate.reservation.pk,
        "talent": gate.talent.pk,
        "requests": gate.request.pk,
        "assets": gate.plate.pk,
        "shots": gate.shot.pk,
        "productions": world.prod_a.pk,
        "studios": world.studio.pk,
        "guilds": world.guild.pk,
        "parties": world.party.pk,
    }
    return gate


def _path(path: str, ids: dict, bad: dict | None = None) -> str:
    """The schema's path with its parameters filled: an id of the records fixture (by the
    collection the path names), a kind, or a value given in bad."""

    def fill(match):
        name = match.group(1)
        if bad and name in bad:
            return bad[name]
        if name == "kind":
            return "consent"
        if name == "manifest_id":
            return "urn:uuid:0"
        collection = next(
            (part for part in reversed(path[: match.start()].strip("/").split("/")) if part in ids), None
        )
        return str(ids.get(collection, 1))

    return re.sub(r"\{(\w+)\}", fill, path)


# --- JSON nested 10,000 deep -------------------------------------------------------------------


JSON_OPERATIONS = [
    (p, m) for p, m, op in OPERATIONS if "application/json" in op.get("requestBody", {}).get("content", {})
]


def test_every_json_endpoint_is_in_the_schema():
    """The operations below are read from the schema: a sanity check that it lists them."""
    assert {
        ("/api/grants/", "post"),
        ("/api/training-clearance/", "post"),
        ("/api/ledger/witness/", "post"),
        ("/api/generation/requests/check/", "post"),
    } <= set(JSON_OPERATIONS)


def test_deep_json_is_refused_by_every_api_endpoint_and_writes_nothing(world, api, settings, records):
    before = state(settings)
    for path, method in JSON_OPERATIONS:
        for user in (world.clearance, world.producer_a, None):
            response = api(user).generic(
                method.upper(), _path(path, records.ids), DEEP, content_type="application/json"
            )
            refused(response)
    assert state(settings) == before


@pytest.mark.parametrize("page", ["request_new", "request_preview"])
def test_hostile_text_in_an_engine_parameters_field_is_refused_beside_the_field(
    world, client, settings, page
):
    from ..generation.conftest import Gate

    gate = Gate(world)
    client.force_login(world.producer_a)
    before = state(settings)
    form = request_form(gate.shot, gate.plate)
    for value in (DEEP, '{"a": ' * 5_000 + "1" + "}" * 5_000, "nan", "1e999", "0.4; drop", "٣"):
        response = client.post(
            f"/productions/{world.prod_a.pk}/requests/{'new' if page == 'request_new' else 'preview'}/",
            {**form, "param_fog_density": value},
        )
        body = response.content.decode()
        if page == "request_new":
            assert response.status_code == 400, response.status_code
            # Beside its own field, in words, with the field marked invalid.
            field = body[body.index('id="f-param_fog_density"') :]
            assert 'aria-invalid="true"' in field[: field.index(">")]
            assert "Fog density must be a number, such as 0.5." in field[: field.index("</fieldset>")]
        else:  # the preview is a fragment that htmx swaps in: it lists the problems
            assert response.status_code == 200 and "Fog density must be a number" in body
    assert state(settings) == before


def test_deep_json_in_every_field_of_the_record_forms_is_refused(world, client, settings, records):
    client.force_login(world.clearance)
    existing = {
        "grant": records.grant.pk,
        "consent": records.consent.pk,
        "reservation": records.reservation.pk,
    }
    before = state(settings)
    for kind, record in RECORDS.items():
        deep = {name: DEEP for name in record.input().fields}
        for url in (
            f"/productions/{world.prod_a.pk}/records/{kind}/new/",
            f"/records/{kind}/{existing[kind]}/amend/",
            f"/records/{kind}/{existing[kind]}/revoke/",
        ):
            response = client.post(url, {**deep, "reason": DEEP})
            assert response.status_code in (400, 409), (url, response.status_code)
    assert state(settings) == before


# --- Unicode digits in every numeric query parameter and path ---------------------------------


def _numeric_parameters():
    for path, method, op in OPERATIONS:
        for p in op.get("parameters", []):
            if _resolve(p.get("schema", {})).get("type") == "integer":
                yield path, method, p["name"], p["in"]


NUMERIC = sorted(set(_numeric_parameters()))


def test_the_schema_lists_numeric_parameters():
    names = {(path, name) for path, _, name, _ in NUMERIC}
    assert {
        ("/api/grants/", "page_size"),
        ("/api/grants/", "production"),
        ("/api/ledger/proofs/inclusion/", "tree_size"),
        ("/api/c2pa/v1/matches/byBinding", "maxResults"),
        ("/api/grants/{id}/", "id"),
    } <= names


def test_unicode_digits_are_refused_in_every_numeric_query_parameter_and_path(world, api, settings, records):
    from rightsledger.ledger import checkpoints

    checkpoints.ledger_publish()
    before = state(settings)
    client = api(world.clearance)
    for path, method, name, where in NUMERIC:
        for digits in UNICODE_DIGITS:
            if where == "path":
                response = client.generic(method.upper(), _path(path, records.ids, bad={name: digits}))
                assert refused(response, 404), (path, name, digits)
                continue
            # The other parameters this operation needs, as a caller would give them.
            query = {
                "seq": "1",
                "from": "1",
                "to": "1",
                "alg": "com.rightsledger.phash.1",
                "value": "AAAAAAAAAAA=",
            }
            query = {
                k: v
                for k, v in query.items()
                if any(p["name"] == k for p in dict(SCHEMA["paths"][path])[method].get("parameters", []))
            }
            query[name] = digits
            response = client.generic(
                method.upper(),
                _path(path, records.ids) + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
            )
            assert response.status_code == 400, (
                path,
                name,
                digits,
                response.status_code,
                response.content[:300],
            )
            error = response.json()["errors"][0]
            assert error["field"] == name and "whole number" in error["message"], (path, name, error)
    assert state(settings) == before


@pytest.mark.django_db(transaction=True)
def test_a_tree_size_beyond_the_tree_is_a_404_not_a_500(world, api, ledger_key):
    from rightsledger.ledger import checkpoints

    f.make_asset(world.prod_a, seed=41)
    # The tree takes entries once every older transaction of the server has ended (tests of other
    # databases on the same server among them): publish until it has.
    for _ in range(300):
        checkpoint = checkpoints.ledger_publish()
        if checkpoint is not None:
            break
        time.sleep(0.1)
    entry = LedgerEntry.objects.filter(production=world.prod_a).order_by("seq").first()
    client = api(world.clearance)
    assert (
        client.get(f"/api/ledger/proofs/inclusion/?seq={entry.seq}&tree_size={checkpoint.size}").status_code
        == 200
    )
    for size in (checkpoint.size + 1, 1_000, 2**62, 2**63 - 1):
        response = client.get(f"/api/ledger/proofs/inclusion/?seq={entry.seq}&tree_size={size}")
        assert "has not reached size" in refused(response, 404), size
    assert refused(client.get(f"/api/ledger/proofs/inclusion/?seq={entry.seq}&tree_size={2**63}"), 400)


def _portal_routes(patterns=None, prefix=""):
    from portal import urls

    for p in patterns if patterns is not None else urls.urlpatterns:
        if isinstance(p, URLResolver):
            yield from _portal_routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield p.name, prefix + str(p.pattern)


PORTAL_ROUTES = sorted(set(_portal_routes()))


def test_unicode_digits_in_the_portals_paths_and_forms_are_refused(world, client, settings):
    from ..generation.conftest import Gate

    gate = Gate(world)
    client.force_login(world.clearance)
    before = state(settings)
    numeric = [(name, route) for name, route in PORTAL_ROUTES if "<int:" in route]
    assert len(numeric) > 15
    for name, route in numeric:
        for digits in UNICODE_DIGITS:
            path = "/" + re.sub(r"<int:\w+>", digits, route).replace("<str:kind>", "grant")
            assert client.get(path).status_code == 404, (name, path)
            assert client.post(path, {}).status_code == 404, (name, path)
    # An asset ticked in the request form is an id: "²" passes isdigit() and int() refuses it.
    client.force_login(world.producer_a)
    form = request_form(gate.shot)
    for digits in UNICODE_DIGITS:
        response = client.post(f"/productions/{world.prod_a.pk}/requests/new/", {**form, "asset": digits})
        assert response.status_code == 400 and "whole number" in response.content.decode(), (
            digits,
            response.status_code,
        )
    assert state(settings) == before


# --- A Content-Length that is not a number ----------------------------------------------------


@pytest.mark.parametrize("length", ["lots", "-1", "1e3", "١٢", " 12"])
def test_a_content_length_that_is_not_a_number_is_refused_everywhere(
    world, api, client, settings, records, length
):
    before = state(settings)
    for path, method, op in OPERATIONS:
        response = api(None if _anonymous(path, op) else world.clearance).generic(
            method.upper(),
            _path(path, records.ids),
            b"{}",
            content_type="application/json",
            CONTENT_LENGTH=length,
        )
        assert refused(response, 400) and response.json()["errors"][0]["code"] == "content_length_invalid", (
            path,
            method,
        )
    client.force_login(world.clearance)
    for name, route in PORTAL_ROUTES:
        path = "/" + re.sub(r"<int:\w+>", "1", route).replace("<str:kind>", "grant")
        for method in ("GET", "POST"):
            response = client.generic(
                method, path, b"a=1", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=length
            )
            assert "Content-Length" in refused(response, 400), (name, method)
    assert state(settings) == before


# --- Wrong types in every JSON field of the anonymous endpoints --------------------------------


WRONG = [5, -1, 1.5, True, None, "text", "", [], {}, [5], ["x"], {"k": 1}, [[]], [{}], [None]]
ANONYMOUS_JSON = [
    (p, m, op)
    for p, m, op in OPERATIONS
    if _anonymous(p, op) and "application/json" in op.get("requestBody", {}).get("content", {})
]


def test_the_anonymous_json_endpoints_are_found():
    assert {("/api/training-clearance/", "post"), ("/api/auth/token/", "post")} <= {
        (p, m) for p, m, _ in ANONYMOUS_JSON
    }


def test_wrong_types_in_every_json_field_of_the_anonymous_endpoints_are_refused(api, settings, db):
    before = state(settings)
    for path, method, op in ANONYMOUS_JSON:
        body = _resolve(op["requestBody"]["content"]["application/json"]["schema"])
        fields = list(body.get("properties", {}))
        assert fields, path
        for field in fields:
            for value in WRONG:
                response = api(None).generic(
                    method.upper(), path, json.dumps({field: value}), content_type="application/json"
                )
                refused(response)
        if path == "/api/training-clearance/":
            # Inside each fingerprint, too.
            good = {"sha256": "a" * 64, "phash": "0" * 16, "phashes": ["0" * 16]}
            for key in good:
                for value in WRONG:
                    response = api(None).post(path, {"fingerprints": [{**good, key: value}]}, format="json")
                    if not (
                        key == "phash" and value is None or key == "phashes" and value in ([], None)
                    ):  # valid: no pHash, no frames
                        refused(response, 400)
    assert state(settings) == before


# --- Decompression bombs ----------------------------------------------------------------------

# Each operation that takes a file, and how it is sent one. /api/verify/ reads the file's
# Content Credentials and decodes no pixels: it answers what it finds (none), never a 500.
READS_NO_PIXELS = {("/api/verify/", "post")}


def _record_json(path, world, records) -> dict:
    """A grant of the plate, or a consent of the performer, as the API takes them (without a hash)."""
    avails = {"media": ["theatrical"], "territories": ["WORLD"], "term_start": "2026-01-01"}
    if path == "/api/grants/":
        return {
            "grantor": world.party.pk,
            "production": world.prod_a.pk,
            "assets": [records.plate.pk],
            "uses": ["genai_input"],
            **avails,
        }
    return {
        "talent": records.talent.pk,
        "production": world.prod_a.pk,
        "grantor_role": "performer",
        "representation": "counsel",
        "replica_type": "employment_based",
        "modalities": ["face"],
        "intended_use_description": f.USE_DESCRIPTION,
        "permitted_uses": ["likeness"],
        **avails,
    }


def _send_file(path, method, world, api, records, name, data):
    if path == "/api/assets/":
        return api(world.clearance).post(
            path,
            {"production": world.prod_a.pk, "kind": "plate", "file": SimpleUploadedFile(name, data)},
            format="multipart",
        )
    if path in ("/api/grants/", "/api/consents/"):
        # A record's document: the record's JSON in one part, the file in the other.
        return api(world.clearance).post(
            path,
            {
                "record": json.dumps(_record_json(path, world, records)),
                "document": SimpleUploadedFile(name, data),
            },
            format="multipart",
        )
    if path in ("/api/grants/{id}/amend/", "/api/consents/{id}/amend/"):
        return api(world.clearance).post(
            _path(path, records.ids),
            {
                "amendment": json.dumps({"changes": {}, "reason": "The countersigned copy"}),
                "document": SimpleUploadedFile(name, data),
            },
            format="multipart",
        )
    if path == "/api/verify/":
        return api(None).post(path, {"file": SimpleUploadedFile(name, data)}, format="multipart")
    if path == "/api/training-clearance/":
        return api(None).post(path, {"files": [SimpleUploadedFile(name, data)]}, format="multipart")
    if path == "/api/c2pa/v1/matches/byContent":
        return api(None).generic("POST", path, data, content_type="image/png")
    raise AssertionError(f"{method.upper()} {path} takes a file: add how it is sent one here")


FILE_OPERATIONS = sorted((p, m) for p, m, op in OPERATIONS if _takes_binary(op))


def test_every_endpoint_that_takes_a_file_refuses_a_bomb_and_writes_nothing(
    world, api, client, settings, records
):
    assert {
        ("/api/assets/", "post"),
        ("/api/training-clearance/", "post"),
        ("/api/c2pa/v1/matches/byContent", "post"),
    } <= set(FILE_OPERATIONS)
    before = state(settings)
    for label, bomb in BOMBS.items():
        for path, method in FILE_OPERATIONS:
            response = _send_file(path, method, world, api, records, "bomb.png", bomb)
            if (path, method) in READS_NO_PIXELS:
                assert response.status_code == 200, (path, response.status_code)
                continue
            assert "pixels" in refused(response, 400), (label, path)
            assert response.json()["errors"][0]["code"] == "image_too_large", (label, path)
        # A generation request's uploaded inputs (multipart fields named by its inputs).
        body = records.body(
            inputs=[{"upload": "f", "role": "reference"}, {"asset": records.plate.pk, "role": "plate"}]
        )
        form = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in body.items()}
        for path in ("/api/generation/requests/", "/api/generation/requests/check/"):
            response = api(world.producer_a).post(
                path, {**form, "f": SimpleUploadedFile("bomb.png", bomb)}, format="multipart"
            )
            refused(response, 400)
        # The portal: the verify page (anyone), the asset register, the request form's uploads.
        client.logout()
        response = client.post("/verify/", {"file": SimpleUploadedFile("bomb.png", bomb)})
        assert response.status_code == 400 and "decodes is" in response.content.decode(), label
        client.force_login(world.clearance)
        response = client.post(
            f"/productions/{world.prod_a.pk}/assets/",
            {"kind": "plate", "file": SimpleUploadedFile("bomb.png", bomb)},
        )
        assert response.status_code == 400 and "pixels" in response.content.decode(), label
        response = client.post(
            f"/productions/{world.prod_a.pk}/records/grant/new/",
            {
                **_record_json("/api/grants/", world, records),
                "document": SimpleUploadedFile("bomb.png", bomb),
            },
        )
        assert response.status_code == 400 and "pixels" in response.content.decode(), label
        client.force_login(world.producer_a)
        form = request_form(records.shot, records.plate, upload_1_role="reference")
        for page in ("new", "preview"):
            response = client.post(
                f"/productions/{world.prod_a.pk}/requests/{page}/",
                {**form, "upload_1": SimpleUploadedFile("bomb.png", bomb)},
            )
            assert response.status_code in (200, 400) and "pixels" in response.content.decode(), (
                label,
                page,
                response.status_code,
            )
    assert state(settings) == before


def test_every_image_decode_goes_through_the_checked_open():
    """No module of the service opens an image but rightsledger.imaging: a new decode path that
    calls Pillow directly fails here."""
    root = Path(__file__).resolve().parents[2]
    direct = []
    for app in ("rightsledger", "provenance", "generation", "tracker", "portal", "config"):
        for source in (root / app).rglob("*.py"):
            text = source.read_text()
            if source.name != "imaging.py" and re.search(
                r"Image\.open\(|ImageFile\.Parser\(|imageio|cv2\.imread", text
            ):
                direct.append(str(source.relative_to(root)))
    assert direct == []


def test_the_checked_open_refuses_from_the_header_and_opens_the_rest():
    from PIL import Image

    from rightsledger.imaging import ImageRefused, open_image

    for bomb in BOMBS.values():
        with pytest.raises(ImageRefused):
            open_image(bomb)
    with pytest.raises(ImageRefused):
        open_image(images.png(1), max_pixels=100)
    with open_image(io.BytesIO(images.png(1))) as img:
        assert img.size == (320, 180)
    with pytest.raises(Image.UnidentifiedImageError):
        open_image(b"not an image")


def test_the_testers_wrong_type_to_training_clearance_is_a_400(api, db):
    for body in (
        {"sha256": 5},
        {"sha256": True},
        {"sha256": "a" * 64},
        {"fingerprints": 5},
        {"fingerprints": {"sha256": "a" * 64}},
    ):
        response = api(None).post("/api/training-clearance/", body, format="json")
        refused(response, 400)
