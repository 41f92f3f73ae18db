"""Reads of the rights domain, already restricted to what the user may see."""

import datetime
import functools
import json
import operator
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from . import access, vocab, words
from .models import (
    Asset,
    ConsentFlag,
    ConsentRecord,
    Document,
    LedgerEntry,
    Notification,
    Party,
    Production,
    RightsGrant,
    Role,
    Shot,
    Studio,
    TalentName,
    TrainingReservation,
)
from .models.notices import FLAG_UNRESOLVED
from .names import normalize

# The reservations in force, defined once as a database view (see the migration that makes it):
# the current version of each reservation, while it is active. The gate's snapshot statement
# reads the same view.
RESERVATIONS_IN_FORCE_VIEW = "rightsledger_reservation_in_force"


def productions_for(user) -> QuerySet:
    """Return the productions the user may see."""
    return access.filter_by_production(Production.objects.all(), user, field_name="id")


def studios_for(user) -> QuerySet:
    """Return the studios where the user holds a role."""
    ids = access.studio_ids(user)
    return Studio.objects.all() if ids is None else Studio.objects.filter(id__in=ids)


def shots_for(user) -> QuerySet:
    """Return the shots of the productions the user may see."""
    return access.filter_by_production(Shot.objects.all(), user)


# What every gate check and submission reads before deciding, written out: the ORM takes longer
# to build each read than the database takes to answer it. Visibility is the same rule as
# shots_for and assets_for, applied to the production of each row read.
_SHOT_COLUMNS, _PRODUCTION_COLUMNS = (
    ("id", "production_id", "code"),
    ("id", "studio_id", "title", "code", "output_disclosure", "created_at"),
)
_GATE_SHOT_SQL = (
    "SELECT s.id, s.production_id, s.code, p.id, p.studio_id, p.title, p.code, p.output_disclosure, "
    "p.created_at FROM rightsledger_shot s JOIN rightsledger_production p ON p.id = s.production_id "
    "WHERE s.id = %s"
)
GATE_ASSET_COLUMNS = (
    "id",
    "production_id",
    "sha256",
    "kind",
    "media_type",
    "frame_count",
    "owner_id",
    "talent_id",
)
_GATE_ASSETS_SQL = {
    "postgresql": (
        "SELECT id, production_id, sha256, kind, media_type, frame_count, owner_id, talent_id "
        "FROM rightsledger_asset WHERE id = ANY(%s)"
    ),
    "sqlite": (
        "SELECT id, production_id, sha256, kind, media_type, frame_count, owner_id, talent_id "
        "FROM rightsledger_asset WHERE id IN (SELECT value FROM json_each(%s))"
    ),
}
# On PostgreSQL the three (the user's roles, the shot with its production, the inputs' assets)
# are one statement: one round trip instead of three.
_GATE_READS_SQL = (
    f"WITH roles AS ({access.ROLES_SQL}) "  # nosec B608: constants of this project; values are bound parameters
    "SELECT (SELECT COALESCE(json_agg(json_build_array(kind, studio_id, production_id, guild_id)), '[]') "
    "FROM roles), "
    "ARRAY(SELECT p.id FROM rightsledger_production p WHERE p.studio_id IN "
    f"(SELECT studio_id FROM roles WHERE kind = '{vocab.ROLE_STUDIO_ADMIN}')), "
    "(SELECT COALESCE(json_agg(json_build_array("
    "a.id, a.production_id, a.sha256, a.kind, a.media_type, a.frame_count, a.owner_id, a.talent_id"
    ")), '[]') FROM rightsledger_asset a WHERE a.id = ANY(%s)), "
    "s.id, s.production_id, s.code, p.id, p.studio_id, p.title, p.code, p.output_disclosure, p.created_at "
    "FROM (SELECT 1) one "
    "LEFT JOIN (rightsledger_shot s JOIN rightsledger_production p ON p.id = s.production_id) ON s.id = %s"
)


def _loaded(model, columns, values):
    """An instance of the columns read, as Model.from_db makes it (the other fields load when
    read), without running __init__ over every field: the gate makes one per input."""
    obj = model.__new__(model)
    obj._state = ModelState()
    obj._state.adding, obj._state.db = False, connection.alias
    obj.__dict__.update(zip(columns, values))
    return obj


def _gate_shot(user, row) -> Shot | None:
    if row[0] is None or not access.holds(user, row[1]):
        return None
    shot = _loaded(Shot, _SHOT_COLUMNS, row[:3])
    shot.production = _loaded(Production, _PRODUCTION_COLUMNS, row[3:])
    return shot


