"""The permission matrix, generated from the URL configuration: every API operation and portal
page × every identity × a record of the identity's own production (or guild) and one of another
tenant. A route missing from TARGETS fails the test, so a new route cannot go unchecked.

For each cell:
- no answer is a 500;
- anonymous callers get 401 from the API and a redirect to the login page from the portal,
  except on the public routes;
- another tenant's record answers exactly as a record that does not exist (status, error code
  and the number of SQL statements run, which is what would make its timing differ);
- a record of the identity's own production is read by those who may read it and refused with
  403 to those who may see but not change it;
- lists and counts are the same before and after another tenant records more.
"""

import datetime
import difflib
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver

from generation import services as gen
from portal import exports as portal_exports
from rightsledger import services, vocab
from rightsledger.models import LedgerEntry

from . import factories as f
from . import images
from .conftest import client_for

MISSING = 987654321
IDENTITIES = ("anonymous", "admin", "clearance", "producer_a", "producer_b", "guild_rep", "auditor")
PROD_READERS = {"admin", "clearance", "producer_a", "auditor"}
CONSENT_READERS = PROD_READERS | {"guild_rep"}
CLEARANCE = {"admin", "clearance"}
SHOT_WRITERS = {"admin", "clearance", "producer_a"}
NOBODY: set = set()  # only a superuser (the operator), who is not in the matrix

# Routes anyone may call, checked here for no 500 (what they answer is tested where they are):
# the ledger's public face and proofs, witnessed checkpoints, training clearance, the
# soft-binding API, opt-out signals, the schema, engines and vocabulary, verifying a file, the
# landing page, and Django's login and password-reset pages.
PUBLIC = {
    "ledger-checkpoint",
    "ledger-tile",
    "ledger-checkpoint-size",
    "ledger-verifier-key",
    "schema",
    "swagger-ui",
    "training-clearance",
    "softbinding-by-binding",
    "softbinding-by-content",
    "softbinding-manifest",
    "tdmrep",
    "tdm-policy",
    "robots",
    "api-token",
    "login",
    "sso_start",
    "sso_callback",
    "signed_out",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "ledger-inclusion",
    "ledger-consistency",
    "ledger-witness",
    "api-root",
    "engines",
    "vocabulary",
    "verify",
    "ledger",
    "home",
    "api-not-found",
    "calendar_ics",
    # Operations: liveness needs no sign-in; /metrics is held to addresses or a token (tests/ops).
    "healthz",
    "metrics",
}
SKIPPED = {
    # The admin's own login page, throttled like the portal's: tests/ops/test_admin_sign_in_throttling.py.
    "admin-login",
    "logout",
    "password_change",
    "password_change_done",
    # Readiness checks committed state on connections of its own, which a test's open transaction
    # hides (it would answer 503 here): tests/ops/test_health.py covers it.
    "readyz",
    # One's own second factors only (another person's device answers as one that does not exist),
    # and django-otp-webauthn's JSON ceremony: tests/portal/test_two_factor.py.
    "two_factor_remove",
    "credential-registration-begin",
    "credential-registration-complete",
    "credential-authentication-begin",
    "credential-authentication-complete",
    "js-i18n-catalog",
}  # Django's own account pages, covered by Django; readiness


def _routes():
    """Every (name, route pattern) of the service, from the URL configuration, without the admin
    (Django's) and the format-suffix twins of API routes (the same views)."""
    out = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern) == "admin/":
                    continue
                walk(p.url_patterns, prefix + str(p.pattern))
            elif "format" not in str(p.pattern):
                cb = p.callback
                methods = sorted(cb.actions) if getattr(cb, "actions", None) else None
                if methods is None and getattr(cb, "cls", None) is not None:
                    methods = [m for m in ("get", "post") if hasattr(cb.cls, m)]
                out.append((p.name, prefix + str(p.pattern), methods))

    walk(get_resolver().url_patterns)
    return out


def _path(pattern: str, values: dict) -> str:
    """Fill a route pattern (path converters or a router's regex) with values."""
    path = pattern.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    return "/" + path


