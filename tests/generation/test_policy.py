"""The gate's policy, alone: no database. Every rule's pass and fail, territory arithmetic,
window edges, consent cases."""

import dataclasses
import datetime as dt

import pytest

from generation import policy as p

D = dt.date
WINDOW = p.Window(D(2026, 6, 1), D(2027, 5, 31))
PROD = 1
# The facts' default dates (a default argument is computed once, so they are named here).
GRANT_START, GRANT_END = D(2026, 1, 1), D(2030, 12, 31)
CONSENT_START, CONSENT_END = D(2026, 1, 1), D(2028, 12, 31)
SCANNED, UNION_NOTIFIED = D(2025, 12, 1), D(2025, 12, 2)


def grant(
    id=10,
    assets=(100,),
    uses=("genai_input",),
    media=("theatrical", "svod"),
    territories=("WORLD",),
    exclusions=(),
    languages=(),
    start=GRANT_START,
    end=GRANT_END,
    status="active",
    review=False,
    restrictions="",
):
    return p.GrantFact(
        id=id,
        seq=id * 10,
        production_id=PROD,
        asset_ids=frozenset(assets),
        uses=frozenset(uses),
        media=frozenset(media),
        territories=p.Territories.of(territories, exclusions),
        languages=frozenset(languages),
        term=p.Term(start, end),
        status=status,
        requires_review=review,
        restrictions=restrictions,
    )


def consent(
    id=20,
    talent=7,
    modalities=("face", "body"),
    permitted=("likeness", "crowd_fill"),
    prohibited=("de_aging",),
    shots=(),
    media=("theatrical", "svod"),
    territories=("WORLD",),
    exclusions=(),
    start=CONSENT_START,
    end=CONSENT_END,
    status="active",
    grantor_role="performer",
    representation="counsel",
    replica_type="employment_based",
    description="Digital replica of the performer's face for the rooftop chase in episode 102, stunt shots.",
    scan=SCANNED,
    union=UNION_NOTIFIED,
    training="none",
    review=False,
):
    return p.ConsentFact(
        id=id,
        seq=id * 10,
        talent_id=talent,
        production_id=PROD,
        status=status,
        grantor_role=grantor_role,
        representation=representation,
        replica_type=replica_type,
        modalities=frozenset(modalities),
        intended_use_description=description,
        permitted_uses=frozenset(permitted),
        prohibited_uses=frozenset(prohibited),
        permitted_shots=frozenset(shots),
        media=frozenset(media),
        territories=p.Territories.of(territories, exclusions),
        languages=frozenset(),
        term=p.Term(start, end),
        training_permission=training,
        scan_notice_date=scan,
        union_notified_date=union,
        requires_review=review,
    )


def inp(position=1, asset=100, role="plate", talent=None, owner=None, modality="face"):
    return p.InputFact(
        position=position,
        role=role,
        asset_id=asset,
        owner_party_id=owner,
        talent_id=talent,
        modality=modality,
    )


def request(
    inputs=(None,),
    media=("theatrical",),
    territories=("US", "FR"),
    exclusions=(),
    languages=(),
    window=WINDOW,
    use="set_extension",
    prompt_talents=(),
    trains=False,
    shot="EP102_SH0040",
):
    inputs = tuple(inp() if i is None else i for i in inputs)
    return p.RequestFact(
        production_id=PROD,
        shot_code=shot,
        engine=p.EngineFact("set_extension", "1.0", trains),
        intended_use=use,
        media=frozenset(media),
        territories=p.Territories.of(territories, exclusions),
        languages=frozenset(languages),
        window=window,
        inputs=inputs,
        prompt_talent_ids=frozenset(prompt_talents),
    )


def snap(grants=(), consents=(), reservations=(), talents=None):
    talents = talents or {7: p.TalentFact(7, "Mara Vega")}
    return p.Snapshot(
        as_of_seq=999,
        today=D(2026, 5, 1),
        grants=tuple(grants),
        consents=tuple(consents),
        reservations=tuple(reservations),
        talents=talents,
    )