def _gate_assets(user, rows) -> dict[int, Asset]:
    visible = access.production_ids(user)
    return {
        row[0]: _loaded(Asset, GATE_ASSET_COLUMNS, row)
        for row in rows
        if visible is None or row[1] in visible
    }


def gate_shot(user, pk: int) -> Shot | None:
    """The shot with its production, if the user may see it (its other fields load when read)."""
    with connection.cursor() as cursor:
        cursor.execute(_GATE_SHOT_SQL, [pk])
        row = cursor.fetchone()
    return None if row is None else _gate_shot(user, row)


def gate_assets(user, ids: list[int]) -> dict[int, Asset]:
    """The assets the gate reads of a request's inputs, by id, among those the user may see
    (with the fields the gate reads; the others load when read)."""
    ids = [i for i in ids if -(2**63) <= i < 2**63]  # no row has another id, and SQLite takes none
    if not ids:
        return {}
    param = ids if connection.vendor == "postgresql" else json.dumps(ids)
    with connection.cursor() as cursor:
        cursor.execute(_GATE_ASSETS_SQL[connection.vendor], [param])
        rows = cursor.fetchall()
    return _gate_assets(user, rows)


def gate_reads(user, shot_id: int, asset_ids: list[int]) -> tuple[Shot | None, dict[int, Asset]]:
    """gate_shot and gate_assets together, with the user's roles: on PostgreSQL in one statement."""
    if connection.vendor != "postgresql" or not user.is_authenticated or not -(2**63) <= shot_id < 2**63:
        return gate_shot(user, shot_id), gate_assets(user, asset_ids)
    with connection.cursor() as cursor:
        cursor.execute(_GATE_READS_SQL, [user.pk, [i for i in asset_ids if -(2**63) <= i < 2**63], shot_id])
        held, admin_productions, assets, *shot = cursor.fetchone()
    if getattr(user, "_rl_roles", None) is None:
        access.remember_roles(user, held, admin_productions)
    return _gate_shot(user, shot), _gate_assets(user, assets)


def parties_for(user) -> QuerySet:
    """Return the parties of the studios where the user holds a role."""
    ids = access.studio_ids(user)
    return Party.objects.all() if ids is None else Party.objects.filter(studio_id__in=ids)


def assets_for(user) -> QuerySet:
    """Return the assets of the productions the user may see."""
    return access.filter_by_production(Asset.objects.all(), user)


def with_number(qs: QuerySet) -> QuerySet:
    """Annotate each version with first_id, its chain's first version's id: the number the record
    is known by for life (VersionedRecord.number), in the same query."""
    first = qs.model.objects.filter(chain=OuterRef("chain")).order_by("version").values("id")[:1]
    return qs.annotate(first_id=Subquery(first))


def with_version_info(qs: QuerySet, record_type: str) -> QuerySet:
    """Annotate each version with is_current, the seq of the ledger entry that recorded it, and
    its record's number (with_number)."""
    # A LEFT JOIN on the unique replaces index: an EXISTS here is planned as a hashed subplan
    # that reads the whole table.
    return with_number(qs).annotate(
        is_current=ExpressionWrapper(Q(replaced_by__isnull=True), output_field=BooleanField()),
        ledger_seq=Subquery(
            LedgerEntry.objects.filter(record_type=record_type, record_id=OuterRef("pk")).values("seq")[:1]
        ),
    )


def grants_for(user) -> QuerySet:
    """Return every version of the grants the user may see, with version info."""
    qs = access.filter_by_production(RightsGrant.objects.all(), user).prefetch_related("assets")
    return with_version_info(qs, "grant")


def consents_for(user) -> QuerySet:
    """Return every version of the consents the user may see (their productions' or their
    guild's members'), with version info."""
    return with_version_info(access.consents_visible(user), "consent")


def record_document(record) -> Document | None:
    """Return the document a grant or consent names by its SHA-256 (its contract, its signed form),
    where it was uploaded to its production; None where it stays with the studio's legal team, and
    for a kind with no document. The caller has checked that the user may read the record: whoever
    may read it may read its document. One query."""
    field = getattr(record, "document_field", None)
    if field is None or not getattr(record, field):
        return None
    return Document.objects.filter(production_id=record.production_id, sha256=getattr(record, field)).first()


def talent_named(qs: QuerySet, value: str) -> QuerySet:
    """Return the talent of qs whose legal or professional name contains value as written, or any of
    whose names (aliases too) contains it as the prompt check compares names (rightsledger.names:
    without accents, case, invisible characters or look-alike letters)."""
    condition = Q(legal_name__icontains=value) | Q(professional_name__icontains=value)
    if form := normalize(value):
        condition |= Exists(TalentName.objects.filter(talent=OuterRef("pk"), normalized__contains=form))
    return qs.filter(condition)


