"""What an answer contains, not only its status: for every API operation and portal page of the
permission matrix (tests/test_permission_matrix.py: the same routes, targets and identities),
every record id and name in the answer (JSON, HTML, CSV, SVG, text) is one the identity may read.

The world gives every record an id no other record has (each table's ids start in a range of
their own) and the records distinctive names, so that an id or a name found in an answer says
which record it is. Who may read a record is what the matrix says of its own route (the
"readers" of production-detail, shot-detail, ...), with one addition: a guild's representative
reads the production that its member's consent names, as the consent itself does.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.db import connection

from generation import services as gen
from generation.models import Decision, GenerationRequest
from rightsledger import services
from rightsledger.models import (
    Asset,
    ConsentFlag,
    ConsentRecord,
    Guild,
    Party,
    Production,
    RightsGrant,
    Shot,
    Studio,
    Talent,
    TrainingReservation,
)

from . import factories as f
from .test_permission_matrix import (
    IDENTITIES,
    PUBLIC,
    PUBLIC_VALUES,
    SKIPPED,
    TARGETS,
    Matrix,
    _client,
    _hidden,
    _path,
    _routes,
)

# Each table's ids start at FIRST_ID + its place here × ID_STEP, so one number is one record.
DISTINCT = (
    Studio,
    Production,
    Shot,
    Party,
    Guild,
    Talent,
    Asset,
    RightsGrant,
    ConsentRecord,
    TrainingReservation,
    GenerationRequest,
    Decision,
    ConsentFlag,
)
FIRST_ID, ID_STEP = 5_000_000, 100_000
# Answers that are not text: the files themselves (their names and ids are in the pages about them).
BINARY = ("image/", "video/", "audio/", "application/pdf", "application/c2pa", "application/octet-stream")
NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Known:
    """A record of the world: what it is, its id, the names that identify it, who may read it."""

    kind: str
    pk: int
    names: tuple[str, ...]
    readers: frozenset


@pytest.fixture
def distinct_ids(db):
    """Start each DISTINCT table's ids in a range of its own for the test, and put the sequences
    back after it (the rows go with the test's transaction)."""
    if connection.vendor != "postgresql":
        pytest.skip("ids are placed by setting PostgreSQL sequences")
    saved = []
    with connection.cursor() as cursor:
        for n, model in enumerate(DISTINCT):
            table, column = model._meta.db_table, model._meta.pk.column
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # nosec B608: the sequence's name
            saved.append((sequence, *cursor.fetchone()))
            cursor.execute("SELECT setval(%s, %s, false)", [sequence, FIRST_ID + n * ID_STEP])
    yield
    with connection.cursor() as cursor:
        for sequence, value, called in saved:
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, value, called])


def _readers(detail: str, target: str) -> frozenset:
    row = TARGETS[detail]
    return frozenset(who for who in IDENTITIES if who in row["readers"] and not _hidden(row, who, target))


class World:
    """The matrix's records, each tenant's with a likeness request that relies on its consent
    (a sign-off is due, so it is pending), and the catalogue of every record with its readers."""

    def __init__(self, world, run_on_commit):
        matrix = Matrix(world, run_on_commit)
        self.matrix = matrix
        self.known: list[Known] = []
        for target, r in (("own", matrix.own), ("other", matrix.other)):
            r["likeness"] = Asset.objects.get(talent=r["talent"], kind="likeness_reference")
            r["likeness_request"] = self.likeness_request(world, r, r["likeness"])
            # The guild's representative reads the production its member's consent names.
            production = _readers("production-detail", target) | {"guild_rep"}
            self.add(target, "studio", r["studio"], "studio-detail", r["studio"].name)
            self.add(target, "production", r["production"], production, r["production"].title)
            self.add(target, "party", r["party"], "party-detail", r["party"].name)
            self.add(target, "shot", r["shot"], "shot-detail", r["shot"].code)
            self.add(target, "talent", r["talent"], "talent-detail", r["talent"].legal_name)
            self.add(target, "guild", r["guild"], "guild-detail")
            for key in ("plate", "likeness", "output"):
                self.add(target, key, r[key], "asset-detail")
            for key in ("grant", "consent", "reservation"):
                self.add(target, key, r[key], f"{key}-detail")
            for key in ("request", "likeness_request"):
                self.add(target, key, r[key], "generation-request-detail")
                for decision in r[key].decisions.all():
                    self.add(target, "decision", decision, "generation-request-detail")
        # The guild's member also consents to the other studio's production, which relies on it:
        # the guild reads that consent (and the production it names), none of the production's records.
        other, talent = matrix.other, matrix.own["talent"]
        cross = f.make_consent(other["production"], talent, permitted_uses=["atmosphere", "likeness"])
        likeness = f.make_asset(other["production"], seed=61, kind="likeness_reference", talent=talent)
        f.make_grant(
            other["production"],
            other["party"],
            [likeness],
            uses=["genai_input"],
            media=["theatrical"],
            territories=["WORLD"],
        )
        request = self.likeness_request(world, other, likeness)
        self.add("other", "consent of the guild's member", cross, {"guild_rep"})
        self.add("other", "likeness of the guild's member", likeness, "asset-detail")
        self.add("other", "request relying on the guild's member", request, "generation-request-detail")
        # The guild flags its member's consent: the production's clearance users are told.
        flag = services.consent_flag(
            actor=world.guild_rep,
            consent=matrix.own["consent"],
            guild=world.guild,
            reason="Flagged: scan date disputed (QX-flag-own)",
        )
        self.add("own", "flag", flag, "consent-detail", "QX-flag-own")
        staff = _readers("party-detail", "own")
        self.known += [
            Known("production", world.prod_b.pk, (world.prod_b.title,), frozenset({"admin", "producer_b"})),
            Known("party", world.party.pk, (world.party.name,), staff),
            Known("party", world.other_party.pk, (world.other_party.name,), frozenset()),
        ]
        assert len({k.pk for k in self.known}) == len(self.known), "two records share an id"

    @staticmethod
    def likeness_request(world, r, likeness) -> GenerationRequest:
        """Return a request of the tenant's shot with its plate and a performer's likeness, which
        relies on the performer's consent and waits for a sign-off."""
        request = gen.request_submit(
            actor=world.admin,
            production=r["production"],
            shot=r["shot"],
            engine="atmosphere",
            seed=2,
            intended_use="atmosphere",
            media=["theatrical"],
            territories=["US"],
            release_start=datetime.date(2026, 6, 1),
            release_end=datetime.date(2026, 12, 31),
            inputs=[{"asset": r["plate"], "role": "plate"}, {"asset": likeness, "role": "likeness"}],
        )
        assert request.status == "needs_clearance", request.status
        return request

    def add(self, target, kind, record, readers, *names):
        readers = _readers(readers, target) if isinstance(readers, str) else frozenset(readers)
        self.known.append(Known(f"{target} {kind}", record.pk, tuple(names), readers))

    def named(self, text: str) -> list[tuple[Known, str]]:
        """Return the records named in text, each with how: its id, or one of its names."""
        numbers = set(NUMBER.findall(text))
        found = []
        for k in self.known:
            if str(k.pk) in numbers:
                found.append((k, str(k.pk)))
            found += [(k, repr(name)) for name in k.names if name in text]
        return found


