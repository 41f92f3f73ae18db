"""No record without its ledger entry, enforced by PostgreSQL at commit.

These tests run in autocommit (transaction=True): each service's transaction really commits, so
the deferred constraint triggers really fire, as they do in production. (Every other database
test checks the same at its end with SET CONSTRAINTS ALL IMMEDIATE; see tests/conftest.py.)
"""

import datetime

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from generation import services as gen
from generation.models import Decision, GenerationOutput, GenerationRequest, SignOff
from provenance.models import AssetCredential, LineageEdge, SignedOutput, SigningIdentity
from rightsledger import services, vocab
from rightsledger.ledger import checkpoints, witnesses
from rightsledger.ledger.append import recording
from rightsledger.models import (
    ConsentRecord,
    LabourAction,
    LedgerEntry,
    Party,
    RightsGrant,
    Role,
    Studio,
    TrainingReservation,
    WitnessedCheckpoint,
)

from .. import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the triggers under test are PostgreSQL's; SQLite keeps the Python guard",
    ),
]

REFUSED = "written without its ledger entry"


def ledger_backed_models():
    return [m for m in apps.get_models() if getattr(m, "ledger_type", None)]


def entry_ids(record_type: str, entry_type: str | None = None) -> list[int]:
    qs = LedgerEntry.objects.filter(record_type=record_type)
    if entry_type:
        qs = qs.filter(entry_type=entry_type)
    return sorted(qs.values_list("record_id", flat=True))


@pytest.fixture
def story():
    """Every service that writes, called as production calls it, each committing on its own:
    studio to signed output, a sign-off, revocations, a witness and a role revoked."""
    from ..conftest import World
    from ..generation.conftest import Gate

    world = World()
    gate = Gate(world)
    f.make_grant(
        world.prod_a,
        world.party,
        [gate.likeness],
        uses=["genai_input"],
        media=["theatrical"],
        territories=["WORLD"],
    )
    consent = f.make_consent(world.prod_a, gate.talent, permitted_uses=["likeness", "atmosphere"])
    services.consent_amend(
        actor=world.clearance, consent=consent, changes={"compensation_reference": "PAY-2"}, reason="Rider 2"
    )
    reservation = services.reservation_create(
        actor=world.clearance,
        subject_type="talent",
        talent=gate.talent,
        uses=["ai_training"],
        source="talent_request",
        effective_date=datetime.date(2026, 1, 1),
    )
    services.reservation_revoke(
        actor=world.clearance, reservation=reservation, reason="Withdrawn by the performer's agent"
    )
    services.grant_amend(
        actor=world.clearance,
        grant=gate.grant,
        changes={"restrictions": "No night shots"},
        reason="Amendment 1",
    )
    window = dict(
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
    )
    req = gen.request_submit(
        actor=world.producer_a,
        production=world.prod_a,
        shot=gate.shot,
        engine="atmosphere",
        seed=1,
        intended_use="atmosphere",
        inputs=[{"asset": gate.plate, "role": "plate"}, {"asset": gate.likeness, "role": "likeness"}],
        prompt="Mara Vega in the rain",
        **window,
    )
    gen.request_sign_off(actor=world.clearance, request=req, approve=True, comment="Consent covers it")
    gen.request_queue(actor=world.producer_a, request=req)  # eager: runs, signs and records the output
    refused = gen.request_submit(
        actor=world.producer_a,
        production=world.prod_a,
        shot=gate.shot,
        engine="atmosphere",
        seed=2,
        intended_use="atmosphere",
        inputs=[{"asset": f.make_asset(world.prod_a, seed=90), "role": "plate"}],
        **window,
    )
    # The signed output, delivered back as a still of another production: its credentials are
    # read at ingest, its training reservation and its lineage recorded.
    output = GenerationOutput.objects.get(request=req).asset
    with output.file.open("rb") as fh:
        upload = SimpleUploadedFile("delivered.png", fh.read(), content_type="image/png")
    services.asset_register(actor=world.admin, production=world.prod_b, upload=upload, kind="still")
    witnesses.witness_register(
        actor=world.guild_rep, guild=world.guild, note_text=checkpoints.ledger_publish().note
    )
    flag = services.consent_flag(
        actor=world.guild_rep,
        consent=consent,
        guild=world.guild,
        reason="The description does not name the scene.",
    )
    services.flag_reply(actor=world.clearance, flag=flag, text="It is scene 12; we will amend it.")
    role = Role.objects.get(user=world.auditor)
    services.role_revoke(actor=world.admin, role=role, reason="Left the production")
    strike = services.labour_action_record(
        actor=world.admin,
        production=world.prod_b,
        guild=world.other_guild,
        started_on=datetime.date(2026, 2, 1),
    )
    services.labour_action_end(actor=world.admin, action=strike, ended_on=datetime.date(2026, 3, 1))
    # Tracker links: a project, a shot, and the shot relinked (a new version).
    from tracker import services as tracker

    tracker.project_link(
        actor=world.admin, production=world.prod_a, external_id="zou-project-1", external_name="Harbour"
    )
    tracker.shot_link(actor=world.admin, shot=req.shot, external_id="zou-shot-1")
    tracker.shot_link(actor=world.admin, shot=req.shot, external_id="zou-shot-2")
    return world, req, refused


