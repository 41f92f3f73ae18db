"""A demo performer's name in a prompt needs clearance however it is written (R5): with invisible
characters, look-alike letters, compatibility forms, case or spacing, the gate decides exactly as
for the plain name, through the service and through the API's check. Ordinary words name no one.
A performer registered under a look-alike of another's name does not stand in for them."""

import datetime

import pytest

from generation import policy as p
from generation import services as gen
from rightsledger import services

from .. import factories as f
from ..name_variants import NOT_NAMES, demo_performers, variants

PROMPT = "wide shot of {} walking along the harbour at dusk"
CHECK = "/api/generation/requests/check/"


class Demo:
    """A shot with a plate under a grant, and the demo's performers, each with a consent to
    atmosphere work: a prompt that names one needs a sign-off (R4), one that does not is approved."""

    def __init__(self, world):
        self.world = world
        self.shot = f.make_shot(world.prod_a, "EP102_SH0040")
        self.plate = f.make_asset(world.prod_a, seed=31, owner=world.party)
        f.make_grant(
            world.prod_a,
            world.party,
            [self.plate],
            uses=["genai_input"],
            media=["theatrical"],
            territories=["WORLD"],
        )
        self.talent = {}
        for n, performer in enumerate(demo_performers()):
            talent = f.make_talent(
                performer.legal_name,
                guild=world.guild,
                member_id=f"SAG-9{n}",
                is_deceased=performer.is_deceased,
                aliases=list(performer.aliases),
                professional_name=performer.professional_name,
            )
            estate = {"grantor_role": "estate_representative", "grantor_name": "Pat Doe"}
            estate = estate if performer.is_deceased else {}
            f.make_consent(world.prod_a, talent, permitted_uses=["likeness", "atmosphere"], **estate)
            for name in performer.names:
                self.talent[name] = talent

    def args(self, prompt: str) -> dict:
        return dict(
            production=self.world.prod_a,
            shot=self.shot,
            engine="atmosphere",
            prompt=prompt,
            seed=1,
            intended_use="atmosphere",
            media=["theatrical"],
            territories=["US"],
            release_start=datetime.date(2026, 6, 1),
            release_end=datetime.date(2027, 5, 31),
            inputs=[{"asset": self.plate, "role": "plate"}],
        )

    def body(self, prompt: str) -> dict:
        return {
            "shot": self.shot.pk,
            "engine": "atmosphere",
            "prompt": prompt,
            "parameters": {},
            "seed": 1,
            "intended_use": "atmosphere",
            "media": ["theatrical"],
            "territories": ["US"],
            "release_start": "2026-06-01",
            "release_end": "2027-05-31",
            "inputs": [{"asset": self.plate.pk, "role": "plate"}],
        }


@pytest.fixture
def demo(world):
    return Demo(world)


def _named(reasons: list[dict]) -> set[str]:
    return {r["subject"] for r in reasons if r["rule"] == "R5"}


def test_every_variant_of_every_demo_name_needs_clearance_as_the_plain_name_does_through_the_service(demo):
    wrong = []
    for name, talent in demo.talent.items():
        plain = gen.request_check(**demo.args(PROMPT.format(name)))
        assert plain.outcome == p.NEEDS_CLEARANCE, (name, plain.to_json())
        assert _named(plain.to_json()) == {f"talent {talent.pk}"}, (name, plain.to_json())
        for label, written in variants(name).items():
            got = gen.request_check(**demo.args(PROMPT.format(written)))
            if (got.outcome, got.to_json()) != (plain.outcome, plain.to_json()):
                wrong.append((name, label, written, got.outcome, sorted(_named(got.to_json()))))
    assert wrong == []


def test_every_variant_of_every_demo_name_needs_clearance_as_the_plain_name_does_through_the_api(demo, api):
    client = api(demo.world.producer_a)
    wrong = []
    for name, talent in demo.talent.items():
        plain = client.post(CHECK, demo.body(PROMPT.format(name)), format="json").json()
        assert plain["outcome"] == "needs_clearance", (name, plain)
        assert _named(plain["reasons"]) == {f"talent {talent.pk}"}, (name, plain)
        expected = (200, plain["outcome"], plain["reasons"])
        for label, written in variants(name).items():
            response = client.post(CHECK, demo.body(PROMPT.format(written)), format="json")
            got = response.json()
            if (response.status_code, got.get("outcome"), got.get("reasons")) != expected:
                wrong.append(
                    (
                        name,
                        label,
                        written,
                        response.status_code,
                        got.get("outcome"),
                        sorted(_named(got.get("reasons", []))),
                    )
                )
    assert wrong == []


def test_ordinary_words_and_near_misses_are_approved_naming_no_one(demo, api):
    client = api(demo.world.producer_a)
    for prompt in NOT_NAMES:
        assert gen.request_check(**demo.args(prompt)).outcome == p.APPROVED, prompt
        got = client.post(CHECK, demo.body(prompt), format="json").json()
        assert got["outcome"] == "approved" and not _named(got["reasons"]), (prompt, got)


def test_a_performer_registered_under_a_look_alike_name_does_not_stand_in_for_the_real_one(demo, api):
    mara = demo.talent["Mara Vega"]
    # Another performer registered as "Mara Vega" with a Cyrillic М and а, and a consent of their own.
    double = f.make_talent(
        "Jane Roe", guild=demo.world.guild, member_id="SAG-77", professional_name="\u041cara Veg\u0430"
    )
    f.make_consent(demo.world.prod_a, double, permitted_uses=["likeness", "atmosphere"])
    # Either spelling names both: the real Mara Vega's consent is still needed.
    for spelling in ("Mara Vega", "\u041cara Veg\u0430"):
        outcome = gen.request_check(**demo.args(PROMPT.format(spelling)))
        assert _named(outcome.to_json()) == {f"talent {mara.pk}", f"talent {double.pk}"}, spelling
    found = api(demo.world.clearance).get("/api/talent/", {"name": "Mara Vega"}).json()
    assert {t["id"] for t in found["results"]} >= {mara.pk, double.pk}
    # Without it, the request is refused, whichever spelling it uses.
    services.consent_revoke(actor=None, consent=mara.consents.get(), reason="Withdrawn.")
    assert gen.request_check(**demo.args(PROMPT.format("\u041cara Veg\u0430"))).outcome == p.REFUSED


def test_an_erasure_removes_the_name_from_prompts_however_it_was_written(demo):
    mara = demo.talent["Mara Vega"]
    bold = "\U0001d40c\U0001d41a\U0001d42b\U0001d41a"  # "Mara" in mathematical bold
    written = f"Close on Ma\u00adra VEG\u0410\u2019s face, then M. Vega and {bold} Vega; the harbour stays."
    request = gen.request_submit(actor=demo.world.producer_a, **demo.args(written))
    services.talent_erase(actor=demo.world.admin, talent=mara, basis="performer_request")
    request.refresh_from_db()
    n = mara.pk
    assert request.prompt == (
        f"Close on talent {n}\u2019s face, then talent {n} and talent {n}; the harbour stays."
    )
