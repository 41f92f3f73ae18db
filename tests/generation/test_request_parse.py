"""The plain parse of a generation request (no serializer) gives exactly what RequestIn gives, or
leaves the request to RequestIn: checked on randomised bodies, and through the API, where a body
that takes either path gets the same answer."""

import datetime
import random
import types

from generation import fastpaths
from generation.api import serializers as s

from .conftest import Gate

TEXT = [
    "atmosphere",
    " atmosphere",
    "atmosphere ",
    "",
    "   ",
    "x" * 33,
    "x" * 65,
    "a\x00b",
    "a\ud800b",
    "Regen über dem Hafen",
    "12",
]
OTHER = [None, True, False, 0, 7, -3, 2**31, 2**63, 1.0, 1.5, [], {}, ["US"], {"a": 1}]
LISTS = [
    [],
    ["US"],
    ["US", "FR"],
    [" US"],
    [""],
    ["x" * 201],
    ["x" * 200],
    [1],
    [None],
    ["US"] * 301,
    ["a\x00"],
    "US",
    ["CN", "JP"],
]
DATES = [
    "2026-06-01",
    "2027-05-31",
    "2026-6-1",
    "20260601",
    "2026-02-30",
    "2026-06-01T00:00",
    " 2026-06-01",
    "0000-01-01",
    "9999-12-31",
]


def variants(gate):
    plate, other = gate.plate.pk, gate.element.pk
    return {
        "shot": [gate.shot.pk, str(gate.shot.pk), 999_999, 0, -1, *OTHER],
        "engine": TEXT + OTHER,
        "engine_version": TEXT + OTHER,
        "prompt": TEXT + OTHER + ["rain " * 500],
        "intended_use": TEXT + OTHER,
        "parameters": [{}, {"fog_density": 0.2}, {"rain": float("nan")}, [], "x", None, 3],
        "seed": [0, 1, -5, 2**40, 2**70, "12", "x", 1.0, 2.5, True, None],
        "media": LISTS + OTHER,
        "territories": LISTS + OTHER,
        "territory_exclusions": LISTS + OTHER,
        "languages": LISTS + [["en"], ["fr-CA"]] + OTHER,
        "release_start": DATES + OTHER,
        "release_end": DATES + OTHER,
        "run_when_approved": [True, False, "true", 1, None],
        "inputs": [
            [{"asset": plate, "role": "plate"}],
            [{"asset": plate, "role": "plate"}, {"asset": other, "role": "element"}],
            [{"asset": str(plate), "role": "plate"}],
            [{"asset": plate, "role": ""}],
            [{"asset": plate, "role": "plate", "x": 1}],
            [{"asset": plate, "role": "plate", "frames": [0, 3]}],
            [{"asset": plate, "role": "plate", "frames": [0, True]}],
            [{"asset": None, "upload": "f", "role": "plate"}],
            [],
            ["x"],
            '[{"asset": 1, "role": "plate"}]',
            *OTHER,
        ],
    }


def test_the_plain_parse_gives_what_the_serializer_gives_or_leaves_it_to_the_serializer(world):
    gate = Gate(world)
    request = types.SimpleNamespace(user=world.producer_a, FILES={})
    rng = random.Random(2026)
    choices = variants(gate)
    plain = refused = 0
    for _n in range(3000):
        body = gate.body(territory_exclusions=["CN"], languages=["en"], engine_version="")
        for name in rng.sample(sorted(choices), rng.choice([0, 1, 1, 2, 3])):
            body[name] = rng.choice(choices[name])
        if rng.random() < 0.05:
            body.pop(rng.choice(sorted(body)))
        if rng.random() < 0.03:
            body["unknown"] = 1
        fast = fastpaths.plain_request_in(body)
        parsed = s.RequestIn(data=body, context={"request": request})
        valid = parsed.is_valid()
        if fast is None:
            continue
        plain += 1
        # The plain parse leaves the shot to the caller's query: the serializer may refuse that alone.
        if not valid:
            assert set(parsed.errors) == {"shot"}, (body, parsed.errors)
            refused += 1
            continue
        expected = dict(parsed.validated_data)
        expected["shot"] = expected["shot"].pk
        assert fast == expected, body
    assert plain > 500 and refused > 0  # both paths, and both outcomes of the plain one, were taken


