"""Filters by id tell nothing: on every API list, a filter that takes a record's id answers for
the id of a record the caller may not see exactly as for an id that no record has (status,
body and the number of SQL statements run), and a malformed id is a 400 naming the filter.

The filters are read from the filtersets of the lists in the URL configuration, so a new
filter by id is covered without being listed here; one whose records this file cannot find in
another tenant fails the test until it is added to OTHER."""

import json
import uuid
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from django_filters.utils import get_model_field

from rightsledger import services, vocab
from rightsledger.api.filtering import StrictFilterBackend

from . import factories as f
from .test_permission_matrix import IDENTITIES, MISSING, TARGETS, Matrix, _client, _hidden, _path, _routes

# A related model -> how to find another tenant's record of it, and the detail route whose
# matrix row says who may see that record (None: no route shows it, so it is hidden from all).
OTHER = {
    "rightsledger.Studio": ("studio", "studio-detail"),
    "rightsledger.Production": ("production", "production-detail"),
    "rightsledger.Shot": ("shot", "shot-detail"),
    "rightsledger.Party": ("party", "party-detail"),
    "rightsledger.Guild": ("guild", "guild-detail"),
    "rightsledger.Talent": ("talent", "talent-detail"),
    "rightsledger.Asset": ("plate", "asset-detail"),
    "auth.User": ("user", None),
}
# Columns that hold an id without being a relation: an entry's record, a record's chain.
ID_COLUMNS = {"record_id": ("grant", "grant-detail"), "chain": ("grant", "grant-detail")}


def id_filters() -> list[tuple[str, str, str, object]]:
    """Return (list route name, route, filter name, what it takes) for every filter of every API
    list that takes a record's id: what it takes is a model label of OTHER, or an ID_COLUMNS key."""
    backend, out = StrictFilterBackend(), []
    for name, route, _ in _routes():
        if not name.endswith("-list"):
            continue
        cls = getattr(get_resolver().resolve(_path(route, defaultdict(int))).func, "cls", None)
        if cls is None or not hasattr(cls, "get_serializer_class"):
            continue  # not a list of records (a record's flags, say): it has no filters
        view = cls()
        view.action = "list"
        model = view.get_serializer_class().Meta.model
        filterset = backend.get_filterset_class(view, model.objects.none())
        for filter_name, flt in filterset.base_filters.items() if filterset else ():
            field = get_model_field(model, flt.field_name)
            if field is not None and field.is_relation:
                out.append((name, route, filter_name, field.related_model._meta.label))
            elif field is not None and field.name in ID_COLUMNS:
                out.append((name, route, filter_name, field.name))
    return out


def _get(client, path) -> tuple[int, bytes, int]:
    connection.queries_log.clear()  # it keeps the last 9,000 queries: a count once it is full reads 0
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, response.content, len(queries.captured_queries)


@pytest.fixture
def other(world, django_capture_on_commit_callbacks):
    """Another studio's records (and a producer of them, whose id ?requester= takes)."""
    records = Matrix(world, django_capture_on_commit_callbacks).other
    records["user"] = f.UserFactory(username="producer_other")
    services.role_grant(
        actor=None, user=records["user"], kind=vocab.ROLE_PRODUCER, production=world.prod_other
    )
    return records


def test_every_list_has_its_id_filters_found():
    found = {(name, flt) for name, _, flt, _ in id_filters()}
    # Those the issue named, on the lists it named: if one is no longer found, the reading is wrong.
    assert {
        ("generation-request-list", "requester"),
        ("generation-request-list", "shot"),
        ("asset-list", "owner"),
        ("grant-list", "grantor"),
        ("grant-list", "asset"),
        ("consent-list", "talent"),
        ("consent-list", "guild"),
        ("production-list", "studio"),
        ("talent-list", "guild"),
        ("ledger-entry-list", "record_id"),
    } <= found
    unknown = sorted({takes for _, _, _, takes in id_filters()} - set(OTHER) - set(ID_COLUMNS))
    assert not unknown, f"filters by the id of {unknown}: add where another tenant's record of it is to OTHER"


def test_an_id_the_caller_may_not_see_filters_as_an_id_no_record_has(world, other):
    clients = {who: _client(world, who)[0] for who in IDENTITIES}
    compared, problems = 0, []
    for _name, route, flt, takes in id_filters():
        key, detail = OTHER.get(takes) or ID_COLUMNS[takes]
        record = other[key]
        value, missing = (record.chain, uuid.uuid4()) if flt == "chain" else (record.pk, MISSING)
        base = _path(route, {})
        if flt == "record_id":  # an entry names its record by type and id: ids of other types may match
            flt = f"record_type={key}&{flt}"
        for who in IDENTITIES:
            if detail is not None and not _hidden(TARGETS[detail], who, "other"):
                continue  # the caller may see it (a guild; talent, for studio staff): rows may match
            _get(clients[who], f"{base}?{flt}={missing}")  # first: a first-use cache counts in neither
            hidden = _get(clients[who], f"{base}?{flt}={value}")
            absent = _get(clients[who], f"{base}?{flt}={missing}")
            compared += 1
            if hidden != absent:
                problems.append(
                    f"{base}?{flt}= as {who}: another tenant's {key} {hidden[:2]} "
                    f"({hidden[2]} statements), no record {absent[:2]} ({absent[2]} statements)"
                )
    assert compared >= 100, compared
    assert not problems, "\n".join(problems)


