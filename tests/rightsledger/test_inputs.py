"""The one input policy (rightsledger.input_policy): what reaches the records and the append-only ledger.

Every endpoint that takes a JSON body, listed from the OpenAPI schema (a new one is covered
without being named here), refuses a control character in every text field, an oversized key or
value in every mapping, and a repeated item in every list, with a 400 that names the field, and
writes nothing. The services refuse them from any other caller, and `recording()` refuses them
in a ledger payload whoever built it.
"""

import datetime

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from generation import services as gen
from rightsledger import input_policy, services
from rightsledger.ledger.append import recording
from rightsledger.models import LedgerEntry, Party, RightsGrant, Talent

from .. import factories as f
from ..generation.conftest import Gate

CONTROL = "Ma\x1b[31m\x07ra Vega"
BIG_KEY = "k" * 100_000
BIG_VALUE = "v" * 1_000_000
# Endpoints whose JSON body the policy does not see, and why.
NOT_RECORDING = {"/api/auth/token/": "compares credentials, and writes nothing from its body"}


def rows() -> dict:
    """Return the number of rows of every model of the service's apps, the ledger included."""
    names = ("rightsledger", "generation", "provenance", "tracker")
    return {
        m._meta.label: m.objects.count() for name in names for m in apps.get_app_config(name).get_models()
    }


# --- The policy, pure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,code",
    [
        ({"name": CONTROL}, "control_character"),
        ({"name": "one\nline"}, "control_character"),  # a name is one line
        ({"note": "one\rline"}, "control_character"),  # a carriage return alone moves back over the line
        ({"name": "\u0085next line"}, "control_character"),  # C1
        ({"name": "half \ud800 of a pair"}, "control_character"),
        ({"assets": [7] * 5_000}, "too_many"),
        ({"assets": [7, 8, 7]}, "repeated_item"),
        ({"inputs": [{"asset": 1, "frames": [3, 3]}, {"asset": 2, "tags": ["a", "a"]}]}, "repeated_item"),
        ({"external_ids": {BIG_KEY: "x"}}, "key_too_long"),
        ({"external_ids": {"isni": "1" * (input_policy.MAX_VALUE + 1)}}, "too_long"),
        ({"restrictions": "x" * (input_policy.MAX_TEXT + 1)}, "too_long"),
        ({"parameters": {f"p{n}": n for n in range(input_policy.MAX_ITEMS + 1)}}, "too_many"),
    ],
)
def test_the_policy_refuses_each_kind_of_value_and_names_its_field(value, code):
    found = input_policy.problems(value)
    assert found and found[0].code == code, found
    top = found[0].field.split(".")[0]
    assert top == next(iter(value)) and top in found[0].message


@pytest.mark.parametrize(
    "value",
    [
        {
            "restrictions": "No use in trailers.\n\tExcept the teaser.",
            "note": "two\r\nlines",
            "reason": "a\tb",
        },
        {
            "frames": [12, 12],
            "release_window": ["2026-06-01", "2026-06-01"],
        },  # pairs may name one value twice
        {"assets": [1, 2, 3], "territories": ["US", "FR"], "sha256": "ab" * 32, "name": "María Álvarez 🎬"},
        {"external_ids": {"isni": "0000000121032683"}, "parameters": {"fog_density": 0.4, "grain": 0.4}},
        {"reasons": [{"rule": "R1", "subject": "input 1"}] * 2},  # a list of objects has rules of its own
        {"ids": [1, True, "1", 1.5]},  # different values
    ],
)
def test_the_policy_takes_well_formed_values(value):
    assert input_policy.problems(value) == []


def test_a_note_written_in_a_browser_keeps_its_lines():
    value = {"note": "one\r\ntwo\rthree", "name": "a\r\nb"}
    assert input_policy.normalized(value) == {"note": "one\ntwo\nthree", "name": "a\r\nb"}