def reservations_for(user) -> QuerySet:
    """Return every version of the reservations the user may see, with version info."""
    ids = access.studio_ids(user)
    qs = (
        TrainingReservation.objects.all()
        if ids is None
        else TrainingReservation.objects.filter(studio_id__in=ids)
    )
    if ids is not None:
        # A production-scoped reservation is seen only by users of that production.
        visible = access.production_ids(user)
        qs = qs.exclude(
            production__isnull=False,
            production_id__in=Production.objects.exclude(id__in=visible).values("id"),
        )
        qs = qs.exclude(
            asset__isnull=False,
            asset__production_id__in=Production.objects.exclude(id__in=visible).values("id"),
        )
    return with_version_info(qs, "reservation")


def ledger_entries_for(user) -> QuerySet:
    """Entries the user may read: those of visible productions, and for a guild representative
    the entries of the guild's members' consent records."""
    roles = access.roles_of(user)
    if roles.superuser:
        return LedgerEntry.objects.all()
    qs = LedgerEntry.objects.none()
    ids = access.production_ids(user)
    if ids:
        qs = LedgerEntry.objects.filter(production_id__in=ids)
    if roles.guilds:
        chains = access.consents_visible(user).values("chain")
        qs = qs | LedgerEntry.objects.filter(record_type="consent", chain__in=chains)
    return qs


def reservations_in_force(*, training: bool = False) -> QuerySet:
    """Return the reservations in force: the current version of each, while active. With
    training, only those that reserve a training use (vocab.TRAINING_USES)."""
    qs = TrainingReservation.objects.filter(pk__in=RawSQL(f"SELECT id FROM {RESERVATIONS_IN_FORCE_VIEW}", ()))  # nosec B608 B611: a constant
    if training:
        # The uses as JSON text, on PostgreSQL and SQLite alike.
        reserves = functools.reduce(
            operator.or_, (Q(uses_text__contains=f'"{use}"') for use in vocab.TRAINING_USES)
        )
        qs = qs.annotate(uses_text=Cast("uses", TextField())).filter(reserves)
    return qs


@dataclass(frozen=True)
class RecordRef:
    """A version of a grant, consent or reservation as a decision, an audit or an export names it:
    by the number it keeps for life, with what has become of it since (its chain's current
    version: amended or revoked, when, and why)."""

    kind: str
    id: int  # this version's
    number: int  # the chain's first version's id
    version: int
    current_id: int
    current_version: int
    current_action: str
    current_status: str
    changed_at: datetime.datetime | None  # when the current version was made, if not this one
    reason: str

    @property
    def name(self) -> str:
        return f"{self.kind.capitalize()} {self.number}"

    @property
    def revoked(self) -> bool:
        return self.current_action == "revoked"

    @property
    def state(self) -> str:
        """Return what became of the record since this version, in words ("revoked on 3 December
        2026"), or "" when this version is still the current, active one."""
        if self.revoked:
            partly = "partly " if self.current_status == "active" else ""
            return f"{partly}revoked on {words.day(self.changed_at)}"
        if self.current_id != self.id:
            return f"amended on {words.day(self.changed_at)} (now version {self.current_version})"
        return ""


RECORD_MODELS = {"grant": RightsGrant, "consent": ConsentRecord, "reservation": TrainingReservation}


def record_refs(pairs) -> dict[str, RecordRef]:
    """Return the RecordRef of each (kind, id) of a grant, consent or reservation version, keyed
    "kind:id". One query (a UNION over the kinds), however many records and kinds."""
    wanted: dict[str, set[int]] = {}
    for kind, pk in pairs:
        if kind in RECORD_MODELS and pk is not None:
            wanted.setdefault(kind, set()).add(int(pk))
    if not wanted:
        return {}
    columns = ("id", "chain", "version", "action", "status", "created_at", "reason", "kind")
    parts = [
        RECORD_MODELS[kind]
        .objects.filter(chain__in=RECORD_MODELS[kind].objects.filter(pk__in=ids).values("chain"))
        .annotate(kind=Value(kind, output_field=CharField()))
        .values_list(*columns)
        for kind, ids in wanted.items()
    ]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    by_chain: dict = {}
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        by_chain.setdefault((record["kind"], record["chain"]), []).append(record)
    out = {}
    for (kind, _), versions in by_chain.items():
        versions.sort(key=lambda r: r["version"])
        first, current = versions[0], versions[-1]
        for row in versions:
            if row["id"] not in wanted[kind]:
                continue
            changed = current["id"] != row["id"]
            out[f"{kind}:{row['id']}"] = RecordRef(
                kind=kind,
                id=row["id"],
                number=first["id"],
                version=row["version"],
                current_id=current["id"],
                current_version=current["version"],
                current_action=current["action"],
                current_status=current["status"],
                changed_at=current["created_at"] if changed else None,
                reason=current["reason"] if changed else "",
            )
    return out