def reasons(outcome, rule):
    return [r for r in outcome.reasons if r.rule == rule]


# --- Territory arithmetic -----------------------------------------------------------------------


def T(*codes, excl=()):
    return p.Territories.of(codes, excl)


@pytest.mark.parametrize(
    "want,cover,missing",
    [
        (T("US", "FR"), T("US", "FR", "DE"), ""),
        (T("US", "FR"), T("US"), "FR"),
        (T("US", "FR"), T("WORLD", excl=["FR"]), "FR"),
        (T("WORLD"), T("WORLD"), ""),
        (T("WORLD"), T("WORLD", excl=["CN"]), "CN"),
        (T("WORLD", excl=["CN"]), T("WORLD", excl=["CN"]), ""),
        (T("WORLD", excl=["CN", "RU"]), T("WORLD", excl=["CN"]), ""),
        (T("WORLD", excl=["CN"]), T("WORLD", excl=["CN", "RU"]), "RU"),
        (T("WORLD"), T("US", "FR"), "WORLD except FR, US"),
    ],
)
def test_territory_difference(want, cover, missing):
    assert want.missing_from(cover).describe() == missing


def test_union_of_world_with_exclusions_and_a_list():
    assert T("WORLD", excl=["CN", "RU"]).union(T("CN")).describe() == "WORLD except RU"
    assert T("WORLD", excl=["CN", "RU"]).union(T("WORLD", excl=["RU", "IR"])).describe() == "WORLD except RU"
    assert T("US").union(T("FR")).describe() == "FR, US"


# --- R1 rights ------------------------------------------------------------------------------------


def test_r1_passes_with_a_covering_grant_and_names_it():
    out = p.evaluate(request(), snap([grant()]))
    assert out.outcome == p.APPROVED
    (r1,) = reasons(out, "R1")
    assert r1.outcome == p.PASS and p.RecordRef("grant", 10, 100) in r1.records and "grant 10" in r1.message


def test_r1_unregistered_input_is_refused():
    out = p.evaluate(request([inp(asset=None)]), snap([grant()]))
    assert out.outcome == p.REFUSED and "unregistered input" in reasons(out, "R1")[0].message


def test_r1_no_grant_at_all():
    out = p.evaluate(request(), snap([grant(assets=(999,))]))
    assert out.outcome == p.REFUSED and "no rights grant" in reasons(out, "R1")[0].message


def test_r1_grant_without_genai_input_is_refused_and_says_what_it_permits():
    out = p.evaluate(request(), snap([grant(uses=("edit", "display"))]))
    r = reasons(out, "R1")[0]
    assert out.outcome == p.REFUSED and "genai_input" in r.message and "display, edit" in r.message


def test_r1_territories_assembled_from_two_grants():
    grants = [grant(id=10, territories=("US",)), grant(id=11, territories=("FR", "DE"))]
    out = p.evaluate(request(territories=("US", "FR")), snap(grants))
    assert out.outcome == p.APPROVED
    assert {r.id for r in reasons(out, "R1")[0].records if r.type == "grant"} == {10, 11}


def test_r1_world_minus_exclusion_does_not_cover_the_excluded_country():
    out = p.evaluate(request(territories=("US", "CN")), snap([grant(exclusions=("CN",))]))
    assert out.outcome == p.REFUSED and "not granted in CN" in reasons(out, "R1")[0].message


def test_r1_world_request_needs_world_coverage():
    out = p.evaluate(
        request(territories=("WORLD",)), snap([grant(exclusions=("CN",)), grant(id=11, territories=("CN",))])
    )
    assert out.outcome == p.APPROVED
    out = p.evaluate(request(territories=("WORLD",)), snap([grant(exclusions=("CN",))]))
    assert out.outcome == p.REFUSED and "not granted in CN" in reasons(out, "R1")[0].message


def test_r1_every_medium_must_be_granted():
    out = p.evaluate(request(media=("theatrical", "advertising")), snap([grant()]))
    assert out.outcome == p.REFUSED and "advertising" in reasons(out, "R1")[0].message