# --- recording(): the ledger's last check -------------------------------------------------------


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"assets": [5] * 3}, "assets"),
        ({"party": 1, "name": CONTROL}, "name"),
        ({"ids": {BIG_KEY: 1}}, "ids"),
        ({"note": "x" * (input_policy.MAX_TEXT + 1)}, "note"),
        ({"nested": {"list": [{"a": [1, 2, 1]}]}}, "nested.list.0.a"),
    ],
)
def test_recording_refuses_a_payload_the_policy_refuses_and_writes_nothing(world, payload, field):
    before = rows()
    with pytest.raises(ValidationError) as refused:
        with recording(actor=None) as rec:
            party = Party.objects.create(studio=world.studio, name="Harbour Stock", kind="rights_holder")
            rec.append("party.created", payload, record=party)
    assert field in refused.value.message_dict and "Not recorded" in refused.value.message_dict[field][0]
    assert rows() == before


def test_recording_takes_any_well_formed_payload_of_ids_codes_digests_and_bounded_text(world):
    """Payloads change (free text becomes salted commitments): the check is generic."""
    payload = {
        "party": 1,
        "studio": world.studio.pk,
        "kind": "rights_holder",
        "assets": [3, 1, 2],
        "territories": ["FR", "US"],
        "name_sha256": "0f" * 32,
        "personal": {"legal_name": "ab" * 32, "aliases": ["cd" * 32, "ef" * 32]},
        "release_window": ["2026-06-01", "2026-06-01"],
        "inputs": [{"position": 1, "frames": [0, 0]}, {"position": 2}],
        "reason": "Expired.\nSee the contract's clause 4.",
        "empty": [],
        "none": None,
        "flag": True,
        "size": 2**40,
    }
    with recording(actor=None) as rec:
        party = Party.objects.create(studio=world.studio, name="Harbour Stock", kind="rights_holder")
        entry = rec.append("party.created", payload, record=party)
    assert entry.seq and LedgerEntry.objects.filter(seq=entry.seq).exists()


# --- The three examples the tester found --------------------------------------------------------


