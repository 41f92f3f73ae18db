"""The gate's fast path decides exactly as its general path, on randomised records and requests.

The fast path reads the current state in one PostgreSQL statement and keeps the facts of grant
and consent rows between decisions; the general path reads every version of the chains
concerned and keeps the latest at the ledger head. Both feed the same policy; the decisions
they give must be the same, byte for byte. The policy's territory coverage is also checked
against a brute-force count over the codes in play.
"""

import datetime
import random

import pytest

from generation import policy as p
from generation import selectors
from generation import services as gen
from generation.values import gate_facts
from rightsledger import services
from rightsledger.tlog.entry import canonical

from .. import factories as f

CODES = ["US", "CA", "FR", "DE", "JP", "GB", "CN", "BR"]
MEDIA = ["theatrical", "svod", "tv"]
LANGUAGES = ["en", "fr", "ja"]
USES = ["genai_input", "edit", "display"]


def _territories(rng):
    if rng.random() < 0.5:
        return ["WORLD"], rng.sample(CODES, rng.randint(0, 2))
    return rng.sample(CODES, rng.randint(1, 4)), []


def _term(rng):
    start = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.choice([0, 0, 200, 500]))
    return start, rng.choice([None, start + datetime.timedelta(days=rng.choice([300, 900, 3000]))])


def _world(rng, world):
    prod = world.prod_a
    plates = [f.make_asset(prod, seed=400 + n, owner=world.party) for n in range(6)]
    talents = [
        f.make_talent(f"Performer {n} Random", guild=world.guild, member_id=f"R-{n}") for n in range(3)
    ]
    likeness = [
        f.make_asset(prod, seed=450 + n, kind="likeness_reference", talent=t) for n, t in enumerate(talents)
    ]
    # One broad grant, so that some requests pass and the comparison covers passing reasons.
    f.make_grant(
        prod,
        world.party,
        [plates[0], *likeness],
        uses=["genai_input"],
        media=MEDIA,
        territories=["WORLD"],
        term_end=None,
    )
    for _ in range(14):
        territories, exclusions = _territories(rng)
        start, end = _term(rng)
        grant = f.make_grant(
            prod,
            world.party,
            rng.sample(plates + likeness, rng.randint(1, 3)),
            uses=rng.sample(USES, rng.randint(1, 3)),
            media=rng.sample(MEDIA, rng.randint(1, 3)),
            territories=territories,
            territory_exclusions=exclusions,
            languages=rng.sample(LANGUAGES, rng.randint(0, 2)),
            term_start=start,
            term_end=end,
            requires_review=rng.random() < 0.2,
        )
        roll = rng.random()
        if roll < 0.15:
            services.grant_revoke(actor=None, grant=grant, reason="Withdrawn by the rights holder.")
        elif roll < 0.35:
            services.grant_amend(
                actor=None,
                grant=grant,
                changes={"media": rng.sample(MEDIA, rng.randint(1, 3))},
                reason="Media corrected.",
            )
    for talent in talents:
        for _ in range(rng.randint(0, 2)):
            territories, exclusions = _territories(rng)
            consent = f.make_consent(
                prod,
                talent,
                permitted_uses=rng.sample(["atmosphere", "likeness", "crowd_fill"], rng.randint(1, 2)),
                prohibited_uses=[],
                media=rng.sample(MEDIA, rng.randint(1, 3)),
                territories=territories,
                territory_exclusions=exclusions,
                modalities=rng.sample(["face", "body"], rng.randint(1, 2)),
            )
            if rng.random() < 0.2:
                services.consent_revoke(actor=None, consent=consent, reason="The performer withdrew.")
    if rng.random() < 0.5:
        services.reservation_create(
            actor=None,
            subject_type="asset",
            asset=rng.choice(plates),
            uses=["ai_training"],
            source="contract",
            effective_date=datetime.date(2026, 1, 1),
        )
    return plates, likeness


def _request(rng, world, shot, plates, likeness):
    territories, exclusions = _territories(rng)
    start = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.choice([0, 100, 400]))
    inputs = [{"asset": plates[0], "role": "plate"}] + [
        {"asset": a, "role": "element"} for a in rng.sample(plates[1:], rng.randint(0, 2))
    ]
    inputs += [
        {"asset": a, "role": "likeness", "modality": rng.choice(["face", "body"])}
        for a in rng.sample(likeness, rng.randint(0, 2))
    ]
    return dict(
        production=world.prod_a,
        shot=shot,
        engine="atmosphere",
        seed=1,
        intended_use="atmosphere",
        media=rng.sample(MEDIA, rng.randint(1, 2)),
        territories=territories,
        territory_exclusions=exclusions,
        languages=rng.sample(LANGUAGES, rng.randint(0, 2)),
        release_start=start,
        release_end=start + datetime.timedelta(days=rng.choice([30, 700])),
        inputs=inputs,
        prompt=rng.choice(["rain at dusk", "Performer 2 Random walks in the rain", ""]),
    )


def _both_paths(args):
    """The outcome by the fast path (twice: facts read, then facts kept) and by the general path."""
    checked = gen.checked_request(
        **{"engine_version": None, "parameters": None, **args}, keep_unregistered=False
    )
    facts = gate_facts(checked.values, checked.inputs)
    likeness = {i.talent_id for i in facts.inputs if i.talent_id}
    outcomes = []
    for as_of in (None, None, selectors.ledger_head()):
        snap, named = selectors.snapshot(
            production_id=facts.production_id,
            inputs=list(facts.inputs),
            talent_ids=likeness,
            prompt=checked.values.prompt,
            as_of=as_of,
        )
        decided = p.evaluate(
            p.RequestFact(**{**facts.__dict__, "prompt_talent_ids": frozenset(named - likeness)}), snap
        )
        outcomes.append(
            canonical(
                {"outcome": decided.outcome, "as_of_seq": decided.as_of_seq, "reasons": decided.to_json()}
            )
        )
    return outcomes


@pytest.mark.parametrize("seed", [11, 23, 57])
def test_fast_and_general_paths_decide_alike(world, seed):
    rng = random.Random(seed)
    plates, likeness = _world(rng, world)
    shot = f.make_shot(world.prod_a)
    outcomes = set()
    for _ in range(40):
        fast_cold, fast_warm, general = _both_paths(_request(rng, world, shot, plates, likeness))
        assert fast_cold == general
        assert fast_warm == general
        outcomes.add(general.split(b'"outcome":"')[1].split(b'"')[0])
    # The draws reach more than refusals, so the comparison covers passing reasons too.
    assert b"refused" in outcomes and len(outcomes) >= 2


def _brute_covered(request_terr, request_excl, grants) -> bool:
    """Whether the grants' territories cover the request's, counted code by code over the codes
    in play and one code none names (standing for the rest of the world)."""
    universe = set(CODES) | {"ZZ"}

    def codes(terr, excl):
        return (universe - set(excl)) if "WORLD" in terr else set(terr)

    held = set().union(*(codes(t, e) for t, e in grants)) if grants else set()
    return codes(request_terr, request_excl) <= held


def test_territory_coverage_agrees_with_a_count_over_codes():
    rng = random.Random(5)
    for _ in range(3000):
        grants = [_territories(rng) for _ in range(rng.randint(0, 4))]
        want_terr, want_excl = _territories(rng)
        union = p._union(p.Territories.of(t, e) for t, e in grants)
        missing = p.Territories.of(want_terr, want_excl).missing_from(union)
        assert missing.empty == _brute_covered(want_terr, want_excl, grants), (grants, want_terr, want_excl)
