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
USE = "Digital replica of Ximena Quintero-Valdés's face for the harbour scenes of episode 102, shots 10 to 60."
MEMBER = "SAG-77123"
NAMES = (LEGAL, STAGE, ALIAS, SIGNER, "Quintero", "Valdés", "Valdes", "Brandtner", MEMBER)


@pytest.fixture
def performer(world):
    talent = f.make_talent(LEGAL, guild=world.guild, member_id=MEMBER, professional_name=STAGE, aliases=[ALIAS])
    consent = f.make_consent(world.prod_a, talent, grantor_role="estate_representative", grantor_name=SIGNER, intended_use_description=USE,
                             permitted_uses=["atmosphere", "likeness"], compensation_reference="PAY-XQV-7")
    amended = services.consent_amend(actor=world.clearance, consent=consent, changes={"media": ["theatrical"]},
                                     reason=f"{SIGNER} asked for theatrical only.")
    services.consent_flag(actor=world.guild_rep, consent=amended, guild=world.guild, reason=f"Ask {SIGNER} to confirm the scenes.")
    return talent, consent, amended


def _mentions(text: str) -> list[str]:
    return [n for n in NAMES if n.lower() in text.lower()]


def _ledger_text() -> str:
    return "\n".join(bytes(b).decode() for b in LedgerEntry.objects.order_by("seq").values_list("body", flat=True))


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
        assert not personal.opens(payload["personal"], record.personal_salt, {**values, "grantor_name": "Someone Else"})
        assert not personal.opens(payload["personal"], personal.new_salt(), values)
    assert set(json.loads(bytes(LedgerEntry.objects.get(record_type="consent", record_id=amended.pk).body))["payload"]["personal"]) == {
        "grantor_name", "intended_use_description", "compensation_reference", "reason"}
    # The member id is committed to in the talent's entry, with the talent's salt.
    registered = json.loads(bytes(LedgerEntry.objects.get(entry_type="talent.registered", record_id=talent.pk).body))["payload"]
    talent.refresh_from_db()
    assert registered["memberships"] == [{"guild": world.guild.pk, "member_id": personal.commitment(talent.personal_salt, f"member_id:{world.guild.pk}", MEMBER)}]


def test_the_database_refuses_any_change_to_a_consent_but_an_erasure(world, performer):
    _, consent, _ = performer
    for change in ({"media": ["tv"]}, {"intended_use_description": "changed"}, {"intended_use_description": "", "erased_at": datetime.datetime.now(datetime.timezone.utc)}):
        with pytest.raises(DatabaseError), transaction.atomic():
            ConsentRecord.objects.filter(pk=consent.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentRecord.objects.filter(pk=consent.pk).delete()


def test_an_erasure_end_to_end(world, api, performer, ledger_key, tmp_path):
    talent, consent, amended = performer
    shot = f.make_shot(world.prod_a)
    plate = f.make_asset(world.prod_a, seed=71, owner=world.party)
    likeness = f.make_asset(world.prod_a, seed=72, kind="likeness_reference", talent=talent)
    f.make_grant(world.prod_a, world.party, [plate, likeness], uses=["genai_input"], media=["theatrical"], territories=["WORLD"])
    args = dict(production=world.prod_a, shot=shot, engine="atmosphere", seed=1, intended_use="atmosphere", media=["theatrical"],
                territories=["US"], release_start=datetime.date(2026, 6, 1), release_end=datetime.date(2027, 5, 31),
                inputs=[{"asset": plate, "role": "plate"}, {"asset": likeness, "role": "likeness"}], prompt=f"{STAGE} in the rain at dusk")
    request = gen.request_submit(actor=world.producer_a, **args)
    assert request.status == "needs_clearance"
    assert _mentions(" ".join(r["message"] for r in request.decisions.get().reasons))  # the sentences name her, the ledger does not

    # Only the operator erases, on a named basis.
    operator = _superuser()
    assert api(world.admin).post(f"/api/talent/{talent.pk}/erase/", {"basis": "estate_request"}, format="json").status_code == 403
    refused = api(operator).post(f"/api/talent/{talent.pk}/erase/", {"basis": "because"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "basis"
    response = api(operator).post(f"/api/talent/{talent.pk}/erase/", {"basis": "estate_request"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["legal_name"] == "" and response.json()["erased_at"]
    assert api(operator).post(f"/api/talent/{talent.pk}/erase/", {"basis": "estate_request"}, format="json").status_code == 409

    # The records are gone: names, index, member id, every consent version's personal fields and salt, flags, prompts, sentences.
    talent.refresh_from_db()
    assert (talent.legal_name, talent.professional_name, talent.aliases, talent.personal_salt) == ("", "", [], "")
    assert not TalentName.objects.filter(talent=talent).exists()
    versions = list(ConsentRecord.objects.filter(talent=talent).order_by("id"))
    assert len(versions) == 3 and versions[-1].status == "revoked"  # the consent in force was revoked first
    for v in versions:
        assert v.erased_at and v.personal_salt == "" and all(getattr(v, n) == "" for n in ConsentRecord.personal_fields)
    assert ConsentFlag.objects.get().reason == ""
    stored = " ".join([*GenerationRequest.objects.values_list("prompt", flat=True),
                       *(r["message"] for d in Decision.objects.all() for r in d.reasons),
                       json.dumps(list(Talent.objects.values()), default=str), json.dumps(list(ConsentRecord.objects.values()), default=str),
                       *talent.memberships.values_list("member_id", flat=True), _ledger_text()])
    assert _mentions(stored) == []
    # The commitments in the ledger can no longer be opened, even by someone who knew the values.
    first = json.loads(bytes(LedgerEntry.objects.get(record_type="consent", record_id=consent.pk).body))["payload"]["personal"]
    assert not personal.opens(first, versions[0].personal_salt, {"grantor_name": SIGNER, "intended_use_description": USE,
                                                                  "compensation_reference": "PAY-XQV-7"})
    # The tombstone.
    tomb = LedgerEntry.objects.get(entry_type="talent.erased")
    assert json.loads(bytes(tomb.body))["payload"] == {"talent": talent.pk, "basis": "estate_request", "consents": [v.pk for v in versions],
                                                       "likeness_assets": [likeness.pk], "redacted": []}

    # Nothing can rely on her any more: the same request is refused.
    assert gen.request_check(**{**args, "prompt": "rain at dusk"}).outcome == "refused"

    # The ledger is whole: every entry sequenced, the audit passes, the guild's proof bundle verifies.
    while sequencer.ledger_integrate():
        pass
    checkpoints.ledger_publish()
    result = audit.ledger_audit()
    assert result.ok, result.problems
    bundle = api(world.guild_rep).get(f"/api/consents/{consent.pk}/proofs/").json()
    assert {e["type"] for e in bundle["entries"]} == {"consent.created", "consent.amended", "consent.revoked"} and bundle["pending"] == []
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