def test_a_request_parsed_either_way_gets_the_same_answer(world, api):
    gate = Gate(world)
    client = api(world.producer_a)
    plain = gate.body(release_start="2026-06-01")
    assert fastpaths.plain_request_in(plain) is not None
    # The same request, in forms only the serializer takes: a padded engine, a seed as text, an id as text.
    other = gate.body(engine=" atmosphere ", seed="1234", shot=str(gate.shot.pk))
    assert fastpaths.plain_request_in(other) is None
    answers = [client.post("/api/generation/requests/check/", body, format="json") for body in (plain, other)]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].json() == answers[1].json()
    # Errors come from the serializer, whichever path was tried first.
    for body, field in (
        (gate.body(shot=999_999), "shot"),
        (gate.body(engine=""), "engine"),
        (gate.body(release_end="2027-02-30"), "release_end"),
    ):
        response = client.post("/api/generation/requests/check/", body, format="json")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field, (
            response.content
        )
    assert (
        datetime.date.fromisoformat(plain["release_start"])
        == fastpaths.plain_request_in(plain)["release_start"]
    )


def test_the_gates_written_out_reads_see_exactly_what_the_selectors_see(world, django_user_model):
    from rightsledger import access, selectors

    from .. import factories as f

    gate = Gate(world)
    shots = [gate.shot, f.make_shot(world.prod_b, "EP1_SH0010"), f.make_shot(world.prod_other, "EP9_SH0090")]
    assets = [
        gate.plate,
        gate.likeness,
        f.make_asset(world.prod_b, seed=90),
        f.make_asset(world.prod_other, seed=91),
    ]
    wanted = [a.pk for a in assets] + [999_999, -1, 2**63, 2**70]
    root = django_user_model.objects.create_superuser("root", password="x" * 20)
    fields, seen = selectors.GATE_ASSET_COLUMNS, set()
    for user in (
        world.admin,
        world.clearance,
        world.producer_a,
        world.producer_b,
        world.guild_rep,
        world.auditor,
        root,
    ):
        for shot in shots:
            mine = selectors.gate_shot(user, shot.pk)
            theirs = selectors.shots_for(user).select_related("production").filter(pk=shot.pk).first()
            assert (mine and (mine.pk, mine.code, mine.production_id)) == (
                theirs and (theirs.pk, theirs.code, theirs.production_id)
            ), (user, shot)
            if mine:  # the production whole, read without another query; the shot's other fields when asked
                assert [
                    getattr(mine.production, k)
                    for k in ("studio_id", "title", "code", "output_disclosure", "created_at")
                ] == [
                    getattr(theirs.production, k)
                    for k in ("studio_id", "title", "code", "output_disclosure", "created_at")
                ]
                assert mine.description == theirs.description
        mine = selectors.gate_assets(user, wanted)
        theirs = selectors.assets_for(user).filter(pk__in=[i for i in wanted if 0 < i < 2**63]).in_bulk()
        assert sorted(mine) == sorted(theirs), user
        seen.add(tuple(sorted(mine)))
        assert all(
            [getattr(mine[k], n) for n in fields] == [getattr(theirs[k], n) for n in fields] for k in mine
        )
        # The three reads in one statement, on a fresh user object: the same shot, assets and roles.
        expected_roles = access.roles_of(user)
        for shot in shots:
            fresh = django_user_model.objects.get(pk=user.pk)
            together, assets = selectors.gate_reads(fresh, shot.pk, wanted)
            alone = selectors.gate_shot(user, shot.pk)
            assert (
                together and (together.pk, together.code, together.production_id, together.production.title)
            ) == (alone and (alone.pk, alone.code, alone.production_id, alone.production.title)), (user, shot)
            assert sorted(assets) == sorted(mine) and all(
                [getattr(assets[k], n) for n in fields] == [getattr(mine[k], n) for n in fields] for k in mine
            )
            assert fresh._rl_roles == expected_roles, user
            if together:  # an instance as the ORM makes one: the fields not read load when asked
                assert (
                    together.get_deferred_fields()
                    and together.description == alone.description
                    and together.production.created_at
                )
    assert len(seen) >= 3  # none, some and all of them, by role
    assert (
        selectors.gate_shot(world.producer_a, 2**62) is None
        and selectors.gate_assets(world.producer_a, []) == {}
    )
    assert selectors.gate_reads(world.producer_a, 2**62, [2**70]) == (None, {}) and selectors.gate_reads(
        world.producer_a, 2**70, []
    ) == (None, {})
