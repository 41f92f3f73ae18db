"""A guild's flag is a conversation: clearance replies (open -> answered) and resolves it with an
outcome and why (-> resolved). Each step is a ledger entry whose text is committed to, never held,
and the representative who raised the flag is told. Reading a notification changes no flag."""

import datetime
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from generation import services as gen
from generation.models import SignOff
from rightsledger import selectors, services
from rightsledger.errors import Conflict
from rightsledger.models import ConsentFlag, FlagReply, LedgerEntry, Notification
from rightsledger.personal import opens

from .. import factories as f
from ..conftest import client_for
from ..generation.conftest import Gate

pytestmark = pytest.mark.django_db


class Flagged(Gate):
    """A performer's consent on production A, flagged by the guild's representative, and a request
    waiting for sign-off whose decision relies on that consent."""

    def __init__(self, world):
        super().__init__(world)
        self.consent = f.make_consent(world.prod_a, self.talent, permitted_uses=["likeness", "atmosphere"])
        f.make_grant(
            world.prod_a,
            world.party,
            [self.likeness],
            uses=["genai_input"],
            media=["theatrical"],
            territories=["WORLD"],
        )
        self.flag = services.consent_flag(
            actor=world.guild_rep,
            consent=self.consent,
            guild=world.guild,
            reason="She withdrew at the audition.",
        )
        self.request = gen.request_submit(
            actor=world.producer_a,
            production=world.prod_a,
            shot=self.shot,
            engine="atmosphere",
            seed=3,
            intended_use="atmosphere",
            media=["theatrical"],
            territories=["US"],
            release_start=datetime.date(2026, 6, 1),
            release_end=datetime.date(2026, 12, 31),
            inputs=[{"asset": self.plate, "role": "plate"}, {"asset": self.likeness, "role": "likeness"}],
        )
        assert self.request.status == "needs_clearance"


@pytest.fixture
def site(world):
    return Flagged(world)


def _body(entry) -> dict:
    return json.loads(bytes(entry.body))


# --- Services ------------------------------------------------------------------------------------


def test_a_reply_answers_the_flag_on_the_ledger_and_tells_the_representative(
    world, site, django_capture_on_commit_callbacks
):
    world.guild_rep.email = "rep@sag.example"
    world.guild_rep.save()
    before = LedgerEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.flag_reply(
            actor=world.clearance, flag=site.flag, text="We are asking her agent today."
        )
    site.flag.refresh_from_db()
    assert site.flag.state == "answered" and not reply.resolves
    entry = LedgerEntry.objects.get(record_type="flag_reply", record_id=reply.pk)
    assert LedgerEntry.objects.count() == before + 1 and entry.entry_type == "consent.flag_answered"
    payload = _body(entry)["payload"]
    assert payload["flag"] == site.flag.pk and payload["consent"] == site.consent.pk
    # The reply's text enters the ledger as a commitment that opens with the row, never as text.
    assert "agent" not in bytes(entry.body).decode()
    assert opens(payload["personal"], reply.personal_salt, {"text": reply.text})
    told = Notification.objects.get(user=world.guild_rep)
    assert "replied" in told.subject and "agent today" in told.body
    assert told.link == f"/guild/consents/{site.consent.pk}/"
    assert [m.to for m in mail.outbox if "replied" in m.subject] == [["rep@sag.example"]]