class Matrix:
    """Records of production A and guild SAG-AFTRA (own), and of another studio's production and
    another guild (other), for every kind of record a route names."""

    def __init__(self, world, run_on_commit):
        self.world, self.run_on_commit = world, run_on_commit
        self.own = self._records(world.prod_a, world.guild, "own", 11)
        self.other = self._records(world.prod_other, world.other_guild, "other", 21)

    @staticmethod
    def _producer(production, tag):
        user = f.UserFactory(username=f"requester_{tag}")
        services.role_grant(actor=None, user=user, kind=vocab.ROLE_PRODUCER, production=production)
        return user

    def _records(self, production, guild, tag, seed):
        party = f.make_party(production.studio, name=f"Stock {tag}")
        shot = f.make_shot(production, code=f"EP1_{tag.upper()}")
        plate = f.make_asset(production, seed=seed, owner=party)
        talent = f.make_talent(f"Performer {tag}", guild=guild, member_id=f"M-{tag}")
        likeness = f.make_asset(production, seed=seed + 1, kind="likeness_reference", talent=talent)
        grant = f.make_grant(
            production,
            party,
            [plate, likeness],
            uses=["genai_input"],
            media=["theatrical"],
            territories=["WORLD"],
            contract_sha256="",
            document=SimpleUploadedFile(f"contract-{tag}.png", images.png(seed + 5)),  # a scanned contract
        )
        consent = f.make_consent(
            production,
            talent,
            permitted_uses=["atmosphere", "likeness"],
            evidence_sha256="",
            document=SimpleUploadedFile(f"consent-{tag}.png", images.png(seed + 6)),
        )
        flag = services.consent_flag(
            actor=self.world.guild_rep if tag == "own" else self.world.admin,
            consent=consent,
            guild=guild,
            reason=f"Flag of {tag}",
        )
        reservation = services.reservation_create(
            actor=None,
            subject_type="asset",
            asset=plate,
            uses=["ai_training"],
            source="contract",
            effective_date=datetime.date(2026, 1, 1),
        )
        # Production A's request is the admin's; another studio's, one of its own producers'
        # (whom its runs notify, as they notify the admin of A's).
        requester = self.world.admin if production == self.world.prod_a else self._producer(production, tag)
        request = gen.request_submit(
            actor=requester,
            production=production,
            shot=shot,
            engine="atmosphere",
            seed=1,
            intended_use="atmosphere",
            media=["theatrical"],
            territories=["US"],
            release_start=datetime.date(2026, 6, 1),
            release_end=datetime.date(2026, 12, 31),
            inputs=[{"asset": plate, "role": "plate"}],
        )
        with self.run_on_commit(execute=True):
            gen.request_queue(actor=requester, request=request)  # eager: runs, signs and records the output
        request.refresh_from_db()
        seq = (
            LedgerEntry.objects.filter(record_type="grant", record_id=grant.pk)
            .values_list("seq", flat=True)
            .get()
        )
        labour_action = services.labour_action_record(
            actor=None, production=production, guild=guild, started_on=datetime.date(2026, 1, 1)
        )
        # Ended at once: the records are made again for "more", and one action a union is in force.
        services.labour_action_end(actor=None, action=labour_action, ended_on=datetime.date(2026, 1, 2))
        # An API token of one of the production's people: production A's producer's, whom its
        # clearance user and studio admin look after; another studio's, its own producer's.
        token_user = self.world.producer_a if production == self.world.prod_a else requester
        token, _ = services.api_token_create(
            actor=token_user,
            user=token_user,
            name=f"Pipeline {tag}",
            scope=vocab.TOKEN_SCOPE_READ_ONLY,
            expires_at=datetime.date.today() + datetime.timedelta(days=30),
        )
        export = services.production_export_create(actor=self.world.admin, production=production)
        portal_exports.production_export_build_now(export.pk)
        return dict(
            export=export,
            production=production,
            studio=production.studio,
            party=party,
            shot=shot,
            plate=plate,
            talent=talent,
            grant=grant,
            consent=consent,
            flag=flag,
            reservation=reservation,
            request=request,
            output=request.output.asset,
            seq=seq,
            guild=guild,
            labour_action=labour_action,
            token=token,
            # Someone who holds a role in the studio: production A's clearance user, or another
            # studio's producer.
            person=self.world.clearance if tag == "own" else requester,
        )


def _pk(key):
    return lambda r: {"pk": r[key].pk}


def _prod(kind=None):
    return lambda r: {"production": r["production"].pk, **({"kind": kind} if kind else {})}


