"""Shared personas. Every permission test reads as: who, does what, gets what."""

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rightsledger import services, vocab
from rightsledger.models import LedgerEntry

from . import factories as f
from .tsa import time_stamp_authority  # noqa: F401  (a fixture: the process's time-stamp authority)
from .workers import broker  # noqa: F401  (a fixture: a real Redis broker for real workers)


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def _ledger_flushable(request):
    """Let transactional tests flush the database between tests.

    The ledger's trigger refuses TRUNCATE, which is how Django empties tables after a
    transactional test; as the PostgreSQL superuser the tests switch triggers off for that
    flush alone. Every test that uses the database switches them on again first (below).
    """
    if not _transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


def _triggers_on():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")


@pytest.fixture(autouse=True)
def _every_record_has_its_entry(request):
    """In a test that runs inside one transaction (rolled back at its end, so never committed),
    check at its end what PostgreSQL checks at commit: every ledger-backed row written by the
    test has its ledger entry. SET CONSTRAINTS ... IMMEDIATE fires the deferred triggers then."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "world"} & set(
        request.fixturenames
    )
    if not uses_db:
        yield
        return
    request.getfixturevalue("transactional_db" if _transactional(request) else "db")
    _triggers_on()
    yield
    if not _transactional(request) and connection.vendor == "postgresql" and not connection.needs_rollback:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture(autouse=True)
def ledger_and_signing_keys(request, tmp_path, settings):
    """Every test gets its own ledger key file and, where it uses the database, a development
    signing identity, as `manage.py signing init --dev` makes them."""
    settings.LEDGER_SIGNING_KEY_FILE = str(tmp_path / "keys" / "ledger.key")
    settings.LEDGER_SIGNING_KEY_CREATE = True
    settings.SIGNING_KEYS_DIR = tmp_path / "keys"
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db", "world"} & set(
        request.fixturenames
    ):
        request.getfixturevalue("transactional_db" if _transactional(request) else "db")
        from provenance.services import identity_dev_init

        identity, paths = identity_dev_init()
        settings.C2PA_TRUST_ANCHORS = [str(paths["root"])]


@pytest.fixture(autouse=True)
def _time_stamped(request, settings):
    """Every signature is time-stamped by the process's TSA, as C2PA_TSA_URL asks in production."""
    settings.C2PA_TSA_URL = request.getfixturevalue("time_stamp_authority")["url"]
    settings.C2PA_TSA_REQUIRED = True


@pytest.fixture(autouse=True)
def _publish_on_demand(settings):
    """Checkpoints are published when a test asks for one (checkpoints.ledger_publish), not after
    each commit: on PostgreSQL a publish takes only the entries older than every transaction still
    open on the server, so one run after each commit would take a test's entries or not depending
    on what else runs there. The tests of publishing after a write turn it on."""
    settings.LEDGER_PUBLISH_ON_WRITE = False


@pytest.fixture(autouse=True)
def _one_factor(request, settings):
    """Tests sign in with a password alone (or force_login), as the demo does: two-factor sign-in
    (OTP_REQUIRED_ROLES, on in production) is turned on by the tests of it, marked two_factor."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.OTP_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (login attempts are counted there)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The engines' temporary files, a folder of each test's own (checked empty after a run).
    settings.GENERATION_WORK_DIR = str(tmp_path / "tmp")
    # Production serves collected, hashed static files; the tests have not run collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return settings.MEDIA_ROOT


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


class World:
    """A studio with two productions, and one user for each role."""

    def __init__(self):
        self.studio = f.StudioFactory(name="Harbour Pictures", slug="harbour")
        self.other_studio = f.StudioFactory(name="Other Studio", slug="other")
        self.prod_a = f.ProductionFactory(studio=self.studio, title="The Long Night", code="long-night")
        self.prod_b = f.ProductionFactory(studio=self.studio, title="Salt Road", code="salt-road")
        self.prod_other = f.ProductionFactory(studio=self.other_studio, title="Elsewhere", code="elsewhere")
        self.guild = f.make_guild()
        self.other_guild = f.make_guild(name="Equity", abbreviation="Equity")

        # A studio admin of Harbour Pictures: acts on both its productions.
        self.admin = f.UserFactory(username="admin")
        services.role_grant(actor=None, user=self.admin, kind=vocab.ROLE_STUDIO_ADMIN, studio=self.studio)
        # A clearance user of production A: registers assets, records grants and consents.
        self.clearance = f.UserFactory(username="clearance")
        services.role_grant(
            actor=None, user=self.clearance, kind=vocab.ROLE_CLEARANCE, production=self.prod_a
        )
        # A producer of production A: reads it, requests generations, records nothing.
        self.producer_a = f.UserFactory(username="producer_a")
        services.role_grant(
            actor=None, user=self.producer_a, kind=vocab.ROLE_PRODUCER, production=self.prod_a
        )
        # A producer of production B: must never see production A.
        self.producer_b = f.UserFactory(username="producer_b")
        services.role_grant(
            actor=None, user=self.producer_b, kind=vocab.ROLE_PRODUCER, production=self.prod_b
        )
        # A guild representative of SAG-AFTRA: sees its members' consents, nothing else.
        self.guild_rep = f.UserFactory(username="guild_rep")
        services.role_grant(actor=None, user=self.guild_rep, kind=vocab.ROLE_GUILD_REP, guild=self.guild)
        # An auditor of production A: reads everything of it, writes nothing.
        self.auditor = f.UserFactory(username="auditor")
        services.role_grant(actor=None, user=self.auditor, kind=vocab.ROLE_AUDITOR, production=self.prod_a)

        self.party = f.make_party(self.studio)
        self.other_party = f.make_party(self.other_studio, name="Elsewhere Rights")


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def api():
    """api(user) returns a client authenticated with the user's token; api(None) is anonymous."""
    return client_for


@pytest.fixture
def ledger_count():
    return lambda: LedgerEntry.objects.count()


@pytest.fixture
def ledger_key(tmp_path, settings):
    """A ledger signing key of the test's own (checkpoints are signed with it); its verifier key."""
    from rightsledger.ledger import checkpoints

    settings.LEDGER_SIGNING_KEY_FILE = str(tmp_path / "keys" / "ledger.key")
    settings.LEDGER_SIGNING_KEY_CREATE = False
    return checkpoints.key_generate()