def test_resolving_records_the_outcome_and_a_resolved_flag_takes_no_more_replies(world, site):
    services.flag_reply(actor=world.clearance, flag=site.flag, text="Looking into it.")
    reply = services.flag_resolve(
        actor=world.clearance, flag=site.flag, outcome="no_change", text="Her agent confirmed the consent."
    )
    site.flag.refresh_from_db()
    assert (site.flag.state, site.flag.outcome, reply.resolves) == ("resolved", "no_change", True)
    assert site.flag.resolved_at is not None
    entry = LedgerEntry.objects.get(record_type="flag_reply", record_id=reply.pk)
    assert entry.entry_type == "consent.flag_resolved" and _body(entry)["payload"]["outcome"] == "no_change"
    assert Notification.objects.filter(user=world.guild_rep, subject__contains="resolved").count() == 1
    before = (LedgerEntry.objects.count(), FlagReply.objects.count())
    with pytest.raises(Conflict, match="already resolved"):
        services.flag_resolve(actor=world.clearance, flag=site.flag, outcome="no_change", text="Again.")
    with pytest.raises(Conflict, match="already resolved"):
        services.flag_reply(actor=world.clearance, flag=site.flag, text="One more thing.")
    assert (LedgerEntry.objects.count(), FlagReply.objects.count()) == before


def test_an_outcome_must_be_true_of_the_consent(world, site):
    with pytest.raises(Conflict, match="is not revoked: revoke it first"):
        services.flag_resolve(actor=world.clearance, flag=site.flag, outcome="revoked", text="Revoked.")
    with pytest.raises(Conflict, match="has not been amended"):
        services.flag_resolve(actor=world.clearance, flag=site.flag, outcome="amended", text="Amended.")
    with pytest.raises(ValidationError) as exc:
        services.flag_resolve(actor=world.clearance, flag=site.flag, outcome="shrugged", text="Fine.")
    assert "outcome" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.flag_reply(actor=world.clearance, flag=site.flag, text="   ")
    assert "text" in exc.value.message_dict
    services.consent_revoke(actor=world.clearance, consent=site.consent, reason="The guild was right.")
    services.flag_resolve(actor=world.clearance, flag=site.flag, outcome="revoked", text="Revoked it.")
    site.flag.refresh_from_db()
    assert site.flag.outcome == "revoked" and FlagReply.objects.filter(flag=site.flag).count() == 1


@pytest.mark.parametrize(
    "who, refused",
    [
        ("producer_a", PermissionDenied),
        ("producer_b", Http404),
        ("guild_rep", Http404),
        ("auditor", PermissionDenied),
    ],
)
def test_only_clearance_of_the_consents_production_answers_a_flag(world, site, who, refused):
    before = (LedgerEntry.objects.count(), FlagReply.objects.count())
    with pytest.raises(refused):
        services.flag_reply(actor=getattr(world, who), flag=site.flag, text="Not mine to answer.")
    assert (LedgerEntry.objects.count(), FlagReply.objects.count()) == before
    site.flag.refresh_from_db()
    assert site.flag.state == "open"


def test_reading_the_notifications_resolves_nothing_and_the_dashboard_lists_open_flags(world, site, client):
    assert services.notifications_read(user=world.clearance) >= 1
    site.flag.refresh_from_db()
    assert site.flag.state == "open"
    assert list(selectors.open_flags_for(world.clearance)) == [site.flag]
    assert list(selectors.open_flags_for(world.producer_b)) == []
    client.force_login(world.clearance)
    page = client.get("/clearance/").content.decode()
    assert "Open flags" in page and "She withdrew at the audition." in page
    services.flag_resolve(actor=world.clearance, flag=site.flag, outcome="no_change", text="Confirmed.")
    assert list(selectors.open_flags_for(world.clearance)) == []


# --- Approving over an open flag -------------------------------------------------------------


def test_approving_over_an_open_flag_needs_its_acknowledgement_which_the_sign_off_records(world, site):
    before = LedgerEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        gen.request_sign_off(actor=world.clearance, request=site.request, approve=True, comment="Fine.")
    assert "acknowledge_flags" in exc.value.message_dict
    assert "SAG-AFTRA flagged consent" in exc.value.message_dict["acknowledge_flags"][0]
    assert LedgerEntry.objects.count() == before and not SignOff.objects.exists()
    sign_off = gen.request_sign_off(
        actor=world.clearance,
        request=site.request,
        approve=True,
        comment="Her agent confirmed.",
        acknowledge_flags=[site.flag.pk],
    )
    entry = LedgerEntry.objects.get(record_type="sign_off", record_id=sign_off.pk)
    assert _body(entry)["payload"]["acknowledged_flags"] == [site.flag.pk]