def _flag(pk="consent"):
    return lambda r: {pk: r["consent"].pk, "flag": r["flag"].pk}


def _grant(r):
    return {"kind": "grant", "pk": r["grant"].pk}


STAFF = {"admin", "clearance", "producer_a", "producer_b", "auditor"}  # hold a role in the studio
TOKEN_KEEPERS = {"admin", "clearance", "producer_a"}  # production A's producer's token: theirs, and managers'


def _token(r):
    return {"pk": r["token"].public_id}


LOGGED_IN = set(IDENTITIES) - {"anonymous"}


def R(values, readers, writers=NOBODY, viewers=PROD_READERS, methods=None, scoped=True, read=200):
    """A route's row: the values of its path for a record (None: it names none), who reads it
    (GET: 200, or `read`), who may change it (POST: not refused), who may see that it exists (the
    rest get 403; those who may not see it answer as for a record that does not exist), the methods
    (None: as the view declares), and whether another tenant's record is hidden from everyone
    (scoped: True), only from a guild's representative (False: talent, which studio staff all
    see) or from no one (None: guilds)."""
    return dict(
        values=values,
        read=read,
        readers=set(readers),
        writers=set(writers),
        viewers=set(viewers) | set(readers) | set(writers),
        methods=methods,
        scoped=scoped,
    )


