"""Every API endpoint holds a token to its scope: a clearance-only token is refused everywhere but
training clearance (and the C2PA resolution a clearance check leans on); a read-only token
changes nothing anywhere. The URLs are walked, so a new endpoint is checked without being named."""

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from rightsledger import apitokens, services, vocab
from rightsledger.api.tokens import TokenScope

from .. import factories as f

GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _api_views(patterns=None, prefix=""):
    """Yield (path, view class, its initkwargs) for every DRF view the URL configuration routes to."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _api_views(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            cls = getattr(p.callback, "cls", None)
            route = prefix + str(p.pattern)
            if cls is None or not issubclass(cls, APIView) or "format" in route:
                continue
            route = GROUP.sub("1", route).replace("^", "").replace("$", "").replace("\\", "")
            route = CONVERTER.sub(lambda m: "1" if m.group(1) == "int" else "x", route)
            yield "/" + route, cls, getattr(p.callback, "initkwargs", {})


def _says(response, message: str) -> bool:
    """Return whether a refusal gives the message (the API's pages for people, /api/docs/, are
    HTML rendered by their own renderer, which gives no message: their 403 is enough)."""
    if response["Content-Type"].startswith("text/html"):
        return True
    return message in response.content.decode()


def _client(user, scope):
    token, text = services.api_token_create(
        actor=user,
        user=user,
        name=f"{scope} pipeline",
        scope=scope,
        expires_at=timezone.now().date() + datetime.timedelta(days=30),
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    return client


def test_every_api_view_holds_a_token_to_its_scope():
    views = list(_api_views())
    assert len(views) > 40  # the walk found the API
    missing = sorted(
        path
        for path, cls, kwargs in views
        if TokenScope not in [type(p) for p in cls(**kwargs).get_permissions()]
    )
    assert missing == []


@pytest.mark.django_db
def test_a_clearance_only_token_is_refused_by_every_other_endpoint(world):
    client = _client(world.admin, vocab.TOKEN_SCOPE_TRAINING_CLEARANCE)
    allowed, refused = [], []
    for path, cls, _ in _api_views():
        if getattr(cls, "training_clearance", False):
            allowed.append(path)
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path, {}, format="json")
            if response.status_code != 403 or not _says(response, apitokens.REFUSED_TRAINING_ONLY):
                refused.append((method, path, response.status_code))
    assert refused == []
    assert "/api/training-clearance/" in allowed
    assert len(allowed) == 4  # training clearance and the three C2PA resolution endpoints


@pytest.mark.django_db
def test_a_read_only_token_changes_nothing_anywhere(world, ledger_count):
    client = _client(world.admin, vocab.TOKEN_SCOPE_READ_ONLY)
    before = ledger_count()
    let_through = []
    for path, cls, _ in _api_views():
        if getattr(cls, "writes_nothing", False):
            continue
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(path, {}, format="json")
            if response.status_code != 403 or not _says(response, apitokens.REFUSED_READ_ONLY):
                let_through.append((method, path, response.status_code))
    assert let_through == []
    assert ledger_count() == before


@pytest.mark.django_db
def test_the_training_clearance_endpoints_answer_a_clearance_only_token(world):
    asset = f.make_asset(world.prod_a, seed=91)
    services.reservation_create(
        actor=None,
        studio=world.studio,
        subject_type="asset",
        asset=asset,
        uses=["ai_training"],
        source="contract",
        effective_date=datetime.date(2026, 1, 1),
    )
    client = _client(world.producer_a, vocab.TOKEN_SCOPE_TRAINING_CLEARANCE)
    response = client.post("/api/training-clearance/", {"sha256": [asset.sha256, "0" * 64]}, format="json")
    assert response.status_code == 200
    assert [r["verdict"] for r in response.json()["results"]] == ["not_allowed", "unknown"]
    by_binding = client.get("/api/c2pa/v1/matches/byBinding", {"alg": "com.rightsledger.wm", "value": "AAAA"})
    assert by_binding.status_code in (200, 400)
    assert "training clearance" not in by_binding.content.decode()
    # And nothing else, not even a read within the user's roles.
    refused = client.get("/api/assets/")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["message"] == "This token may only ask for training clearance."