def test_a_grant_of_one_asset_listed_5000_times_is_refused(world, api):
    plate = f.make_asset(world.prod_a, seed=5)
    body = {
        "grantor": world.party.pk,
        "production": world.prod_a.pk,
        "assets": [plate.pk] * 5_000,
        "uses": ["genai_input"],
        "media": ["theatrical"],
        "territories": ["WORLD"],
        "term_start": "2026-01-01",
        "contract_sha256": f.sha("contract"),
    }
    before = rows()
    response = api(world.clearance).post("/api/grants/", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert error["field"] == "assets" and "assets" in error["message"]
    assert error["code"] in ("repeated_item", "too_many")
    for assets in ([plate.pk, plate.pk], [plate.pk] * 300):
        response = api(world.clearance).post("/api/grants/", {**body, "assets": assets}, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["code"] == "repeated_item"
    assert rows() == before
    # A service's caller that repeats an asset gets a grant that covers it, listed once.
    grant = f.make_grant(world.prod_a, world.party, [plate, plate, plate])
    entry = LedgerEntry.objects.get(record_type="grant", record_id=grant.pk)
    assert grant.assets.count() == 1 and bytes(entry.body).count(f"[{plate.pk}]".encode()) == 1


def test_control_characters_in_a_partys_name_are_refused(world, api):
    before = rows()
    body = {"studio": world.studio.pk, "name": CONTROL, "kind": "rights_holder"}
    response = api(world.clearance).post("/api/parties/", body, format="json")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["code"] == "control_character" and error["field"] == "name" and "U+001B" in error["message"]
    assert rows() == before
    assert not Party.objects.filter(name__contains="\x1b").exists()


def test_a_megabyte_key_in_external_ids_is_refused(world, api):
    before = rows()
    hostile = [
        ({"k" * 1_000_000: "x"}, "key_too_long"),
        ({"isni\x1b": "x"}, "control_character"),
        ({"isni": BIG_VALUE}, "too_long"),
    ]
    for external_ids, code in hostile:
        body = {"legal_name": "Ana Ruiz", "external_ids": external_ids}
        response = api(world.clearance).post("/api/talent/", body, format="json")
        assert response.status_code == 400 and len(response.content) < 2_000, response.content[:500]
        error = response.json()["errors"][0]
        assert error["code"] == code and error["field"].startswith("external_ids"), error
    assert rows() == before
    assert not Talent.objects.exists()


# --- Every JSON endpoint, from the schema -------------------------------------------------------


def _resolve(doc, schema):
    while True:
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


def _sample(doc, schema):
    schema = _resolve(doc, schema)
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        return {name: _sample(doc, p) for name, p in schema["properties"].items()}
    return {"integer": 1, "number": 0.5, "boolean": True, "array": [], "object": {"a": 1}}.get(kind, "US")


def _hostile(doc, schema, path=""):
    """Yield (value, field, code): for a schema, each hostile value the policy must refuse, the
    field the answer must name, and the code it must give."""
    schema = _resolve(doc, schema)
    kind = schema.get("type")
    if kind == "string":
        yield CONTROL, path, "control_character"
    elif kind == "array":
        item = schema.get("items", {})
        # A pair [first, last] may name one value twice; a list of objects has rules of its own
        # (a guild given twice in memberships, say).
        sample = _sample(doc, item)
        if path.rsplit(".", 1)[-1] not in input_policy.PAIRS and not isinstance(sample, (dict, list)):
            yield [sample] * 2, path, "repeated_item"
        for value, field, code in _hostile(doc, item, f"{path}.0"):
            yield [value], field, code
    elif kind == "object" and "properties" in schema:
        for name, prop in schema["properties"].items():
            if prop.get("readOnly"):
                continue
            for value, field, code in _hostile(doc, prop, f"{path}.{name}" if path else name):
                yield {name: value}, field, code
    elif kind in (None, "object"):  # a mapping, or any JSON value
        yield {BIG_KEY: "x"}, path, "key_too_long"
        yield {"key": CONTROL}, f"{path}.key", "control_character"
        yield {"key": BIG_VALUE}, f"{path}.key", "too_long"


class Records:
    """One record of each kind a JSON endpoint's path names, in production A."""

    def __init__(self, world):
        gate = Gate(world)
        reservation = services.reservation_create(
            actor=None,
            subject_type="asset",
            asset=gate.plate,
            uses=["ai_training"],
            source="contract",
            effective_date=datetime.date(2026, 1, 1),
        )
        request = gen.request_submit(
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
        consent = f.make_consent(world.prod_a, gate.talent)
        flag = services.consent_flag(
            actor=world.guild_rep, consent=consent, guild=world.guild, reason="Is this signed?"
        )
        # A path's {id} follows the collection it names; a named parameter names its own record.
        self.ids = {
            "grants": gate.grant.pk,
            "consents": consent.pk,
            "consent": consent.pk,
            "flag": flag.pk,
            "reservations": reservation.pk,
            "talent": gate.talent.pk,
            "requests": request.pk,
            "productions": world.prod_a.pk,
            "production": world.prod_a.pk,
            "action": services.labour_action_record(
                actor=None, production=world.prod_a, guild=world.guild, started_on=datetime.date(2026, 11, 1)
            ).pk,
        }

    def path(self, template: str) -> str:
        if "{" not in template:
            return template
        parts = template.rstrip("/").split("/")
        for i, part in enumerate(parts):
            if part.startswith("{"):
                kind = parts[i - 1] if part == "{id}" else part[1:-1]
                assert kind in self.ids, f"{template}: give test_inputs.Records a record for its path"
                parts[i] = str(self.ids[kind])
        return "/".join(parts) + "/"


def _json_operations(doc):
    for path, operations in sorted(doc["paths"].items()):
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in ("post", "put", "patch") and body and path not in NOT_RECORDING:
                yield method, path, body["schema"]


def test_every_json_endpoint_refuses_hostile_text_mappings_and_lists_naming_the_field(world, api):
    operator = get_user_model().objects.create_superuser("operator", "ops@example.com", None)
    client = api(operator)
    doc = client.get("/api/schema/?format=json").json()
    records = Records(world)
    before = rows()
    operations, cases, problems = set(), 0, []
    for method, template, schema in _json_operations(doc):
        operations.add(template)
        path = records.path(template)
        for body, field, code in _hostile(doc, schema):
            cases += 1
            response = getattr(client, method)(path, body, format="json")
            is_json = response["Content-Type"].startswith("application/json")
            errors = response.json().get("errors", []) if is_json else []
            named = [
                e
                for e in errors
                if e["code"] == code
                and (e["field"] or "").startswith(field)
                and field.split(".")[0] in e["message"]
            ]
            if response.status_code != 400 or not named:
                problems.append(
                    f"{method.upper()} {template} {field} ({code}): "
                    f"{response.status_code} {str(errors)[:300]}"
                )
    assert not problems, "\n".join(problems)
    assert rows() == before, "a refused request wrote something"
    # The endpoints the tester named, and those with lists and mappings, are among them.
    named = {
        "/api/grants/",
        "/api/parties/",
        "/api/talent/",
        "/api/generation/requests/",
        "/api/grants/{id}/amend/",
        "/api/consents/{id}/revoke/",
        "/api/ledger/witness/",
    }
    assert named <= operations and cases > 150, (sorted(operations), cases)


# --- The services, whoever calls them ----------------------------------------------------------


def test_services_refuse_control_characters_in_notes_reasons_and_file_names(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .. import images

    plate = f.make_asset(world.prod_a, seed=6)
    grant = f.make_grant(world.prod_a, world.party, [plate])

    def register(name="p.png", title=""):
        upload = SimpleUploadedFile(name, images.png(9))
        return services.asset_register(
            actor=None, production=world.prod_a, upload=upload, kind="plate", title=title
        )

    before = rows()
    for call, field in [
        (lambda: services.grant_revoke(actor=world.clearance, grant=grant, reason="Gone\x1b[2J"), "reason"),
        (lambda: f.make_grant(world.prod_a, world.party, [plate], restrictions="No\x07"), "restrictions"),
        (lambda: register(name="plate\x1b.png"), "file"),
        (lambda: register(title="Title\x1b"), "title"),
        (
            lambda: services.shot_create(actor=None, production=world.prod_a, code="E1", sequence="E\x00"),
            "sequence",
        ),
    ]:
        with pytest.raises(ValidationError) as refused:
            call()
        message = refused.value.message_dict[field][0]
        assert message.startswith(f"{field} holds a control character"), refused.value.message_dict
    assert rows() == before
    # A note keeps its lines and tabs; the line ends a browser sends are read as newlines.
    revoked = services.grant_revoke(actor=world.clearance, grant=grant, reason="Expired.\r\n\tSee clause 4.")
    assert RightsGrant.objects.get(pk=revoked.pk).reason == "Expired.\n\tSee clause 4."


def test_portal_forms_show_the_policys_message_beside_the_field(world, client):
    client.force_login(world.clearance)
    plate = f.make_asset(world.prod_a, seed=7)
    form = {
        "grantor": world.party.pk,
        "assets": [plate.pk],
        "uses": ["genai_input"],
        "media": ["theatrical"],
        "territories": "WORLD",
        "term_start": "2026-01-01",
        "contract_sha256": f.sha("c"),
        "exclusivity": "non_exclusive",
    }
    page = f"/productions/{world.prod_a.pk}/records/grant/new/"
    before = rows()
    response = client.post(page, {**form, "restrictions": "None\x1b[31m"})
    assert response.status_code == 400
    assert "restrictions holds a control character" in response.content.decode()
    response = client.post(page, {**form, "territories": "US, FR, US"})
    assert response.status_code == 400
    assert "territories lists &#x27;US&#x27; more than once" in response.content.decode()
    assert rows() == before