# Every route by name. Portal pages declare their methods (Django's views do not say).
# This test runs in one transaction, which never commits: the sequencer takes only committed
# entries, so no checkpoint is ever signed here. A proof file's reader is therefore answered 409
# ("not yet in a checkpoint"), and the checkpoint's witnesses 404, past every access check; the
# answers with a checkpoint are tested in tests/rightsledger/test_proof_files.py and test_cosigning.py.
NO_CHECKPOINT_YET = 409
TARGETS = {
    # API: records
    "studio-list": R(None, LOGGED_IN, NOBODY),
    "studio-detail": R(_pk("studio"), STAFF),
    "production-list": R(None, LOGGED_IN, {"admin"}),
    "production-detail": R(_pk("production"), PROD_READERS),
    "production-performer-rules": R(_prod(), PROD_READERS, CLEARANCE),
    "production-labour-actions": R(_prod(), PROD_READERS, CLEARANCE),
    "production-labour-action-end": R(
        lambda r: {"production": r["production"].pk, "action": r["labour_action"].pk}, NOBODY, CLEARANCE
    ),
    "shot-list": R(None, LOGGED_IN, SHOT_WRITERS),
    "shot-detail": R(_pk("shot"), PROD_READERS),
    "party-list": R(None, LOGGED_IN, CLEARANCE),
    "party-detail": R(_pk("party"), STAFF),
    "guild-list": R(None, LOGGED_IN, {"admin"}),
    "guild-detail": R(_pk("guild"), LOGGED_IN, scoped=None),
    "talent-list": R(None, LOGGED_IN, CLEARANCE),
    "talent-detail": R(_pk("talent"), LOGGED_IN, scoped=False),
    "talent-erase": R(_pk("talent"), NOBODY, viewers=LOGGED_IN, scoped=False),
    "talent-erasure-preview": R(_pk("talent"), NOBODY, viewers=LOGGED_IN, scoped=False),
    "asset-list": R(None, LOGGED_IN, CLEARANCE),
    "asset-detail": R(_pk("plate"), PROD_READERS),
    "asset-content": R(_pk("plate"), PROD_READERS),
    "asset-lineage": R(_pk("output"), PROD_READERS),
    "asset-lineage-prov": R(_pk("output"), PROD_READERS),
    "asset-lineage-svg": R(_pk("output"), PROD_READERS),
    "grant-list": R(None, LOGGED_IN, CLEARANCE),
    "grant-detail": R(_pk("grant"), PROD_READERS),
    "grant-history": R(_pk("grant"), PROD_READERS),
    "grant-document": R(_pk("grant"), PROD_READERS),
    "grant-amend": R(_pk("grant"), NOBODY, CLEARANCE),
    "grant-revoke": R(_pk("grant"), NOBODY, CLEARANCE),
    "consent-list": R(None, LOGGED_IN, CLEARANCE),
    "consent-detail": R(_pk("consent"), CONSENT_READERS),
    "consent-history": R(_pk("consent"), CONSENT_READERS),
    "consent-proofs": R(_pk("consent"), CONSENT_READERS),
    "consent-document": R(_pk("consent"), CONSENT_READERS),
    "consent-proof-file": R(_pk("consent"), CONSENT_READERS, read=NO_CHECKPOINT_YET),
    "consent-amend": R(_pk("consent"), NOBODY, CLEARANCE, CONSENT_READERS),
    "consent-revoke": R(_pk("consent"), NOBODY, CLEARANCE, CONSENT_READERS),
    "consent-flag-list": R(lambda r: {"consent": r["consent"].pk}, CONSENT_READERS),
    "consent-flag-reply": R(_flag(), NOBODY, CLEARANCE),
    "consent-flag-resolve": R(_flag(), NOBODY, CLEARANCE),
    "reservation-list": R(None, LOGGED_IN, CLEARANCE),
    "reservation-detail": R(_pk("reservation"), PROD_READERS),
    "reservation-history": R(_pk("reservation"), PROD_READERS),
    "reservation-amend": R(_pk("reservation"), NOBODY, CLEARANCE),
    "reservation-revoke": R(_pk("reservation"), NOBODY, CLEARANCE),
    "generation-request-list": R(None, LOGGED_IN, SHOT_WRITERS),
    "generation-request-check": R(None, NOBODY, SHOT_WRITERS),
    "generation-request-detail": R(_pk("request"), PROD_READERS),
    "generation-request-queue": R(_pk("request"), NOBODY, SHOT_WRITERS),
    "generation-request-retry": R(_pk("request"), NOBODY, SHOT_WRITERS),
    "generation-request-sign-off": R(_pk("request"), NOBODY, CLEARANCE),
    "generation-request-disclosure": R(_pk("request"), PROD_READERS, CLEARANCE),
    "production-label": R(_pk("production"), NOBODY, CLEARANCE),
    "disclosure-pack": R(_prod(), PROD_READERS),
    "production-continuity": R(_prod(), PROD_READERS),
    "shot-continuity": R(lambda r: {"shot": r["shot"].pk}, PROD_READERS),
    "generation-request-output-proof-file": R(_pk("request"), PROD_READERS, read=NO_CHECKPOINT_YET),
    "revocation-impact": R(_grant, PROD_READERS),
    "ledger-entry-list": R(None, LOGGED_IN),
    "ledger-entry-detail": R(lambda r: {"seq": r["seq"]}, PROD_READERS),
    "ledger-entry-bytes": R(lambda r: {"seq": r["seq"]}, PROD_READERS),
    "ledger-cosignatures": R(None, LOGGED_IN, read=404),
    "me": R(None, LOGGED_IN),
    # API tokens: anyone signed in lists and makes their own; a token is revoked by its user and by
    # those who look after them (production A's producer: its clearance user and studio admin).
    "api-token-list": R(None, LOGGED_IN, LOGGED_IN),
    "api-token-revoke": R(_token, NOBODY, TOKEN_KEEPERS, viewers=TOKEN_KEEPERS),
    # Portal pages
    "productions": R(None, LOGGED_IN, methods=["get"]),
    "clearance": R(None, CLEARANCE, methods=["get"]),
    "notifications": R(None, LOGGED_IN, methods=["get"]),
    "notifications_read": R(None, NOBODY, LOGGED_IN, methods=["post"]),
    "shots": R(_prod(), PROD_READERS, methods=["get"]),
    "timeline": R(_prod(), CLEARANCE, CLEARANCE, methods=["get", "post"]),
    "timeline_export": R(_prod(), PROD_READERS, methods=["get"]),
    "request_new": R(_prod(), SHOT_WRITERS, SHOT_WRITERS, methods=["get", "post"]),
    "request_preview": R(_prod(), NOBODY, SHOT_WRITERS, methods=["post"]),
    "request_engine": R(_prod(), SHOT_WRITERS, methods=["get"]),
    "assets": R(_prod(), PROD_READERS, CLEARANCE, methods=["get", "post"]),
    "record_new": R(_prod("grant"), CLEARANCE, CLEARANCE, methods=["get", "post"]),
    "request": R(_pk("request"), PROD_READERS, methods=["get"]),
    "request_status": R(_pk("request"), PROD_READERS, methods=["get"]),
    "request_queue": R(_pk("request"), NOBODY, SHOT_WRITERS, methods=["post"]),
    "request_sign_off": R(_pk("request"), NOBODY, CLEARANCE, methods=["post"]),
    "output": R(_pk("request"), PROD_READERS, methods=["get"]),
    "output_preview": R(_pk("request"), PROD_READERS, methods=["get"]),
    "asset": R(_pk("plate"), PROD_READERS, methods=["get"]),
    "asset_thumbnail": R(_pk("output"), PROD_READERS, methods=["get"]),
    "asset_thumbnail_panel": R(_pk("plate"), PROD_READERS, methods=["get"]),
    "record": R(_grant, PROD_READERS, methods=["get"]),
    "record_document": R(_grant, PROD_READERS, methods=["get"]),
    "record_amend": R(_grant, CLEARANCE, CLEARANCE, methods=["get", "post"]),
    "record_revoke": R(_grant, CLEARANCE, CLEARANCE, methods=["get", "post"]),
    "flag_answer": R(_flag("pk"), NOBODY, CLEARANCE, methods=["post"]),
    "shot_audit": R(_pk("shot"), PROD_READERS, methods=["get"]),
    "shot_audit_csv": R(_pk("shot"), PROD_READERS, methods=["get"]),
    "shot_audit_pdf": R(_pk("shot"), PROD_READERS, methods=["get"]),
    "shot_audit_prov": R(_pk("shot"), PROD_READERS, methods=["get"]),
    "shot_lineage_svg": R(_pk("shot"), PROD_READERS, methods=["get"]),
    # A production's audit export: clearance and auditors start one; the audit's readers see it.
    "production_export_new": R(_prod(), NOBODY, CLEARANCE | {"auditor"}, methods=["post"]),
    "production_export": R(_pk("export"), PROD_READERS, methods=["get"]),
    "production_export_status": R(_pk("export"), PROD_READERS, methods=["get"]),
    "production_export_file": R(_pk("export"), PROD_READERS, methods=["get"]),
    # A production's disclosure: its readers read the page and the pack; clearance decides.
    "production_disclosure": R(_prod(), PROD_READERS, methods=["get"]),
    "production_label": R(_prod(), NOBODY, CLEARANCE, methods=["post"]),
    "disclosure_pack_pdf": R(_prod(), PROD_READERS, methods=["get"]),
    "disclosure_pack_csv": R(_prod(), PROD_READERS, methods=["get"]),
    "request_disclosure": R(_pk("request"), NOBODY, CLEARANCE, methods=["post"]),
    # A production's performer rules: its readers read the page; clearance switches the rules and
    # records and ends labour actions, as the API lets it.
    "performer_rules": R(_prod(), PROD_READERS, methods=["get"]),
    "production_continuity": R(_prod(), PROD_READERS, methods=["get"]),
    "production_guild_pictures": R(_prod(), NOBODY, CLEARANCE, methods=["post"]),
    "performer_rule_switch": R(_prod(), NOBODY, CLEARANCE, methods=["post"]),
    "labour_action_new": R(_prod(), NOBODY, CLEARANCE, methods=["post"]),
    "labour_action_end": R(
        lambda r: {"production": r["production"].pk, "action": r["labour_action"].pk},
        NOBODY,
        CLEARANCE,
        methods=["post"],
    ),
    "guild_consents": R(None, {"guild_rep"}, viewers=LOGGED_IN, methods=["get"]),
    "guild_consent": R(_pk("consent"), {"guild_rep"}, viewers={"guild_rep"}, methods=["get"]),
    "guild_flag": R(_pk("consent"), NOBODY, {"guild_rep"}, viewers={"guild_rep"}, methods=["post"]),
    # Where a member's likeness was used: their guild's representatives read it; a picture is
    # shown only where the production allows it (none here: 404 to its reader too).
    "guild_members": R(None, {"guild_rep"}, viewers=LOGGED_IN, methods=["get"]),
    "guild_member": R(_pk("talent"), {"guild_rep"}, viewers={"guild_rep"}, methods=["get"]),
    "guild_member_picture": R(
        lambda r: {"pk": r["talent"].pk, "face": r["plate"].pk},
        {"guild_rep"},
        viewers={"guild_rep"},
        methods=["get"],
        read=404,
    ),
    # The registers name a kind, not a record: every production role reads its own productions'
    # rows (what another tenant's hold is checked in tests/portal/test_registers.py).
    "register": R(lambda r: {"kind": "grants"}, STAFF, viewers=LOGGED_IN, methods=["get"], scoped=None),
    "register_of": R(_prod("grants"), PROD_READERS, methods=["get"]),
    "register_export": R(
        lambda r: {"kind": "grants"}, NOBODY, STAFF, viewers=LOGGED_IN, methods=["post"], scoped=None
    ),
    "calendar": R(None, STAFF, methods=["get"]),
    "calendar_feed": R(None, NOBODY, STAFF, methods=["post"]),
    "tokens": R(None, LOGGED_IN, methods=["get"]),
    "token_new": R(None, LOGGED_IN, LOGGED_IN, methods=["get", "post"]),
    "token_revoke": R(_token, TOKEN_KEEPERS, TOKEN_KEEPERS, viewers=TOKEN_KEEPERS, methods=["get", "post"]),
    "legacy_token_revoke": R(None, NOBODY, LOGGED_IN, methods=["post"]),
    # Two-factor sign-in, off here (tests/conftest.py): the list of one's own devices opens to
    # anyone signed in; the other pages send on (302) one whose role needs no second factor. With it
    # on, each is tested in tests/portal/test_two_factor.py.
    "two_factor": R(None, LOGGED_IN, methods=["get"]),
    "two_factor_verify": R(None, LOGGED_IN, LOGGED_IN, methods=["get", "post"], read=302),
    "two_factor_setup": R(None, LOGGED_IN, methods=["get"], read=302),
    "two_factor_app": R(None, LOGGED_IN, LOGGED_IN, methods=["get", "post"], read=302),
    "two_factor_passkey": R(None, LOGGED_IN, methods=["get"], read=302),
    "two_factor_passkey_done": R(None, NOBODY, LOGGED_IN, methods=["post"]),
    "two_factor_recovery_codes": R(None, NOBODY, LOGGED_IN, methods=["post"]),
    # A studio's people, and resetting one's second factor: its studio admin alone (the rest of
    # what the reset does: tests/portal/test_second_factor_reset.py).
    "people": R(None, {"admin"}, viewers={"admin"}, methods=["get"]),
    "people_second_factor_reset": R(
        _pk("person"), {"admin"}, {"admin"}, viewers={"admin"}, methods=["get", "post"]
    ),
}
PUBLIC_VALUES = {
    "size": 1,
    "path": "0/000",
    "manifest_id": "urn:uuid:00000000-0000-4000-8000-000000000000",
    "uidb64": "MQ",
    "token": "set-password",
}


