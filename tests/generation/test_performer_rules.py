"""The 2026 performer rules (R7 to R12), alone: no database. Each rule, switched on, has a
passing case, a refusing case and its words; switched off, it says nothing."""

import dataclasses

from generation import policy as p
from rightsledger.vocab import PERFORMER_RULES

from .test_policy import D, consent, grant, inp, reasons, request, snap

ALL = frozenset(PERFORMER_RULES)
TERMS = {"compensation_reference": "SAG-2026-PAY-0042", "residual_terms_reference": "Deal memo 14, clause 9"}
REASON = "Stunt double for the rooftop fall; the performer cannot safely do it."


def likeness_request(rules=ALL, **kw):
    r = request(inputs=(inp(), inp(2, 101, role="likeness", talent=7)), use="likeness", **kw)
    return dataclasses.replace(r, performer_rules=frozenset(rules))


def passing_consent(**changes):
    return dataclasses.replace(consent(), **{**TERMS, "capture_business_reason": REASON, **changes})


def grants(media=("theatrical", "svod")):
    return [grant(assets=(100, 101), media=media)]


def decide(req, consents=None, media=("theatrical", "svod"), **snap_kw):
    return p.evaluate(
        req, snap(grants(media), consents or [passing_consent(media=frozenset(media))], **snap_kw)
    )


def only(outcome, rule):
    found = reasons(outcome, rule)
    assert len(found) == 1, outcome.reasons
    return found[0]


def test_rules_switched_off_say_nothing():
    out = decide(likeness_request(rules=()), consents=[consent()])
    assert not [r for r in out.reasons if r.rule in {"R7", "R8", "R9", "R10", "R11", "R12"}]
    assert out.outcome == p.NEEDS_CLEARANCE  # R4, as before


def test_every_rule_on_and_met_needs_only_the_usual_sign_off():
    out = decide(likeness_request())
    assert out.outcome == p.NEEDS_CLEARANCE
    assert {r.rule for r in out.reasons if r.outcome == p.NEEDS_CLEARANCE} == {"R4"}


# --- R7: a scan needs a business reason ------------------------------------------------------------


def test_r7_a_scan_with_a_business_reason_passes():
    r = only(decide(likeness_request(rules={"scan_business_reason"})), "R7")
    assert r.outcome == p.PASS
    assert "records the business reason for the scan" in r.message


def test_r7_a_scan_without_a_business_reason_is_refused():
    out = decide(
        likeness_request(rules={"scan_business_reason"}),
        consents=[passing_consent(capture_business_reason="needed")],  # a word, not a reason
    )
    r = only(out, "R7")
    assert out.outcome == p.REFUSED and r.outcome == p.REFUSED
    assert r.message == (
        "Mara Vega's consent 20 is for a replica made from a scan, but records no business reason for "
        "the scan."
    )
    assert r.remedy == "Amend the consent to say, in a sentence, why this production needs the scan."


def test_r7_does_not_ask_it_of_a_replica_made_without_a_scan():
    out = decide(
        likeness_request(rules={"scan_business_reason"}),
        consents=[passing_consent(replica_type="independently_created", capture_business_reason="")],
    )
    assert not reasons(out, "R7")


# --- R8: a synthetic performer needs a justification and a sign-off ---------------------------------


def synthetic(justification="", by="use", rules=ALL):
    r = request(use="synthetic_performer" if by == "use" else "crowd_fill")
    return dataclasses.replace(
        r, performer_rules=frozenset(rules), synthetic_performer=True, synthetic_justification=justification
    )


def test_r8_a_justified_synthetic_performer_needs_a_sign_off():
    out = p.evaluate(
        synthetic("Background crowd extension where no performer is ever seen up close."), snap([grant()])
    )
    r = only(out, "R8")
    assert out.outcome == p.NEEDS_CLEARANCE and r.outcome == p.NEEDS_CLEARANCE
    assert r.message == (
        "The request asks for a synthetic performer, with a justification: it needs a clearance sign-off."
    )
    signed = p.at_run_time(out, p.SignOffFact(1, 5, out.needing_clearance()))
    assert signed.outcome == p.APPROVED
    assert p.at_run_time(out, None).outcome == p.NEEDS_CLEARANCE


def test_r8_an_unjustified_synthetic_performer_is_refused():
    out = p.evaluate(synthetic("", by="parameter"), snap([grant()]))
    r = only(out, "R8")
    assert out.outcome == p.REFUSED
    assert r.message == "The request asks for a synthetic performer but gives no justification for using one."
    assert "why a synthetic performer is used rather than a performer" in r.remedy


# --- R9: every use of a minor's likeness needs its own sign-off --------------------------------------


def minor_snap_kw():
    return {"talents": {7: p.TalentFact(7, "Lia Ross", is_minor=True)}}


