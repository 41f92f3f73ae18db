"""Personal data: the ledger commits to it and never holds it, and a performer's erasure removes
it everywhere while the ledger, its audit and every proof stay whole."""

import datetime
import json

import pytest
from django.db import DatabaseError, connection, transaction

from generation import services as gen
from generation.models import Decision, GenerationRequest
from rightsledger import personal, services
from rightsledger.ledger import audit, checkpoints, sequencer
from rightsledger.models import ConsentFlag, ConsentRecord, LedgerEntry, Talent, TalentName
from rightsledger.tlog.verify import main as verify_main

from .. import factories as f

# The sequencer takes only entries whose transactions have ended, so these tests commit.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_key")]

LEGAL, STAGE, ALIAS = "Ximena Quintero-Valdés", "Xima Valdez", "La Xima"
SIGNER = "Ophelia Brandtner"  # the estate's representative who signed
USE = (
    "Digital replica of Ximena Quintero-Valdés's face for the harbour scenes of episode 102, shots 10 to 60."
)
MEMBER = "SAG-77123"
NAMES = (LEGAL, STAGE, ALIAS, SIGNER, "Quintero", "Valdés", "Valdes", "Brandtner", MEMBER)


@pytest.fixture
def performer(world):
    talent = f.make_talent(
        LEGAL, guild=world.guild, member_id=MEMBER, professional_name=STAGE, aliases=[ALIAS]
    )
    consent = f.make_consent(
        world.prod_a,
        talent,
        grantor_role="estate_representative",
        grantor_name=SIGNER,
        intended_use_description=USE,
        permitted_uses=["atmosphere", "likeness"],
        compensation_reference="PAY-XQV-7",
    )
    amended = services.consent_amend(
        actor=world.clearance,
        consent=consent,
        changes={"media": ["theatrical"]},
        reason=f"{SIGNER} asked for theatrical only.",
    )
    services.consent_flag(
        actor=world.guild_rep,
        consent=amended,
        guild=world.guild,
        reason=f"Ask {SIGNER} to confirm the scenes.",
    )
    return talent, consent, amended


def _mentions(text: str) -> list[str]:
    return [n for n in NAMES if n.lower() in text.lower()]


def _ledger_text() -> str:
    return "\n".join(
        bytes(b).decode() for b in LedgerEntry.objects.order_by("seq").values_list("body", flat=True)
    )


def test_consent_entries_hold_commitments_that_open_only_with_the_salt(world, performer):
    talent, consent, amended = performer
    assert _mentions(_ledger_text()) == []
    for record, entry_type in ((consent, "consent.created"), (amended, "consent.amended")):
        record.refresh_from_db()
        entry = LedgerEntry.objects.get(record_type="consent", record_id=record.pk)
        payload = json.loads(bytes(entry.body))["payload"]
        assert entry.entry_type == entry_type
        values = {name: getattr(record, name) for name in ConsentRecord.personal_fields}
        assert personal.opens(payload["personal"], record.personal_salt, values)
        # Another value, or another salt, does not open it: a guess cannot be confirmed without the salt.
        assert not personal.opens(
            payload["personal"], record.personal_salt, {**values, "grantor_name": "Someone Else"}
        )
        assert not personal.opens(payload["personal"], personal.new_salt(), values)
    assert set(
        json.loads(bytes(LedgerEntry.objects.get(record_type="consent", record_id=amended.pk).body))[
            "payload"
        ]["personal"]
    ) == {"grantor_name", "intended_use_description", "compensation_reference", "reason"}
    # The member id is committed to in the talent's entry, with the talent's salt.
    registered = json.loads(
        bytes(LedgerEntry.objects.get(entry_type="talent.registered", record_id=talent.pk).body)
    )["payload"]
    talent.refresh_from_db()
    assert registered["memberships"] == [
        {
            "guild": world.guild.pk,
            "member_id": personal.commitment(talent.personal_salt, f"member_id:{world.guild.pk}", MEMBER),
        }
    ]