def _client(world, who):
    if who == "anonymous":
        return client_for(None), Client()
    user = getattr(world, who)
    web = Client()
    web.force_login(user)
    return client_for(user), web


def _call(clients, route, method, path):
    api, web = clients
    client = api if route.startswith("api/") else web
    # The connection keeps its last 9,000 queries; a count taken once it is full would read 0.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        if method == "get":
            response = client.get(path)
        else:
            response = client.post(path, {}, format="json") if client is api else client.post(path, {})
    code = None
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            errors = json.loads(response.content).get("errors")
            code = errors[0].get("code") if isinstance(errors, list) and errors else None
        except (ValueError, AttributeError):
            pass
    return response.status_code, code, len(queries.captured_queries)


@pytest.fixture
def matrix(world, django_capture_on_commit_callbacks):
    return Matrix(world, django_capture_on_commit_callbacks)


def _hidden(row, who, target) -> bool:
    """Whether the record must answer as one that does not exist."""
    other = target == "other" and (row["scoped"] is True or (row["scoped"] is False and who == "guild_rep"))
    return other or who not in row["viewers"]


def _expect(row, api, method, who, target, params, status, missing):
    """Return what is wrong with a cell, or None."""
    if who == "anonymous":
        wanted = 401 if api else 302
        return None if status == wanted else f"{status}, not {wanted}"
    allowed = row["methods"]
    if allowed is not None and method not in allowed:
        return None if status == 405 else f"{status}, not 405 for a method the page does not take"
    if params is not None and _hidden(row, who, target):
        return (
            None
            if (status, *missing[1:]) == missing
            else f"{status} differs from a record that does not exist {missing}"
        )
    refused = 403 if who in row["viewers"] or params is None else 404
    if method == "get":
        if who in row["readers"]:
            return None if status == row["read"] else f"{status}, a reader gets {row['read']}"
        return (
            None
            if status in (refused, 405) or (params is None and status == 200)
            else f"{status}, not refused"
        )
    if who in row["writers"]:
        return None if status not in (401, 403, 404, 405) else f"{status}, refused to one who may"
    return (
        None
        if status in (refused, 405) or (params is None and status == 400)
        else f"{status}, not refused with {refused}"
    )