def test_r1_media_assembled_from_two_grants():
    grants = [grant(id=10, media=("theatrical",)), grant(id=11, media=("advertising",))]
    assert p.evaluate(request(media=("theatrical", "advertising")), snap(grants)).outcome == p.APPROVED


def test_r1_languages():
    assert p.evaluate(request(languages=("fr",)), snap([grant(languages=("en",))])).outcome == p.REFUSED
    assert (
        p.evaluate(request(languages=("fr",)), snap([grant(languages=())])).outcome == p.APPROVED
    )  # all languages
    grants = [grant(id=10, languages=("en",)), grant(id=11, languages=("fr",))]
    assert p.evaluate(request(languages=("en", "fr")), snap(grants)).outcome == p.APPROVED


def test_r1_a_grant_ending_the_day_before_the_window_ends_is_refused():
    out = p.evaluate(request(), snap([grant(end=WINDOW.end - dt.timedelta(days=1))]))
    r = reasons(out, "R1")[0]
    assert (
        out.outcome == p.REFUSED
        and "ends 2027-05-30, before the release window ends on 2027-05-31" in r.message
    )
    assert (
        p.evaluate(request(), snap([grant(end=WINDOW.end)])).outcome == p.APPROVED
    )  # ending on the last day is enough


def test_r1_a_grant_starting_after_the_window_opens_is_refused():
    out = p.evaluate(request(), snap([grant(start=WINDOW.start + dt.timedelta(days=1))]))
    assert out.outcome == p.REFUSED and "starts 2026-06-02" in reasons(out, "R1")[0].message


def test_r1_perpetual_grant_covers_any_window():
    assert p.evaluate(request(), snap([grant(end=None)])).outcome == p.APPROVED


def test_r1_revoked_grant_is_refused():
    out = p.evaluate(request(), snap([grant(status="revoked")]))
    assert out.outcome == p.REFUSED and "revoked" in reasons(out, "R1")[0].message


def test_r1_other_productions_grants_do_not_count():
    other = dataclasses.replace(grant(), production_id=2)
    assert p.evaluate(request(), snap([other])).outcome == p.REFUSED


def test_r1_each_input_gets_its_own_reason():
    out = p.evaluate(request([inp(1, 100), inp(2, 101, role="element")]), snap([grant(assets=(100,))]))
    r = reasons(out, "R1")
    assert [x.subject for x in r] == ["input 1", "input 2"] and [x.outcome for x in r] == [p.PASS, p.REFUSED]


# --- R4 review --------------------------------------------------------------------------------------


def test_r4_a_grant_flagged_for_review_needs_clearance():
    out = p.evaluate(request(), snap([grant(review=True, restrictions="No political advertising.")]))
    assert out.outcome == p.NEEDS_CLEARANCE
    (r4,) = reasons(out, "R4")
    assert "No political advertising." in r4.message and r4.remedy


def test_r4_every_likeness_use_needs_clearance():
    req = request([inp(1, 100), inp(2, 200, role="likeness", talent=7)], use="likeness")
    out = p.evaluate(req, snap([grant(assets=(100, 200))], [consent()]))
    assert out.outcome == p.NEEDS_CLEARANCE
    assert [r.outcome for r in reasons(out, "R2")] == [p.PASS]
    assert reasons(out, "R4")[0].subject == "talent 7"


# --- R2 likeness consent ----------------------------------------------------------------------------


def likeness_request(**kw):
    kw.setdefault("use", "likeness")
    return request(
        [inp(1, 100), inp(2, 200, role="likeness", talent=7, modality=kw.pop("modality", "face"))], **kw
    )


def r2(out):
    return reasons(out, "R2")[0]


G = [grant(assets=(100, 200))]


def test_r2_no_consent_is_refused():
    out = p.evaluate(likeness_request(), snap(G, []))
    assert (
        out.outcome == p.REFUSED
        and "no consent on record" in r2(out).message
        and "Mara Vega" in r2(out).message
    )