def test_refusing_needs_no_acknowledgement_and_a_resolved_flag_needs_none(world, site):
    services.flag_resolve(actor=world.clearance, flag=site.flag, outcome="no_change", text="Confirmed.")
    sign_off = gen.request_sign_off(
        actor=world.clearance, request=site.request, approve=True, comment="Fine."
    )
    entry = LedgerEntry.objects.get(record_type="sign_off", record_id=sign_off.pk)
    assert "acknowledged_flags" not in _body(entry)["payload"]


def test_a_refusal_over_an_open_flag_is_recorded_without_acknowledgement(world, site):
    sign_off = gen.request_sign_off(actor=world.clearance, request=site.request, approve=False, comment="No.")
    assert sign_off.approved is False


# --- API -------------------------------------------------------------------------------------------


def test_the_api_sign_off_refuses_an_approval_over_an_open_flag_without_acknowledge_flags(world, site):
    url = f"/api/generation/requests/{site.request.pk}/sign-off/"
    response = client_for(world.clearance).post(url, {"approve": True, "comment": "Fine."}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "acknowledge_flags" and "unresolved flag" in error["message"]
    assert not SignOff.objects.exists()
    response = client_for(world.clearance).post(
        url, {"approve": True, "comment": "Fine.", "acknowledge_flags": [site.flag.pk]}, format="json"
    )
    assert response.status_code == 200 and SignOff.objects.get().approved


def test_the_api_replies_to_and_resolves_a_flag(world, site):
    base = f"/api/consents/{site.consent.pk}/flags/"
    clearance = client_for(world.clearance)
    listed = clearance.get(base).json()
    assert [x["state"] for x in listed] == ["open"]
    response = clearance.post(f"{base}{site.flag.pk}/reply/", {"text": "Checking."}, format="json")
    assert response.status_code == 201 and response.json()["state"] == "answered"
    response = clearance.post(
        f"{base}{site.flag.pk}/resolve/", {"outcome": "no_change", "text": "Confirmed."}, format="json"
    )
    body = response.json()
    assert response.status_code == 201 and body["state"] == "resolved" and body["outcome"] == "no_change"
    assert [r["text"] for r in body["replies"]] == ["Checking.", "Confirmed."]
    response = clearance.post(
        f"{base}{site.flag.pk}/resolve/", {"outcome": "no_change", "text": "Twice."}, format="json"
    )
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "flag_resolved"
    # The guild's representative reads the reply through the API too.
    assert client_for(world.guild_rep).get(base).json()[0]["replies"][1]["text"] == "Confirmed."


def test_the_api_refuses_a_reply_from_outside_the_production(world, site):
    url = f"/api/consents/{site.consent.pk}/flags/{site.flag.pk}/reply/"
    assert client_for(world.producer_a).post(url, {"text": "x"}, format="json").status_code == 403
    assert client_for(world.producer_b).post(url, {"text": "x"}, format="json").status_code == 404
    assert client_for(world.guild_rep).post(url, {"text": "x"}, format="json").status_code == 404
    other = f.make_consent(world.prod_a, f.make_talent("Someone Else", guild=world.guild, member_id="SAG-9"))
    wrong = f"/api/consents/{other.pk}/flags/{site.flag.pk}/reply/"
    assert client_for(world.clearance).post(wrong, {"text": "x"}, format="json").status_code == 404
    assert not FlagReply.objects.exists()
    assert ConsentFlag.objects.get().state == "open"


# --- Portal ------------------------------------------------------------------------------------------


def test_every_page_that_relies_on_the_consent_warns_of_the_open_flag(world, site, client):
    warning = "SAG-AFTRA flagged"
    client.force_login(world.clearance)
    request_page = client.get(f"/requests/{site.request.pk}/").content.decode()
    assert warning in request_page and "She withdrew at the audition." in request_page
    assert f'name="acknowledge_flags" value="{site.flag.pk}"' in request_page
    assert warning in client.get(f"/records/consent/{site.consent.pk}/").content.decode()
    assert warning in client.get(f"/shots/{site.shot.pk}/audit/").content.decode()
    client.force_login(world.producer_a)
    preview = client.post(
        f"/productions/{world.prod_a.pk}/requests/preview/",
        {
            "shot": site.shot.pk,
            "engine": "atmosphere",
            "seed": "3",
            "intended_use": "atmosphere",
            "media": "theatrical",
            "territories": "US",
            "release_start": "2026-06-01",
            "release_end": "2026-12-31",
            "asset": [site.plate.pk, site.likeness.pk],
            f"role_{site.likeness.pk}": "likeness",
        },
    )
    assert preview.status_code == 200 and warning in preview.content.decode()
    # Once resolved, no page warns of it.
    services.flag_resolve(actor=world.clearance, flag=site.flag, outcome="no_change", text="Confirmed.")
    assert warning not in client.get(f"/requests/{site.request.pk}/").content.decode()


def test_the_sign_off_form_refuses_an_approval_without_the_tick(world, site, client):
    client.force_login(world.clearance)
    url = f"/requests/{site.request.pk}/sign-off/"
    response = client.post(url, {"decision": "approve", "comment": "Fine."})
    assert response.status_code == 400 and "tick that you approve over it" in response.content.decode()
    assert not SignOff.objects.exists()
    response = client.post(
        url, {"decision": "approve", "comment": "Fine.", "acknowledge_flags": str(site.flag.pk)}
    )
    assert response.status_code == 302 and SignOff.objects.get().approved


def test_clearance_answers_on_the_record_page_and_the_guild_reads_the_reply(world, site, client):
    client.force_login(world.clearance)
    url = f"/records/consent/{site.consent.pk}/flags/{site.flag.pk}/"
    response = client.post(url, {"text": "", "outcome": ""})
    assert response.status_code == 400 and "Write the reply" in response.content.decode()
    assert client.post(url, {"text": "We are asking her agent.", "outcome": ""}).status_code == 302
    response = client.post(url, {"text": "Her agent confirmed it.", "outcome": "no_change"})
    assert response.status_code == 302
    assert client.post(url, {"text": "Again.", "outcome": "no_change"}).status_code == 409
    client.force_login(world.producer_a)
    assert client.post(url, {"text": "Mine?", "outcome": ""}).status_code == 403
    assert FlagReply.objects.count() == 2
    client.force_login(world.guild_rep)
    page = client.get(f"/guild/consents/{site.consent.pk}/").content.decode()
    assert "Resolved" in page and "Her agent confirmed it." in page and "We are asking her agent." in page
    assert "No change to the consent" in page
    assert "Your flag was resolved" in client.get("/guild/consents/").content.decode()


def test_erasing_the_performer_erases_the_replies_and_their_notices_and_the_ledger_still_verifies(
    world, site
):
    reply = services.flag_reply(actor=world.clearance, flag=site.flag, text="Mara Vega's agent confirmed it.")
    entry = LedgerEntry.objects.get(record_type="flag_reply", record_id=reply.pk)
    operator = f.UserFactory(username="operator", is_superuser=True, is_staff=True)
    services.talent_erase(actor=operator, talent=site.talent, basis="performer_request")
    reply.refresh_from_db()
    assert (reply.text, reply.personal_salt) == ("", "")
    assert Notification.objects.get(user=world.guild_rep).body == ""
    # The entry is as it was written; its commitment can no longer be opened.
    assert LedgerEntry.objects.get(seq=entry.seq).body == entry.body
    assert not opens(
        _body(entry)["payload"]["personal"], reply.personal_salt, {"text": "Mara Vega's agent confirmed it."}
    )