def test_a_malformed_id_is_a_400_naming_the_filter(world, other):
    api = _client(world, "clearance")[0]
    problems = []
    for name, route, flt, _takes in id_filters():
        for bad in ("abc", "-1", "1.5", str(2**64)) if flt != "chain" else ("abc", "12"):
            response = api.get(f"{_path(route, {})}?{flt}={bad}")
            errors = json.loads(response.content).get("errors") if response.status_code == 400 else None
            if not errors or errors[0].get("field") != flt or not errors[0].get("message"):
                problems.append(f"{name}?{flt}={bad}: {response.status_code} {response.content[:200]!r}")
    assert not problems, "\n".join(problems)


def test_a_filter_given_twice_is_a_400_naming_it(world, other):
    api = _client(world, "clearance")[0]
    problems = []
    cases = [
        (name, route, flt, ("1", "2") if flt != "chain" else (str(uuid.uuid4()), str(uuid.uuid4())))
        for name, route, flt, takes in id_filters()
    ]
    cases.append(("grants", "api/grants/", "current", ("true", "false")))
    for name, route, flt, (first, second) in cases:
        response = api.get(f"{_path(route, {})}?{flt}={first}&{flt}={second}")
        errors = json.loads(response.content).get("errors") if response.status_code == 400 else None
        if not errors or errors[0].get("field") != flt or "once" not in errors[0].get("message", ""):
            problems.append(
                f"{name}?{flt}={first}&{flt}={second}: {response.status_code} {response.content[:200]!r}"
            )
    assert not problems, "\n".join(problems)


def test_an_id_the_caller_may_see_still_filters(world, other, django_capture_on_commit_callbacks):
    api = _client(world, "clearance")[0]
    party = f.make_party(world.studio, name="Filter Stock")
    plate = f.make_asset(world.prod_a, seed=5, owner=party)
    assert [a["id"] for a in api.get(f"/api/assets/?owner={party.pk}").json()["results"]] == [plate.pk]
    assert api.get(f"/api/assets/?owner={other['party'].pk}").json()["results"] == []
    listed = api.get(f"/api/assets/?production={world.prod_a.pk}").json()["results"]
    assert plate.pk in {a["id"] for a in listed}


def test_a_filter_by_model_choice_or_a_filterset_of_another_base_is_refused():
    import django_filters
    from django.core.exceptions import ImproperlyConfigured
    from rest_framework.generics import GenericAPIView

    from rightsledger.api.filtering import StrictFilterSet
    from rightsledger.models import Production, Shot

    with pytest.raises(ImproperlyConfigured, match="by id"):
        type(
            "ShotFilter",
            (StrictFilterSet,),
            {
                "production": django_filters.ModelChoiceFilter(queryset=Production.objects.all()),
                "Meta": type("Meta", (), {"model": Shot, "fields": ["production"]}),
            },
        )
    meta = type("Meta", (), {"model": Shot, "fields": ["code"]})
    plain = type("ShotFilter", (django_filters.FilterSet,), {"Meta": meta})
    view = type("ShotListApi", (GenericAPIView,), {"filterset_class": plain})()
    with pytest.raises(ImproperlyConfigured, match="StrictFilterSet"):
        StrictFilterBackend().get_filterset_class(view, Shot.objects.none())


def _relations(serializer, path=""):
    """Yield (path, field) for every relation a serializer reads from its input, nested ones too."""
    from rest_framework import serializers

    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ManyRelatedField):
            field = field.child_relation
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.BaseSerializer):
            yield from _relations(field, f"{path}{name}.")
        elif isinstance(field, serializers.RelatedField):
            yield f"{path}{name}", field


def test_every_id_a_body_takes_is_looked_up_among_the_records_the_caller_may_see():
    """The same rule for ids in a body: resolved among what the caller may see (VisibleRelated),
    so that another tenant's id is refused as an id of no record is."""
    import inspect

    from generation.api import serializers as gen_serializers
    from rightsledger.api import serializers as rl_serializers
    from rightsledger.api.serializers import StrictSerializer, VisibleRelated

    classes = [
        c
        for module in (rl_serializers, gen_serializers)  # what the API reads
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, StrictSerializer) and c.__module__.startswith(module.__name__)
    ]
    found = [(c.__name__, path, field) for c in classes for path, field in _relations(c())]
    assert len(found) >= 15, found
    assert not [f"{name}.{path}" for name, path, field in found if not isinstance(field, VisibleRelated)]


@pytest.mark.parametrize(
    "who, path, body",
    [
        ("clearance", "/api/parties/", {"name": "Stock", "kind": "rights_holder"}),
        ("admin", "/api/productions/", {"title": "Elsewhere Two", "code": "elsewhere-two"}),
        (
            "clearance",
            "/api/reservations/",
            {
                "subject_type": "talent",
                "uses": ["ai_training"],
                "source": "contract",
                "effective_date": "2026-01-01",
            },
        ),
    ],
)
def test_another_studios_id_in_a_body_is_refused_as_an_id_of_no_studio(world, other, who, path, body):
    api = _client(world, who)[0]
    body = {**body, "talent": other["talent"].pk} if "subject_type" in body else body

    def post(studio):  # the message quotes the id given: the rest is compared
        with CaptureQueriesContext(connection) as queries:
            response = api.post(path, {**body, "studio": studio}, format="json")
        content = response.content.replace(str(studio).encode(), b"ID")
        return response.status_code, content, len(queries.captured_queries)

    post(MISSING)  # first: a first-use cache counts in neither
    hidden, absent = post(other["studio"].pk), post(MISSING)
    assert hidden[0] == 400 and hidden == absent, (hidden, absent)