@pytest.mark.parametrize(
    "consent_kw,request_kw,expect",
    [
        ({"status": "revoked"}, {}, "revoked"),
        ({"modalities": ("body",)}, {}, "does not cover face"),
        ({}, {"modality": "voice"}, "does not cover voice"),
        ({"prohibited": ("likeness",), "permitted": ("crowd_fill",)}, {}, "prohibits likeness"),
        ({"permitted": ("crowd_fill",)}, {}, "permits crowd fill, not likeness"),
        ({"shots": ("EP101_SH0010",)}, {}, "does not include shot EP102_SH0040"),
        ({"media": ("svod",)}, {}, "does not cover theatrical"),
        ({"territories": ("US",)}, {}, "does not cover FR"),
        ({"end": D(2027, 5, 30)}, {}, "ends 2027-05-30"),
        ({"scan": None}, {}, "no scan notice"),
        ({"union": None}, {}, "union has not been notified"),
        ({"representation": "none", "description": "Any use."}, {}, "§927"),
    ],
)
def test_r2_consent_failures(consent_kw, request_kw, expect):
    out = p.evaluate(likeness_request(**request_kw), snap(G, [consent(**consent_kw)]))
    assert out.outcome == p.REFUSED
    assert expect in r2(out).message, r2(out).message
    assert r2(out).remedy and r2(out).records == (p.RecordRef("consent", 20, 200),)


def test_r2_background_replica_needs_no_union_notice():
    out = p.evaluate(likeness_request(), snap(G, [consent(replica_type="background", union=None, scan=None)]))
    assert out.outcome == p.NEEDS_CLEARANCE


def test_r2_deceased_performer_needs_estate_or_union():
    talents = {7: p.TalentFact(7, "Harold Finch", is_deceased=True)}
    assert r2(p.evaluate(likeness_request(), snap(G, [consent()], talents=talents))).outcome == p.REFUSED
    ok = p.evaluate(
        likeness_request(), snap(G, [consent(grantor_role="estate_representative")], talents=talents)
    )
    assert ok.outcome == p.NEEDS_CLEARANCE
    assert (
        p.evaluate(likeness_request(), snap(G, [consent(grantor_role="union")], talents=talents)).outcome
        == p.NEEDS_CLEARANCE
    )


def test_r2_minor_needs_guardian():
    talents = {7: p.TalentFact(7, "Lily Park", is_minor=True)}
    assert "minor" in r2(p.evaluate(likeness_request(), snap(G, [consent()], talents=talents))).message
    assert (
        p.evaluate(likeness_request(), snap(G, [consent(grantor_role="guardian")], talents=talents)).outcome
        == p.NEEDS_CLEARANCE
    )


def test_r2_representation_none_with_a_specific_description_passes():
    out = p.evaluate(likeness_request(), snap(G, [consent(representation="none")]))
    # R2 itself passes on the consent; the request still needs a sign-off because it uses a likeness.
    assert r2(out).outcome == p.PASS and r2(out).records == (p.RecordRef("consent", 20, 200),)
    assert out.outcome == p.NEEDS_CLEARANCE


def test_r2_a_later_valid_consent_wins_over_a_revoked_one():
    out = p.evaluate(likeness_request(), snap(G, [consent(id=20, status="revoked"), consent(id=21)]))
    assert out.outcome == p.NEEDS_CLEARANCE and r2(out).records == (p.RecordRef("consent", 21, 210),)


def test_r2_likeness_asset_without_a_performer_is_refused():
    req = request([inp(1, 200, role="likeness", talent=None)], use="likeness")
    assert p.evaluate(req, snap(G)).outcome == p.REFUSED


# --- R5 prompt --------------------------------------------------------------------------------------


def test_r5_talent_named_in_the_prompt_without_consent_is_refused():
    out = p.evaluate(request(prompt_talents=(7,)), snap([grant()]))
    assert out.outcome == p.REFUSED
    (r5,) = reasons(out, "R5")
    assert r5.subject == "talent 7" and "named in the prompt" in r5.message