def test_r9_a_minor_with_the_guardians_consent_needs_a_sign_off_for_this_use():
    out = decide(
        likeness_request(rules={"minor_sign_off"}),
        consents=[passing_consent(grantor_role="guardian")],
        **minor_snap_kw(),
    )
    r = only(out, "R9")
    assert out.outcome == p.NEEDS_CLEARANCE and r.outcome == p.NEEDS_CLEARANCE
    assert r.message == (
        "Lia Ross is a minor: every use of their likeness needs its own clearance sign-off "
        "(their guardian consented by consent 20)."
    )
    # A sign-off that covered another request's items (only R4) does not cover this one's R9.
    assert (
        p.at_run_time(out, p.SignOffFact(1, 5, frozenset({("R4", "talent 7")}))).outcome == p.NEEDS_CLEARANCE
    )


def test_r9_a_minor_without_the_guardians_consent_is_refused():
    out = decide(likeness_request(rules={"minor_sign_off"}), consents=[passing_consent()], **minor_snap_kw())
    assert out.outcome == p.REFUSED
    assert "the performer is a minor and consent 20 was not given by a guardian" in only(out, "R2").message
    assert not reasons(out, "R9")


# --- R10: the compensation and residual terms are on record ------------------------------------------


def test_r10_terms_on_record_pass_and_are_not_shown():
    r = only(decide(likeness_request(rules={"compensation_terms"})), "R10")
    assert r.outcome == p.PASS
    assert r.message == (
        "Mara Vega's consent 20 records its compensation and residual terms (clearance and the guild can "
        "read them)."
    )
    assert "SAG-2026-PAY-0042" not in r.message and "clause 9" not in r.message


def test_r10_a_consent_without_residual_terms_is_refused():
    out = decide(
        likeness_request(rules={"compensation_terms"}),
        consents=[passing_consent(residual_terms_reference="")],
    )
    r = only(out, "R10")
    assert out.outcome == p.REFUSED
    assert r.message == "Mara Vega's consent 20 does not record its residual terms."
    assert "compensation and residual terms" in r.remedy


# --- R11: advertising discloses a synthetic performer or a replica -----------------------------------


def test_r11_advertising_with_a_replica_needs_the_disclosure_acknowledged():
    req = likeness_request(rules={"advertising_disclosure"}, media=("advertising",))
    out = decide(req, media=("advertising",))
    r = only(out, "R11")
    assert out.outcome == p.REFUSED
    assert r.message == (
        "The release includes advertising and shows a digital replica of a performer: New York requires "
        "the advertisement to disclose it, and the disclosure has not been acknowledged."
    )
    acknowledged = decide(
        dataclasses.replace(req, advertising_disclosure_acknowledged=True), media=("advertising",)
    )
    assert only(acknowledged, "R11").outcome == p.PASS
    assert acknowledged.outcome == p.NEEDS_CLEARANCE


def test_r11_says_nothing_of_advertising_without_a_performer():
    req = dataclasses.replace(
        request(media=("advertising",)), performer_rules=frozenset({"advertising_disclosure"})
    )
    assert not reasons(p.evaluate(req, snap([grant()])), "R11")


def test_r11_names_a_synthetic_performer_in_a_trailer():
    req = dataclasses.replace(
        synthetic(
            "Background crowd extension where no performer is ever seen up close.",
            rules={"advertising_disclosure"},
        ),
        media=frozenset({"trailer_promo"}),
    )
    r = only(p.evaluate(req, snap([grant(media=("trailer_promo",))])), "R11")
    assert r.outcome == p.REFUSED and "shows a synthetic performer" in r.message


# --- R12: no replica of a striking union's members --------------------------------------------------


def strike(ended=None):
    return p.LabourActionFact(3, 40, "SAG-AFTRA", D(2026, 4, 1), ended)


def member_kw(actions):
    return {
        "talents": {7: p.TalentFact(7, "Mara Vega", guild_ids=frozenset({40}))},
        "labour_actions": actions,
    }


def decide_strike(actions, rules=("labour_action",)):
    s = dataclasses.replace(snap(grants(), [passing_consent()]), **member_kw(tuple(actions)))
    return p.evaluate(likeness_request(rules=rules), s)


def test_r12_a_member_of_a_striking_union_is_refused():
    out = decide_strike([strike()])
    r = only(out, "R12")
    assert out.outcome == p.REFUSED
    assert r.message == (
        "Mara Vega is a member of SAG-AFTRA, whose labour action against this production has been in force "
        "since 2026-04-01: no digital replica of its members may be used while it lasts."
    )
    assert r.records == (p.RecordRef("labour_action", 3),)


def test_r12_passes_once_the_action_has_ended():
    out = decide_strike([strike(ended=D(2026, 4, 20))])  # the snapshot's today is 1 May 2026
    assert not reasons(out, "R12")
    assert out.outcome == p.NEEDS_CLEARANCE


def test_r12_passes_a_performer_of_another_union():
    s = dataclasses.replace(
        snap(grants(), [passing_consent()]),
        talents={7: p.TalentFact(7, "Mara Vega", guild_ids=frozenset({41}))},
        labour_actions=(strike(),),
    )
    r = only(p.evaluate(likeness_request(rules={"labour_action"}), s), "R12")
    assert r.outcome == p.PASS
    assert r.message == "No performer shown belongs to a union whose labour action is in force (SAG-AFTRA)."


def test_r12_switched_off_lets_the_request_through():
    assert not reasons(decide_strike([strike()], rules=()), "R12")