def people_named(users) -> dict[int, str]:
    """Return each user as pages name them, by id: "Dana Okafor (clearance)" (their full name, or
    their username, and the first of the roles they hold now). One query, however many users."""
    users = {u.pk: u for u in users if u is not None}
    held: dict[int, str] = {}
    order = {kind: i for i, kind in enumerate(vocab.ROLES)}
    current = Role.objects.filter(user_id__in=users, status="active", replaced_by__isnull=True)
    for user_id, kind in sorted(current.values_list("user_id", "kind"), key=lambda r: order.get(r[1], 99)):
        held.setdefault(user_id, kind)
    return {pk: words.person(u.get_full_name() or u.username, held.get(pk)) for pk, u in users.items()}


def terms_ending_for(user, start: datetime.date, end: datetime.date) -> list:
    """Return the current, active grants and consents of the user's productions whose term ends
    from start to end (both included), soonest first (two queries)."""
    window = dict(status="active", replaced_by__isnull=True, term_end__gte=start, term_end__lte=end)
    records = [
        *with_number(access.filter_by_production(RightsGrant.objects.filter(**window), user)).select_related(
            "production", "grantor"
        ),
        *with_number(
            access.filter_by_production(ConsentRecord.objects.filter(**window), user)
        ).select_related("production", "talent"),
    ]
    return sorted(records, key=lambda r: (r.term_end, r.ledger_type, r.pk))


def expiring_for(user, *, within_days: int = 30, today=None) -> list:
    """Return the current grants and consents of the user's productions whose term ends within
    the given days, soonest first (two queries)."""
    today = today or datetime.date.today()
    records = terms_ending_for(user, today, today + datetime.timedelta(days=within_days))
    for r in records:
        r.days_left = (r.term_end - today).days
    return records


def notifications_for(user, *, unread_only: bool = True) -> QuerySet:
    """Return the user's notifications, newest first."""
    qs = (
        Notification.objects.filter(user=user)
        if getattr(user, "is_authenticated", False)
        else Notification.objects.none()
    )
    return qs.filter(read_at__isnull=True) if unread_only else qs


# --- Guilds' flags -------------------------------------------------------------------------------


def _flags() -> QuerySet:
    return ConsentFlag.objects.select_related("consent__talent", "consent__production", "guild").order_by(
        "id"
    )


def with_no_record(ids) -> list[int]:
    """Return ids, and 0 (which names no record): a look-up by them always runs its one query,
    where an empty list would run none, so a page costs the same queries whether or not it relies
    on any record."""
    return sorted({int(i) for i in ids} | {0})


def open_flags_on(consent_ids) -> list[ConsentFlag]:
    """Return the unresolved flags (open or answered) on any version of the given consents: what
    a page that relies on them warns of, and what approving over them acknowledges. One query."""
    chains = ConsentRecord.objects.filter(pk__in=with_no_record(consent_ids)).values("chain")
    return list(_flags().filter(state__in=FLAG_UNRESOLVED, consent__chain__in=chains))


def flags_on_chain(consent: ConsentRecord, *, guilds=None) -> QuerySet:
    """Return every flag on any version of a consent, with its replies (of the given guilds only,
    if named): the record's page and the guild's page show them with their state."""
    qs = _flags().filter(consent__chain=consent.chain).prefetch_related("replies__author")
    return qs if guilds is None else qs.filter(guild_id__in=guilds)


def open_flags_for(user) -> QuerySet:
    """Return the unresolved flags on consents of the productions the user clears: clearance's
    dashboard lists them from the flags themselves, whatever the notifications say."""
    qs = _flags().filter(state__in=FLAG_UNRESOLVED)
    return access.filter_by_production(qs, user, "consent__production", access.CLEARANCE_ROLES)


def with_flag_state(consents: QuerySet, *, guilds) -> QuerySet:
    """Annotate each consent with the state of the latest flag the given guilds raised on any
    version of it (`flag_state`: open, answered, resolved, or None), in the same query."""
    latest = ConsentFlag.objects.filter(consent__chain=OuterRef("chain"), guild_id__in=guilds).order_by("-id")
    return consents.annotate(flag_state=Subquery(latest.values("state")[:1]))
