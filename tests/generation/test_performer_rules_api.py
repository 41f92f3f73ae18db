"""The 2026 performer rules through the API: clearance switches them on and records a labour
action; the gate then answers with their reasons; a consent's terms stay with clearance and the
guild."""

import datetime

from generation.models import GenerationRequest
from rightsledger.models import LabourAction, LedgerEntry, Production

from .. import factories as f

JUSTIFICATION = "A crowd of onlookers far from camera: no performer is ever seen up close."


def rules_url(gate):
    return f"/api/productions/{gate.world.prod_a.pk}/performer-rules/"


def switch_on(gate, api, *rules):
    response = api(gate.world.clearance).put(rules_url(gate), {"rules": list(rules)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def check(gate, api, **overrides):
    response = api(gate.world.producer_a).post(
        "/api/generation/requests/check/", gate.body(**overrides), format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def reasons_of(answer, rule):
    return [r for r in answer["reasons"] if r["rule"] == rule]


def test_clearance_switches_the_rules_on_with_a_ledger_entry(gate, api):
    answer = switch_on(gate, api, "labour_action", "minor_sign_off")
    assert answer["rules"] == ["labour_action", "minor_sign_off"]
    assert "labour action" in answer["available"]["labour_action"]
    entry = LedgerEntry.objects.filter(entry_type="production.performer_rules_set").get()
    assert '"switched_on":["labour_action","minor_sign_off"]' in bytes(entry.body).decode()
    assert entry.production_id == gate.world.prod_a.pk
    assert Production.objects.get(pk=gate.world.prod_a.pk).performer_rules == [
        "labour_action",
        "minor_sign_off",
    ]
    before = LedgerEntry.objects.count()
    switch_on(gate, api, "minor_sign_off", "labour_action")  # the same rules again: nothing written
    assert LedgerEntry.objects.count() == before


def test_a_producer_cannot_switch_the_rules_and_an_unknown_rule_is_refused(gate, api):
    before = LedgerEntry.objects.count()
    url = rules_url(gate)
    assert api(gate.world.producer_a).put(url, {"rules": ["labour_action"]}, format="json").status_code == 403
    assert api(gate.world.producer_b).get(url).status_code == 404
    response = api(gate.world.clearance).put(url, {"rules": ["no_such_rule"]}, format="json")
    assert response.status_code == 400
    assert "no_such_rule" in response.json()["errors"][0]["message"]
    assert LedgerEntry.objects.count() == before
    assert Production.objects.get(pk=gate.world.prod_a.pk).performer_rules == []


def test_a_labour_action_refuses_a_members_replica_until_it_ends(gate, api):
    gate.consent_and_grant()
    switch_on(gate, api, "labour_action")
    likeness = {
        "inputs": [{"asset": gate.plate.pk, "role": "plate"}, {"asset": gate.likeness.pk, "role": "likeness"}]
    }
    body = dict(likeness, territories=["US"])
    assert check(gate, api, **body)["outcome"] == "needs_clearance"

    url = f"/api/productions/{gate.world.prod_a.pk}/labour-actions/"
    data = {"guild": gate.world.guild.pk, "started_on": "2026-01-05"}
    assert api(gate.world.producer_a).post(url, data, format="json").status_code == 403
    response = api(gate.world.clearance).post(url, data, format="json")
    assert response.status_code == 201, response.content
    action = response.json()
    assert action["in_force"] is True
    again = api(gate.world.clearance).post(url, data, format="json")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "labour_action_in_force"

    refused = check(gate, api, **body)
    assert refused["outcome"] == "refused"
    (r12,) = reasons_of(refused, "R12")
    assert r12["message"] == (
        "Mara Vega is a member of SAG-AFTRA, whose labour action against this production has been in force "
        "since 2026-01-05: no digital replica of its members may be used while it lasts."
    )
    # The plate alone (no replica) is not touched by the strike.
    assert check(gate, api)["outcome"] == "approved"

    end = f"{url}{action['id']}/end/"
    bad = api(gate.world.clearance).post(end, {"ended_on": "2026-01-01"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "end_before_start"
    ended = api(gate.world.clearance).post(end, {"ended_on": "2026-01-20"}, format="json")
    assert ended.status_code == 200 and ended.json()["in_force"] is False
    assert LabourAction.objects.get(pk=action["id"]).ended_on == datetime.date(2026, 1, 20)
    assert check(gate, api, **body)["outcome"] == "needs_clearance"
    assert {"labour_action.recorded", "labour_action.ended"} <= set(
        LedgerEntry.objects.values_list("entry_type", flat=True)
    )


def crowd_body(gate, **overrides):
    return {
        "engine": "crowd_fill",
        "parameters": {"count": 4, "synthetic_performer": 1},
        "intended_use": "crowd_fill",
        "inputs": [{"asset": gate.plate.pk, "role": "plate"}, {"asset": gate.element.pk, "role": "element"}],
        "territories": ["US"],
        **overrides,
    }


def test_a_synthetic_performer_needs_a_justification_then_a_sign_off(gate, api):
    switch_on(gate, api, "synthetic_performer_justified")
    refused = check(gate, api, **crowd_body(gate))
    assert refused["outcome"] == "refused"
    assert reasons_of(refused, "R8")[0]["message"] == (
        "The request asks for a synthetic performer but gives no justification for using one."
    )
    response = api(gate.world.producer_a).post(
        "/api/generation/requests/",
        gate.body(**crowd_body(gate, synthetic_justification=JUSTIFICATION)),
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "needs_clearance"
    assert data["synthetic_justification"] == JUSTIFICATION
    assert GenerationRequest.objects.get(pk=data["id"]).synthetic_justification == JUSTIFICATION
    # Asked for by its intended use, without the parameter: the same rule.
    by_use = check(gate, api, **crowd_body(gate, intended_use="synthetic_performer", parameters={"count": 4}))
    assert reasons_of(by_use, "R8")[0]["outcome"] == "refused"


def test_advertising_with_a_replica_needs_the_disclosure_acknowledged(gate, api):
    gate.consent = f.make_consent(
        gate.world.prod_a, gate.talent, permitted_uses=["likeness", "atmosphere"], media=["advertising"]
    )
    f.make_grant(gate.world.prod_a, gate.world.party, [gate.plate, gate.likeness], media=["advertising"])
    switch_on(gate, api, "advertising_disclosure")
    body = dict(
        media=["advertising"],
        territories=["US"],
        inputs=[{"asset": gate.plate.pk, "role": "plate"}, {"asset": gate.likeness.pk, "role": "likeness"}],
    )
    assert reasons_of(check(gate, api, **body), "R11")[0]["outcome"] == "refused"
    acknowledged = check(gate, api, advertising_disclosure_acknowledged=True, **body)
    assert reasons_of(acknowledged, "R11")[0]["outcome"] == "pass"
    bad = api(gate.world.producer_a).post(
        "/api/generation/requests/check/",
        gate.body(advertising_disclosure_acknowledged="yes", **body),
        format="json",
    )
    assert bad.status_code == 400


def test_a_consents_terms_are_read_by_clearance_and_the_guild_only(gate, api):
    consent = f.make_consent(
        gate.world.prod_a, gate.talent, residual_terms_reference="Deal memo 14, clause 9"
    )
    for who, sees in (
        (gate.world.clearance, True),
        (gate.world.guild_rep, True),
        (gate.world.producer_a, False),
        (gate.world.auditor, False),
    ):
        one = api(who).get(f"/api/consents/{consent.pk}/").json()
        listed = next(c for c in api(who).get("/api/consents/").json()["results"] if c["id"] == consent.pk)
        for data in (one, listed):
            assert data["compensation_terms_on_record"] is True and data["residual_terms_on_record"] is True
            if sees:
                assert (data["compensation_reference"], data["residual_terms_reference"]) == (
                    "PAY-2026-0042",
                    "Deal memo 14, clause 9",
                ), who
            else:
                assert data["compensation_reference"] is None and data["residual_terms_reference"] is None, (
                    who
                )


def test_a_past_state_sees_a_labour_action_as_the_ledger_stood_then(gate, api):
    from generation.selectors import labour_action_facts, ledger_head

    production = gate.world.prod_a
    before = ledger_head()
    url = f"/api/productions/{production.pk}/labour-actions/"
    action = api(gate.world.clearance).post(
        url, {"guild": gate.world.guild.pk, "started_on": "2026-01-05"}, format="json"
    )
    assert action.status_code == 201, action.content
    in_force = ledger_head()
    ended = api(gate.world.clearance).post(
        f"{url}{action.json()['id']}/end/", {"ended_on": "2026-01-20"}, format="json"
    )
    assert ended.status_code == 200, ended.content

    assert labour_action_facts(production.pk, before) == ()
    (then,) = labour_action_facts(production.pk, in_force)
    assert then.ended_on is None
    (now,) = labour_action_facts(production.pk)
    assert now.ended_on == datetime.date(2026, 1, 20)
    assert labour_action_facts(production.pk, ledger_head()) == (now,)