@pytest.mark.heavy(35)
def test_every_route_is_in_the_matrix_and_every_cell_holds(world, matrix, settings):
    settings.LOGIN_RATE = "100000/min"
    routes = _routes()
    unknown = sorted(
        {name for name, _, _ in routes if name not in TARGETS and name not in PUBLIC and name not in SKIPPED}
    )
    assert not unknown, f"routes missing from the permission matrix: {unknown}"
    clients = {who: _client(world, who) for who in IDENTITIES}
    cells, problems = 0, []
    for name, route, declared in routes:
        if name in SKIPPED:
            continue
        if name in PUBLIC:
            path = _path(route, PUBLIC_VALUES)
            for method in declared or ("get",):
                for who in IDENTITIES:
                    status, _, _ = _call(clients[who], route, method, path)
                    cells += 1
                    if status >= 500:
                        problems.append(f"{method.upper()} {path} as {who}: {status}")
            continue
        row = TARGETS[name]
        for method in row["methods"] or declared:
            for who in IDENTITIES:
                targets = (
                    {"own": None}
                    if row["values"] is None
                    else {"own": row["values"](matrix.own), "other": row["values"](matrix.other)}
                )
                for target, params in targets.items():
                    path = _path(route, params or {})
                    status, code, queries = _call(clients[who], route, method, path)
                    cells += 1
                    missing = None
                    if params is not None:
                        key = "seq" if "seq" in params else "pk" if "pk" in params else "production"
                        missing = _call(clients[who], route, method, _path(route, {**params, key: MISSING}))
                    wrong = (
                        f"{status}"
                        if status >= 500
                        else _expect(
                            row, route.startswith("api/"), method, who, target, params, status, missing
                        )
                    )
                    if (
                        wrong is None
                        and missing is not None
                        and _hidden(row, who, target)
                        and (status, code, queries) != missing
                    ):
                        wrong = (
                            f"{(status, code, queries)} differs from a record that does not exist {missing}"
                        )
                    if wrong:
                        problems.append(f"{method.upper()} {path} ({name}, {target}) as {who}: {wrong}")
    print(f"permission matrix: {cells} cells over {len(routes)} routes")
    assert not problems, "\n".join(problems)