def test_r5_talent_named_with_consent_for_this_use_needs_clearance():
    out = p.evaluate(request(prompt_talents=(7,), use="likeness"), snap([grant()], [consent()]))
    assert out.outcome == p.NEEDS_CLEARANCE and reasons(out, "R5")[0].outcome == p.PASS


def test_r5_consent_for_another_use_does_not_cover_the_prompt():
    out = p.evaluate(request(prompt_talents=(7,), use="set_extension"), snap([grant()], [consent()]))
    assert out.outcome == p.REFUSED and "not set extension" in reasons(out, "R5")[0].message


# --- R3 training ------------------------------------------------------------------------------------


def reservation(subject_type, subject_id, uses=("ai_training",), id=30):
    return p.ReservationFact(
        id=id,
        seq=id * 10,
        subject_type=subject_type,
        subject_id=subject_id,
        uses=frozenset(uses),
        effective_date=D(2026, 1, 1),
    )


def test_r3_training_engine_needs_genai_training():
    out = p.evaluate(request(trains=True), snap([grant()]))
    assert out.outcome == p.REFUSED and "genai_training" in reasons(out, "R3")[0].message
    assert (
        p.evaluate(request(trains=True), snap([grant(uses=("genai_input", "genai_training"))])).outcome
        == p.APPROVED
    )


@pytest.mark.parametrize("subject_type,subject_id", [("asset", 100), ("party", 5), ("production", PROD)])
def test_r3_any_reservation_refuses_a_training_engine(subject_type, subject_id):
    req = request([inp(1, 100, owner=5)], trains=True)
    out = p.evaluate(
        req,
        snap(
            [grant(uses=("genai_input", "genai_training"))],
            reservations=[reservation(subject_type, subject_id)],
        ),
    )
    assert out.outcome == p.REFUSED and "reserved from AI training" in reasons(out, "R3")[0].message


def test_r3_reservations_do_not_touch_an_engine_that_does_not_train():
    out = p.evaluate(request(), snap([grant()], reservations=[reservation("asset", 100)]))
    assert out.outcome == p.APPROVED


def test_r3_talent_consent_must_permit_training():
    req = likeness_request(trains=True)
    grants = [grant(assets=(100, 200), uses=("genai_input", "genai_training"))]
    talent_r3 = [
        r for r in reasons(p.evaluate(req, snap(grants, [consent()])), "R3") if r.subject == "talent 7"
    ]
    assert "does not permit training" in talent_r3[0].message
    out = p.evaluate(
        req, snap(grants, [consent(training="this_production")], reservations=[reservation("talent", 7)])
    )
    assert out.outcome == p.REFUSED and any(
        "reserved" in r.message for r in reasons(out, "R3") if r.outcome == p.REFUSED
    )
    assert p.evaluate(req, snap(grants, [consent(training="this_production")])).outcome == p.NEEDS_CLEARANCE


def test_a_reservation_not_yet_in_effect_does_not_count():
    r = dataclasses.replace(reservation("asset", 100), effective_date=D(2027, 1, 1))
    out = p.evaluate(
        request(trains=True), snap([grant(uses=("genai_input", "genai_training"))], reservations=[r])
    )
    assert out.outcome == p.APPROVED


# --- The outcome ------------------------------------------------------------------------------------


def test_refused_wins_over_needs_clearance():
    req = request([inp(1, 100), inp(2, 101)])
    out = p.evaluate(req, snap([grant(assets=(100,), review=True)]))
    assert out.outcome == p.REFUSED


def test_every_reason_is_serialisable_and_readable():
    out = p.evaluate(likeness_request(), snap(G, [consent()]))
    for r in out.to_json():
        assert set(r) == {"rule", "outcome", "subject", "records", "message", "remedy"}
        assert r["message"].endswith(".") and len(r["message"]) > 20
    assert out.as_of_seq == 999