def test_the_database_refuses_any_change_to_a_consent_but_an_erasure(world, performer):
    _, consent, _ = performer
    for change in (
        {"media": ["tv"]},
        {"intended_use_description": "changed"},
        {"intended_use_description": "", "erased_at": datetime.datetime.now(datetime.UTC)},
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            ConsentRecord.objects.filter(pk=consent.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentRecord.objects.filter(pk=consent.pk).delete()


def test_an_erasure_end_to_end(world, api, performer, ledger_key, tmp_path):
    talent, consent, amended = performer
    shot = f.make_shot(world.prod_a)
    plate = f.make_asset(world.prod_a, seed=71, owner=world.party)
    likeness = f.make_asset(world.prod_a, seed=72, kind="likeness_reference", talent=talent)
    f.make_grant(
        world.prod_a,
        world.party,
        [plate, likeness],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
    )
    args = dict(
        production=world.prod_a,
        shot=shot,
        engine="atmosphere",
        seed=1,
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2027, 5, 31),
        inputs=[{"asset": plate, "role": "plate"}, {"asset": likeness, "role": "likeness"}],
        prompt=f"{STAGE} in the rain at dusk",
    )
    request = gen.request_submit(actor=world.producer_a, **args)
    assert request.status == "needs_clearance"
    assert _mentions(
        " ".join(r["message"] for r in request.decisions.get().reasons)
    )  # the sentences name her, the ledger does not

    # Only the operator erases, on a named basis.
    operator = _superuser()
    assert (
        api(world.admin)
        .post(f"/api/talent/{talent.pk}/erase/", {"basis": "estate_request"}, format="json")
        .status_code
        == 403
    )
    refused = api(operator).post(f"/api/talent/{talent.pk}/erase/", {"basis": "because"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "basis"
    response = api(operator).post(
        f"/api/talent/{talent.pk}/erase/", {"basis": "estate_request"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["legal_name"] == "" and response.json()["erased_at"]
    assert (
        api(operator)
        .post(f"/api/talent/{talent.pk}/erase/", {"basis": "estate_request"}, format="json")
        .status_code
        == 409
    )

    # The records are gone: names, index, member id, every consent version's personal fields and
    # salt, flags, prompts, sentences.
    talent.refresh_from_db()
    assert (talent.legal_name, talent.professional_name, talent.aliases, talent.personal_salt) == (
        "",
        "",
        [],
        "",
    )
    assert not TalentName.objects.filter(talent=talent).exists()
    versions = list(ConsentRecord.objects.filter(talent=talent).order_by("id"))
    assert len(versions) == 3 and versions[-1].status == "revoked"  # the consent in force was revoked first
    for v in versions:
        assert (
            v.erased_at
            and v.personal_salt == ""
            and all(getattr(v, n) == "" for n in ConsentRecord.personal_fields)
        )
    assert ConsentFlag.objects.get().reason == ""
    stored = " ".join(
        [
            *GenerationRequest.objects.values_list("prompt", flat=True),
            *(r["message"] for d in Decision.objects.all() for r in d.reasons),
            json.dumps(list(Talent.objects.values()), default=str),
            json.dumps(list(ConsentRecord.objects.values()), default=str),
            *talent.memberships.values_list("member_id", flat=True),
            _ledger_text(),
        ]
    )
    assert _mentions(stored) == []
    # The commitments in the ledger can no longer be opened, even by someone who knew the values.
    first = json.loads(bytes(LedgerEntry.objects.get(record_type="consent", record_id=consent.pk).body))[
        "payload"
    ]["personal"]
    assert not personal.opens(
        first,
        versions[0].personal_salt,
        {"grantor_name": SIGNER, "intended_use_description": USE, "compensation_reference": "PAY-XQV-7"},
    )
    # The tombstone.
    tomb = LedgerEntry.objects.get(entry_type="talent.erased")
    assert json.loads(bytes(tomb.body))["payload"] == {
        "talent": talent.pk,
        "basis": "estate_request",
        "consents": [v.pk for v in versions],
        "likeness_assets": [likeness.pk],
        "redacted": [],
    }

    # Nothing can rely on her any more: the same request is refused.
    assert gen.request_check(**{**args, "prompt": "rain at dusk"}).outcome == "refused"

    # The ledger is whole: every entry sequenced, the audit passes, the guild's proof bundle verifies.
    while sequencer.ledger_integrate():
        pass
    checkpoints.ledger_publish()
    result = audit.ledger_audit()
    assert result.ok, result.problems
    bundle = api(world.guild_rep).get(f"/api/consents/{consent.pk}/proofs/").json()
    assert {e["type"] for e in bundle["entries"]} == {
        "consent.created",
        "consent.amended",
        "consent.revoked",
    } and bundle["pending"] == []
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    assert verify_main(["bundle", str(path), "--key", ledger_key]) == 0
    # The guild's page shows the record without naming her.
    page = api(world.guild_rep)
    page.force_login(world.guild_rep)
    html = page.get(f"/guild/consents/{consent.pk}/").content.decode()
    assert f"Erased performer (talent {talent.pk})" in html and "Erased on" in html and _mentions(html) == []
    assert connection.vendor == "postgresql"


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("operator", "ops@example.com", None)


# --- Free text enters the ledger only as salted commitments --------------------------------------

MARK = "Zebediah Quolk"  # a name that no fixture uses: wherever it is typed, the ledger must not hold it


def test_every_text_field_of_a_ledger_backed_record_is_declared_free_text_or_a_code():
    """A new text field of a record with ledger entries is either committed to (personal_fields)
    or named here as a code (a vocabulary value, an identifier, a hash): adding one without
    deciding fails this test."""
    from django.apps import apps

    from rightsledger.erasure import text_fields

    codes = {
        "rightsledger.studio": {"slug"},
        "rightsledger.production": {"code", "output_disclosure", "label_corner", "performer_rules"},
        "rightsledger.shot": {"code"},
        "rightsledger.party": {"kind"},
        "rightsledger.guild": {"witness_key"},
        "rightsledger.asset": {"sha256", "kind", "media_type", "codec", "file", "origin"},
        "rightsledger.rightsgrant": {
            "uses",
            "media",
            "territories",
            "territory_exclusions",
            "languages",
            "exclusivity",
            "contract_sha256",
        },
        "rightsledger.consentrecord": {
            "grantor_role",
            "representation",
            "replica_type",
            "modalities",
            "permitted_uses",
            "prohibited_uses",
            "permitted_shots",
            "permitted_scenes",
            "media",
            "territories",
            "territory_exclusions",
            "languages",
            "training_permission",
            "evidence_sha256",
            "revocation_scope",
        },
        "rightsledger.trainingreservation": {"subject_type", "uses", "source"},
        "rightsledger.role": {"kind"},
        "rightsledger.consentflag": {"state", "outcome"},
        "rightsledger.witnessedcheckpoint": {"note"},  # a signed checkpoint note: origin, size and root
        "tracker.trackerlink": {"tracker", "kind", "external_id"},
        "generation.generationrequest": {
            "engine",
            "engine_version",
            "parameters",
            "intended_use",
            "media",
            "territories",
            "territory_exclusions",
            "languages",
            "status",
        },
        "generation.requestinput": {"role", "sha256", "match", "modality"},
        "generation.decision": {"kind", "outcome"},
        "generation.generationoutput": {"engine_metadata"},
        "generation.outputdisclosure": {"position", "basis"},
        "provenance.lineageedge": {"role"},
        "provenance.signingidentity": {
            "name",
            "chain_pem",
            "key_path",
            "passphrase_env",
            "passphrase_file",
            "callback",
            "subject",
            "issuer",
            "fingerprint",
        },
        "provenance.signedoutput": {"manifest_label", "manifest"},
        "provenance.assetcredential": {
            "validation_state",
            "failures",
            "active_manifest",
            "manifest_store",
            "training_mining",
        },
    }
    undecided = []
    for model in apps.get_models():
        if not hasattr(model, "ledger_type"):
            continue
        label = model._meta.label_lower
        declared = (
            set(getattr(model, "personal_fields", ()))
            | codes.get(label, set())
            | {"personal_salt", "action", "status"}
        )
        undecided += [f"{label}.{f.name}" for f in text_fields(model) if f.name not in declared]
        if getattr(model, "personal_fields", ()):
            assert any(f.name == "personal_salt" for f in model._meta.concrete_fields), label
    assert undecided == []


def _entries_since(seq: int) -> list[dict]:
    return [
        json.loads(bytes(b))
        for b in LedgerEntry.objects.filter(seq__gt=seq).order_by("seq").values_list("body", flat=True)
    ]


def test_free_text_of_every_kind_enters_the_ledger_as_commitments_that_open_with_the_row(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from generation.models import SignOff
    from rightsledger.models import Asset, Guild, Party, RightsGrant, Shot, Studio, TrainingReservation
    from tests import images
    from tracker import services as tracker

    start = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    studio = services.studio_create(actor=None, name=f"{MARK} Studios", slug="studio-z")
    guild = services.guild_create(actor=None, name=f"{MARK} Guild")
    party = services.party_create(
        actor=world.clearance, studio=world.studio, name=f"Estate of {MARK}", kind="estate"
    )
    shot = services.shot_create(
        actor=None,
        production=world.prod_a,
        code="EP9_SH0010",
        sequence=f"{MARK} arrives",
        description=f"{MARK} on the quay",
        reel=f"{MARK}_A001",
    )
    shot = services.shot_update(
        actor=None,
        shot=shot,
        changes={"description": f"{MARK} leaves", "frame_in": 1001},
        reason=f"Asked by {MARK}",
    )
    upload = SimpleUploadedFile(f"{MARK.replace(' ', '_')}.png", images.png(5), content_type="image/png")
    asset, _ = services.asset_register(
        actor=world.clearance, production=world.prod_a, upload=upload, kind="plate", title=f"{MARK} plate"
    )
    grant = f.make_grant(
        world.prod_a,
        party,
        [asset],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
        restrictions=f"Never beside {MARK}.",
    )
    grant = services.grant_amend(
        actor=world.clearance, grant=grant, changes={"requires_review": True}, reason=f"{MARK}'s lawyer asked"
    )
    reservation = services.reservation_create(
        actor=world.clearance,
        subject_type="party",
        party=party,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
        note=f"{MARK} reserves it",
    )
    talent = f.make_talent(MARK, guild=world.guild, member_id="QK-1", aliases=[f"{MARK} Jr"])
    consent = f.make_consent(world.prod_a, talent, permitted_uses=["likeness", "atmosphere"])
    flag = services.consent_flag(
        actor=world.guild_rep, consent=consent, guild=world.guild, reason=f"{MARK} did not sign this"
    )
    link = tracker.project_link(
        actor=world.admin, production=world.prod_a, external_id="zou-q", external_name=f"{MARK} project"
    )
    likeness = f.make_asset(world.prod_a, seed=77, kind="likeness_reference", talent=talent)
    plate = f.make_asset(world.prod_a, seed=78, owner=world.party)
    f.make_grant(
        world.prod_a,
        world.party,
        [plate, likeness],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
    )
    request = gen.request_submit(
        actor=world.producer_a,
        production=world.prod_a,
        shot=shot,
        engine="atmosphere",
        seed=1,
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
        prompt=f"{MARK} in the rain",
        inputs=[{"asset": plate, "role": "plate"}, {"asset": likeness, "role": "likeness"}],
    )
    assert request.status == "needs_clearance"
    sign_off = gen.request_sign_off(
        actor=world.clearance, request=request, approve=False, comment=f"{MARK} is not in this scene"
    )

    entries = _entries_since(start)
    assert MARK.split()[1].lower() not in json.dumps(entries, ensure_ascii=False).lower()
    # Each entry about a record with free text commits to it, with the row's salt.
    by_record = {
        ("studio", studio.pk): Studio,
        ("guild", guild.pk): Guild,
        ("party", party.pk): Party,
        ("shot", shot.pk): Shot,
        ("asset", asset.pk): Asset,
        ("grant", grant.pk): RightsGrant,
        ("reservation", reservation.pk): TrainingReservation,
        ("consent_flag", flag.pk): ConsentFlag,
        ("sign_off", sign_off.pk): SignOff,
        ("tracker_link", link.pk): type(link),
        ("generation_request", request.pk): GenerationRequest,
    }
    checked = set()
    for entry in LedgerEntry.objects.filter(seq__gt=start):
        model = by_record.get((entry.record_type, entry.record_id))
        if model is None:
            continue
        row = model.objects.get(pk=entry.record_id)
        payload = json.loads(bytes(entry.body))["payload"]
        values = {name: getattr(row, name) for name in model.personal_fields}
        if entry.entry_type == "shot.created":
            continue  # committed to the text as it was then
        assert personal.opens(payload["personal"], row.personal_salt, values), entry.entry_type
        assert not personal.opens(payload["personal"], personal.new_salt(), values)
        checked.add(entry.record_type)
    assert checked == {k for k, _ in by_record}
    decision = json.loads(bytes(LedgerEntry.objects.get(seq=request.decisions.get().ledger_seq).body))[
        "payload"
    ]
    assert personal.opens(
        decision["personal"],
        request.decisions.get().personal_salt,
        {"reasons": request.decisions.get().reasons},
    )


# --- An erasure reaches every text field ----------------------------------------------------------


def _norm_has(text: str, term: str) -> bool:
    from rightsledger.names import normalize

    return f" {normalize(term)} " in f" {normalize(text)} "


def test_the_preview_lists_every_field_that_names_the_performer_and_the_erasure_redacts_those_confirmed(
    world, api, performer
):
    from rightsledger.models import Asset, Party, RightsGrant, Shot, TrainingReservation

    talent, consent, _ = performer
    operator = _superuser()
    party = services.party_create(
        actor=world.clearance, studio=world.studio, name=f"Estate of {LEGAL}", kind="estate"
    )
    kept = services.party_create(
        actor=world.clearance, studio=world.studio, name=f"Friends of {STAGE}", kind="agency"
    )
    shot = services.shot_create(
        actor=None,
        production=world.prod_a,
        code="EP9_SH0020",
        description="XIMENA QUINTERO-VALDES at the window",
    )
    reservation = services.reservation_create(
        actor=world.clearance,
        subject_type="party",
        party=party,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
        note=f"Reserved for {ALIAS}.",
    )
    grant = f.make_grant(
        world.prod_a,
        party,
        [f.make_asset(world.prod_a, seed=61)],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
        restrictions=f"Only with {MEMBER}'s approval",
    )
    likeness = f.make_asset(world.prod_a, seed=62, kind="likeness_reference", talent=talent)
    Asset.objects.filter(pk=likeness.pk).update(
        original_filename="ximena_quintero-valdes_face.PNG", title=f"{STAGE} reference"
    )
    namesake = f.make_talent(LEGAL)  # another performer of the same name: her name is her own, not a mention

    url = f"/api/talent/{talent.pk}/erasure-preview/"
    assert api(world.admin).get(url).status_code == 403
    response = api(operator).get(url)
    assert response.status_code == 200, response.content
    keys = {x["key"] for x in response.json()["fields"]}
    expected = {
        f"rightsledger.party:{party.pk}:name",
        f"rightsledger.party:{kept.pk}:name",
        f"rightsledger.shot:{shot.pk}:description",
        f"rightsledger.trainingreservation:{reservation.pk}:note",
        f"rightsledger.rightsgrant:{grant.pk}:restrictions",
        f"rightsledger.asset:{likeness.pk}:title",
        f"rightsledger.asset:{likeness.pk}:original_filename",
        f"rightsledger.talent:{talent.pk}:legal_name",
    }
    assert expected <= keys, expected - keys
    assert not any(k.startswith(f"rightsledger.talent:{namesake.pk}:") for k in keys)
    # A key that is not in the preview is refused, and nothing is written.
    before = LedgerEntry.objects.count()
    refused = api(operator).post(
        f"/api/talent/{talent.pk}/erase/",
        {"basis": "performer_request", "fields": ["rightsledger.party:999999:name"]},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "erasure_field_unknown"
    for wrong in ("rightsledger.party:1:name", [["x"]], {"key": "x"}, ["\u0000" * 300]):
        refused = api(operator).post(
            f"/api/talent/{talent.pk}/erase/", {"basis": "performer_request", "fields": wrong}, format="json"
        )
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"].startswith("fields"), (
            wrong,
            refused.content,
        )
    assert LedgerEntry.objects.count() == before and Talent.objects.get(pk=talent.pk).erased_at is None

    confirmed = sorted(expected - {f"rightsledger.party:{kept.pk}:name"})
    response = api(operator).post(
        f"/api/talent/{talent.pk}/erase/", {"basis": "performer_request", "fields": confirmed}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Party.objects.get(pk=party.pk).name == "[erased]"
    assert Party.objects.get(pk=kept.pk).name == f"Friends of {STAGE}"  # not confirmed: kept
    assert Talent.objects.get(pk=namesake.pk).legal_name == LEGAL
    assert Shot.objects.get(pk=shot.pk).description == "[erased]"
    assert TrainingReservation.objects.get(pk=reservation.pk).note == "[erased]"
    assert RightsGrant.objects.get(pk=grant.pk).restrictions == "[erased]"
    renamed = Asset.objects.get(pk=likeness.pk)
    assert (renamed.title, renamed.original_filename) == (
        "Likeness reference (erased performer)",
        f"likeness-reference-{likeness.pk}.png",
    )
    tomb = json.loads(bytes(LedgerEntry.objects.get(entry_type="talent.erased").body))["payload"]
    assert tomb["likeness_assets"] == [likeness.pk]
    assert set(tomb["redacted"]) == set(confirmed) - {f"rightsledger.talent:{talent.pk}:legal_name"} - {
        f"rightsledger.asset:{likeness.pk}:title",
        f"rightsledger.asset:{likeness.pk}:original_filename",
    }  # renamed first
    assert _mentions(json.dumps(tomb)) == []
    # The commitment to the party's name can no longer be opened: its salt changed with the redaction.
    created = json.loads(bytes(LedgerEntry.objects.get(entry_type="party.created", record_id=party.pk).body))[
        "payload"
    ]
    assert not personal.opens(
        created["personal"], Party.objects.get(pk=party.pk).personal_salt, {"name": f"Estate of {LEGAL}"}
    )


def test_a_versioned_record_refuses_every_change_but_a_redaction_of_its_free_text(world):
    grant = f.make_grant(
        world.prod_a,
        world.party,
        [f.make_asset(world.prod_a, seed=63)],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
        restrictions="Only at night",
    )
    from rightsledger.models import RightsGrant

    for change in (
        {"restrictions": "Only by day"},
        {"media": ["tv"]},
        {"restrictions": "[erased]", "media": ["tv"]},
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            RightsGrant.objects.filter(pk=grant.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        RightsGrant.objects.filter(pk=grant.pk).delete()
    RightsGrant.objects.filter(pk=grant.pk).update(restrictions="[erased]", personal_salt=personal.new_salt())
    assert RightsGrant.objects.get(pk=grant.pk).restrictions == "[erased]"


# --- Every demo performer, erased: their names are nowhere -----------------------------------------


def _db_text() -> list[tuple[str, str, str]]:
    """Every text value of every table: (table, column, value as text)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('character varying', 'text', 'json', 'jsonb', 'character') "
            "ORDER BY table_name, column_name"
        )
        columns = cursor.fetchall()
        out = []
        for table, column in columns:
            cursor.execute(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL')  # nosec B608: from the catalogue
            out += [(table, column, value) for (value,) in cursor.fetchall()]
    return out


def _named(texts, terms) -> list:
    """The texts (or (where, text) pairs) in which one of the terms appears, after normalisation."""
    from rightsledger.names import normalize

    hits = []
    for item in texts:
        text = item[-1] if isinstance(item, tuple) else item
        padded = f" {normalize(text)}"
        hits += [(item[:-1] if isinstance(item, tuple) else text[:80], t) for t in terms if f" {t}" in padded]
    return hits


def _exports(root, clearance, production) -> list[tuple[str, str]]:
    """What the performer's name could leak through: the API's lists and pages, the shots' audits
    (page, CSV, PDF text, PROV-JSON), the assets' pages, lineage (JSON, PROV-JSON, SVG)."""
    import io

    import pypdf

    from generation.models import GenerationRequest
    from tests.conftest import client_for

    out = []
    as_root = client_for(root)
    for url in (
        "/api/parties/",
        "/api/grants/",
        "/api/consents/",
        "/api/reservations/",
        "/api/talent/",
        "/api/assets/",
        "/api/shots/",
        "/api/generation/requests/",
        "/api/ledger/entries/",
        "/api/guilds/",
        "/api/productions/",
        "/api/studios/",
    ):
        response = as_root.get(url, {"page_size": 500})
        assert response.status_code == 200, (url, response.content[:200])
        out.append((url, response.content.decode()))
    portal = client_for(clearance)
    portal.force_login(clearance)
    for shot in production.shots.all():
        out.append((f"audit {shot.code}", portal.get(f"/shots/{shot.pk}/audit/").content.decode()))
        out.append((f"audit.csv {shot.code}", portal.get(f"/shots/{shot.pk}/audit.csv").content.decode()))
        out.append(
            (f"audit.prov {shot.code}", portal.get(f"/shots/{shot.pk}/audit.prov.json").content.decode())
        )
        if GenerationRequest.objects.filter(shot=shot).exists():
            pdf = portal.get(f"/shots/{shot.pk}/audit.pdf")
            assert pdf.status_code == 200
            out.append(
                (
                    f"audit.pdf {shot.code}",
                    "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages),
                )
            )
    for request in GenerationRequest.objects.filter(production=production):
        out.append((f"request {request.pk}", portal.get(f"/requests/{request.pk}/").content.decode()))
    out.append(("assets page", portal.get(f"/productions/{production.pk}/assets/").content.decode()))
    for asset in production.assets.all():
        out.append((f"asset {asset.pk}", portal.get(f"/assets/{asset.pk}/").content.decode()))
        for suffix in ("lineage/", "lineage.prov.json", "lineage.svg"):
            response = as_root.get(f"/api/assets/{asset.pk}/{suffix}")
            assert response.status_code == 200, (asset.pk, suffix)
            out.append((f"asset {asset.pk} {suffix}", response.content.decode()))
        content = as_root.get(f"/api/assets/{asset.pk}/content/")
        out.append((f"asset {asset.pk} download name", content.get("Content-Disposition", "")))
    return out


def test_erasing_each_demo_performer_leaves_their_names_in_no_table_file_entry_or_export(
    settings, ledger_key
):
    """The demo's data (seed_demo), and what item 14 found the name in: a sign-off's comment, a
    guild's flag, a party, a grant's restrictions and reason, a reservation's note, a shot's
    description, a plate's title and file name. Each performer is erased in turn; then no text
    column of any table, no media file name, no ledger entry and no export names them, and every
    entry's inclusion proof verifies against the new checkpoint."""
    import io
    import os

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from rightsledger.erasure import erasure_terms
    from rightsledger.ledger import proofs
    from rightsledger.models import Party, Shot, Studio
    from rightsledger.tlog import verify
    from tests import images

    call_command("seed_demo", stdout=io.StringIO())
    users = {u.username: u for u in get_user_model().objects.all()}
    night = Studio.objects.get(slug="harbour").productions.get(code="long-night")
    mara, jon, finch = (
        Talent.objects.get(legal_name=n) for n in ("María Álvarez", "Jonathan Brandt", "Harold Finch")
    )
    # The free text item 14 found the names in, typed as people type it.
    waiting = GenerationRequest.objects.get(status="needs_clearance")
    gen.request_sign_off(
        actor=users["clearance"],
        request=waiting,
        approve=True,
        comment="Mara Vega's consent covers the rooftop; checked with her agent.",
        acknowledge_flags=list(ConsentFlag.objects.values_list("pk", flat=True)),  # the demo's flag on it
    )
    services.consent_flag(
        actor=users["guild"],
        consent=finch.consents.get(),
        guild=finch.memberships.get().guild,
        reason="The estate of Harold Finch asks which line of dialogue is meant.",
    )
    estate = Party.objects.get(name="Estate of Harold Finch")
    grant = f.make_grant(
        night,
        estate,
        [night.assets.get(title="Harbour rooftop plate")],
        actor=users["clearance"],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
        restrictions="No use beside Jon Brandt's crowd scenes.",
    )
    services.grant_amend(
        actor=users["clearance"],
        grant=grant,
        changes={"requires_review": True},
        reason="Maria Alvarez's agent asked for a review",
    )
    services.reservation_create(
        actor=users["clearance"],
        studio=night.studio,
        subject_type="party",
        party=estate,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
        note="Harold Finch's estate reserves training.",
    )
    shot = Shot.objects.get(production=night, code="EP102_SH0040")
    services.shot_update(
        actor=users["clearance"],
        shot=shot,
        changes={"description": "Jonathan Brandt crosses the rooftop"},
        reason="From the call sheet",
    )
    upload = SimpleUploadedFile("jon_brandt_stand-in_plate.png", images.png(91), content_type="image/png")
    services.asset_register(
        actor=users["clearance"],
        production=night,
        upload=upload,
        kind="plate",
        title="Jon Brandt stand-in plate",
    )

    performers = {t.pk: erasure_terms(t) for t in (mara, jon, finch)}
    assert all(performers.values())
    # Before any erasure, the ledger already holds none of their names.
    ledger = [bytes(b).decode() for b in LedgerEntry.objects.values_list("body", flat=True)]
    assert _named(ledger, set().union(*performers.values())) == []

    operator = users["root"]
    erased_terms = set()
    for talent_id, terms in performers.items():
        services.talent_erase(
            actor=operator, talent=Talent.objects.get(pk=talent_id), basis="performer_request"
        )
        erased_terms |= terms
        assert _named(_db_text(), erased_terms) == []
    media = [
        os.path.relpath(os.path.join(d, n), settings.MEDIA_ROOT)
        for d, _, names in os.walk(settings.MEDIA_ROOT)
        for n in names
    ]
    assert media and _named(media, erased_terms) == []
    ledger = [bytes(b).decode() for b in LedgerEntry.objects.values_list("body", flat=True)]
    assert _named(ledger, erased_terms) == []
    exports = _exports(operator, users["clearance"], night)
    assert _named(exports, erased_terms) == []
    # What was redacted shows as such where it is shown.
    assert any("[erased]" in text for where, text in exports if where.startswith("audit.pdf"))
    assert any("[erased]" in text for where, text in exports if where.startswith("request "))

    checkpoints.ledger_publish()
    assert checkpoints.latest_checkpoint().size == LedgerEntry.objects.count()
    bundle = proofs.proof_bundle(list(LedgerEntry.objects.order_by("seq")))
    assert bundle["pending"] == []
    assert len(verify.verify_bundle(bundle, checkpoints.verifier())) == LedgerEntry.objects.count() + 1
    assert audit.ledger_audit().ok