def test_every_ledger_backed_table_has_its_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger "
            "WHERE tgname LIKE '%%_ledger_entry' AND tgdeferrable AND tginitdeferred"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert {m._meta.db_table for m in ledger_backed_models()} <= guarded
    # The rows written with a record (names, memberships, inputs, grant assets) are guarded too.
    assert {
        "rightsledger_talentname",
        "rightsledger_guildmembership",
        "rightsledger_rightsgrant_assets",
        "generation_requestinput",
        "generation_generationrequest_talents",
    } <= guarded


def test_records_and_entries_match_one_to_one(story):
    world, req, refused = story
    assert req.__class__.objects.get(pk=req.pk).status == "succeeded"
    # Each version of a versioned record, and each decision, sign-off, output, signing, lineage
    # edge, credential, witness and identity: exactly one entry, of its own record type.
    for model in ledger_backed_models():
        if model is GenerationRequest:
            continue
        rows = sorted(model.objects.values_list("pk", flat=True))
        assert rows, model
        if model is LabourAction:  # recorded, then ended: an entry each
            assert entry_ids("labour_action", "labour_action.recorded") == rows
            assert entry_ids("labour_action", "labour_action.ended") == rows
            continue
        assert entry_ids(model.ledger_type) == rows, model
    # A request has one entry that records it, then one per change of state that matters.
    assert entry_ids("generation_request", "generation.requested") == sorted(
        GenerationRequest.objects.values_list("pk", flat=True)
    )
    assert set(entry_ids("generation_request")) == {req.pk, refused.pk}
    # Who may do what is on the ledger: every role granted, and the revocation.
    assert LedgerEntry.objects.filter(entry_type="role.created").count() == 6
    assert LedgerEntry.objects.filter(entry_type="role.revoked").count() == 1
    # The revoked role no longer counts.
    from rightsledger import access

    world.auditor.refresh_from_db()
    assert access.roles_of(world.auditor).productions == {}
    for model in (
        SigningIdentity,
        WitnessedCheckpoint,
        SignedOutput,
        LineageEdge,
        Decision,
        SignOff,
        GenerationOutput,
        AssetCredential,
    ):
        assert model.objects.exists(), model


def _forced(create, match=REFUSED):
    """Write past the service, in a transaction of its own: PostgreSQL refuses it at commit."""
    with pytest.raises(IntegrityError, match=match):
        with transaction.atomic():
            create()