def _body(clients, route, path) -> bytes:
    api, web = clients
    response = (api if route.startswith("api/") else web).get(path)
    return re.sub(
        rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*"', b"", response.content
    )  # a token per response


def test_lists_and_counts_do_not_change_when_another_tenant_records_more(
    world, matrix, django_capture_on_commit_callbacks
):
    lists = [
        (name, route)
        for name, route, _ in _routes()
        if name in TARGETS
        and TARGETS[name]["values"] is None
        and (TARGETS[name]["methods"] or ["get"]) != ["post"]
        and name not in ("generation-request-check", "notifications_read")
    ]
    clients = {who: _client(world, who) for who in IDENTITIES if who != "anonymous"}
    before = {
        (name, who): _body(c, route, _path(route, {})) for name, route in lists for who, c in clients.items()
    }
    # Another studio's production records as much again: a shot, assets, a grant, a consent of
    # the other guild's member, a reservation and a request that runs.
    Matrix._records(matrix, world.prod_other, world.other_guild, "more", 41)
    changed = []
    for name, route in lists:
        for who, c in clients.items():
            if name == "talent-list" and who != "guild_rep":
                continue  # talent is shared by the studios: staff see every performer
            after = _body(c, route, _path(route, {}))
            if after != before[(name, who)]:
                diff = [
                    line
                    for line in difflib.unified_diff(
                        before[(name, who)].decode().splitlines(),
                        after.decode().splitlines(),
                        lineterm="",
                        n=0,
                    )
                ][2:6]
                changed.append(f"{name} as {who}: {diff}")
    assert len(lists) >= 15 and not changed, changed