@pytest.fixture
def seeded(distinct_ids, world, django_capture_on_commit_callbacks):
    return World(world, django_capture_on_commit_callbacks)


def _text(response) -> str | None:
    """Return the answer's text, or None for a file's bytes."""
    if response.get("Content-Type", "").startswith(BINARY):
        return None
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8", "replace")


def _variants(row, records) -> list[tuple[str, dict | None]]:
    """Return the path values to try for a route: none, or the record's (and for a route that
    takes a kind of record, the tenant's grant, consent and reservation in turn)."""
    if row["values"] is None:
        return [("", None)]
    values = row["values"](records)
    if "kind" not in values or "pk" not in values:
        return [("", values)]
    kinds = ("grant", "consent", "reservation")
    return [(kind, {**values, "kind": kind, "pk": records[kind].pk}) for kind in kinds]


@pytest.mark.heavy(40)
def test_no_answer_names_a_record_its_caller_may_not_read(seeded, settings):
    settings.LOGIN_RATE = "100000/min"
    world, matrix = seeded.matrix.world, seeded.matrix
    clients = {who: _client(world, who) for who in IDENTITIES}
    answers, problems, seen = 0, [], set()
    for name, route, declared in _routes():
        if name in SKIPPED:
            continue
        public = name in PUBLIC
        row = None if public else TARGETS[name]
        methods = (declared or ["get"]) if public else (row["methods"] or declared)
        tenants = (("own", matrix.own), ("other", matrix.other)) if not public else (("", None),)
        for target, records in tenants:
            for kind, values in [("", PUBLIC_VALUES)] if public else _variants(row, records):
                if values is None and target == "other":
                    continue  # a route that names no record answers the same for both
                path = _path(route, values or {})
                for method in methods:
                    for who in IDENTITIES:
                        api, web = clients[who]
                        client = api if route.startswith("api/") else web
                        if method == "get":
                            response = client.get(path)
                        elif client is api:
                            response = client.post(path, {}, format="json")
                        else:
                            response = client.post(path, {})
                        text = _text(response)
                        if text is None:
                            continue
                        answers += 1
                        named = seeded.named(text.replace(path, ""))
                        seen |= {k for k, _ in named if who in k.readers}
                        found = sorted({f"{k.kind} {how}" for k, how in named if who not in k.readers})
                        if found:
                            problems.append(
                                f"{method.upper()} {path} ({name} {kind}, {target}) as {who}, "
                                f"{response.status_code}: {', '.join(found)}"
                            )
    print(f"content isolation: {answers} answers")
    assert answers > 1000, answers
    # Each record is found in some answer to one who may read it: the search would find it elsewhere.
    unseen = [k for k in seeded.known if k.readers and k not in seen]
    assert not unseen, unseen
    assert not problems, "\n".join(problems)


def test_the_guild_learns_its_members_consent_was_relied_on_and_nothing_of_the_production(seeded, api):
    world, own = seeded.matrix.world, seeded.matrix.own
    path = f"/api/impact/consent/{own['consent'].pk}/"
    guild = api(world.guild_rep).get(path).json()
    assert guild == {
        "record_type": "consent",
        "versions": [own["consent"].pk],
        "relied_on": True,
        "shots": [],
        "requests": [],
        "pending": [],
        "outputs": [],
    }
    # The production's own people see what relied on it: the likeness request, waiting for a sign-off.
    for who in ("clearance", "producer_a", "auditor"):
        data = api(getattr(world, who)).get(path).json()
        assert data["relied_on"] is True and data["pending"] == [own["likeness_request"].pk], who
        assert data["shots"] == [{"id": own["shot"].pk, "code": own["shot"].code}], who
    # A consent nothing relied on says so; another tenant's is not found at all.
    member = f.make_talent("Performer unused", guild=world.guild, member_id="M-unused")
    unused = f.make_consent(world.prod_a, member)
    rep = api(world.guild_rep)
    assert rep.get(f"/api/impact/consent/{unused.pk}/").json()["relied_on"] is False
    assert rep.get(f"/api/impact/consent/{seeded.matrix.other['consent'].pk}/").status_code == 404