def test_rows_forced_past_the_services_are_refused_at_commit(story):
    world, req, _ = story
    grant = RightsGrant.objects.filter(production=world.prod_a).first()
    consent = ConsentRecord.objects.first()
    counts = {
        m: m.objects.count()
        for m in (RightsGrant, ConsentRecord, TrainingReservation, Role, SignOff, Studio, Decision)
    }

    _forced(
        lambda: RightsGrant.objects.create(
            grantor=grant.grantor,
            production=grant.production,
            term_start=grant.term_start,
            contract_sha256=grant.contract_sha256,
        )
    )
    _forced(
        lambda: ConsentRecord.objects.create(
            **{k: getattr(consent, k) for k in ConsentRecord.record_fields()}
        )
    )
    _forced(
        lambda: TrainingReservation.objects.create(
            studio=world.studio,
            subject_type="production",
            production=world.prod_a,
            uses=["ai_training"],
            source="contract",
            effective_date=datetime.date(2026, 1, 1),
        )
    )
    _forced(
        lambda: Role.objects.create(user=world.producer_b, kind=vocab.ROLE_CLEARANCE, production=world.prod_a)
    )
    fresh = gen.request_submit(
        actor=world.producer_a,
        production=world.prod_a,
        shot=req.shot,
        engine="atmosphere",
        seed=3,
        intended_use="atmosphere",
        inputs=[
            {"asset": req.inputs.first().asset, "role": "plate"},
            {"asset": req.inputs.last().asset, "role": "likeness"},
        ],
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
    )
    counts[Decision] += 1
    _forced(
        lambda: SignOff.objects.create(
            decision=fresh.decisions.get(),
            request=fresh,
            approver=world.admin,
            approved=True,
            comment="forged",
        )
    )
    _forced(lambda: Studio.objects.create(name="Shadow", slug="shadow"))
    _forced(
        lambda: Decision.objects.create(
            request=req, kind="run_check", outcome="approved", reasons=[], as_of_seq=0
        )
    )

    # An entry for another record, or for this one written in another transaction, does not do.
    def with_wrong_entry():
        studio = Studio.objects.create(name="Shadow", slug="shadow")
        with recording(actor=None) as rec:
            rec.append(
                "studio.created", {"studio": studio.pk + 1}, record_type="studio", record_id=studio.pk + 1
            )

    _forced(with_wrong_entry)
    assert {m: m.objects.count() for m in counts} == counts


@pytest.fixture
def ledger_fails_on():
    """Make the ledger's insert fail for one entry type, as a full disk or a lost connection
    would, partway through a service's transaction."""
    made = []

    def install(entry_type: str):
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER IF EXISTS test_ledger_fails ON rightsledger_ledgerentry;"
                "CREATE OR REPLACE FUNCTION test_ledger_fails() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.entry_type = '{entry_type}' THEN RAISE EXCEPTION 'the ledger insert failed'; "
                "END IF; RETURN NEW; END; $$ LANGUAGE plpgsql;"
                "CREATE TRIGGER test_ledger_fails BEFORE INSERT ON rightsledger_ledgerentry "
                "FOR EACH ROW EXECUTE FUNCTION test_ledger_fails();"
            )
        made.append(entry_type)

    yield install
    if made:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER IF EXISTS test_ledger_fails ON rightsledger_ledgerentry; "
                "DROP FUNCTION IF EXISTS test_ledger_fails();"
            )


def test_nothing_is_half_written_when_a_service_fails_partway(story, ledger_fails_on):
    from django.db import DatabaseError

    world, req, _ = story
    tables = (
        RightsGrant,
        RightsGrant.assets.through,
        GenerationRequest,
        GenerationRequest.talents.through,
        Decision,
        Role,
        Party,
        ConsentRecord,
        LedgerEntry,
    )
    before = {m: m.objects.count() for m in tables}
    plate = req.inputs.first().asset

    # A grant whose entry fails: no grant row, no asset link.
    ledger_fails_on("grant.created")
    with pytest.raises(DatabaseError, match="the ledger insert failed"):
        f.make_grant(world.prod_a, world.party, [plate])
    # A request whose decision's entry fails, after the request, its inputs, talents and the
    # requested entry were written: none of them remains.
    ledger_fails_on("generation.decided")
    with pytest.raises(DatabaseError, match="the ledger insert failed"):
        gen.request_submit(
            actor=world.producer_a,
            production=world.prod_a,
            shot=req.shot,
            engine="atmosphere",
            seed=9,
            intended_use="atmosphere",
            prompt="Mara Vega",
            inputs=[{"asset": plate, "role": "plate"}],
            media=["theatrical"],
            territories=["US"],
            release_start=datetime.date(2026, 6, 1),
            release_end=datetime.date(2026, 12, 31),
        )
    # A consent revocation, a role and a party: the same.
    ledger_fails_on("consent.revoked")
    with pytest.raises(DatabaseError):
        services.consent_revoke(
            actor=world.clearance,
            consent=ConsentRecord.objects.filter(replaced_by__isnull=True).first(),
            reason="Withdrawn",
        )
    ledger_fails_on("role.created")
    with pytest.raises(DatabaseError):
        services.role_grant(
            actor=world.admin, user=world.producer_b, kind=vocab.ROLE_AUDITOR, production=world.prod_a
        )
    ledger_fails_on("party.created")
    with pytest.raises(DatabaseError):
        services.party_create(actor=world.admin, studio=world.studio, name="Half", kind="vendor")
    assert {m: m.objects.count() for m in tables} == before
