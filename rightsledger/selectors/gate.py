"""What every gate check and submission reads before deciding, written out in SQL."""

import json

from django.db import connection
from django.db.models.base import ModelState

from .. import access, vocab
from ..models import Asset, Production, Shot

# What every gate check and submission reads before deciding, written out: the ORM takes longer
# to build each read than the database takes to answer it. Visibility is the same rule as
# shots_for and assets_for, applied to the production of each row read.
_SHOT_COLUMNS, _PRODUCTION_COLUMNS = (
    ("id", "production_id", "code"),
    ("id", "studio_id", "title", "code", "output_disclosure", "performer_rules", "created_at"),
)
_GATE_SHOT_SQL = (
    "SELECT s.id, s.production_id, s.code, p.id, p.studio_id, p.title, p.code, p.output_disclosure, "
    "p.performer_rules, p.created_at "
    "FROM rightsledger_shot s JOIN rightsledger_production p ON p.id = s.production_id WHERE s.id = %s"
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
    "s.id, s.production_id, s.code, p.id, p.studio_id, p.title, p.code, p.output_disclosure, "
    "p.performer_rules, p.created_at FROM (SELECT 1) one "
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
    if isinstance(shot.production.performer_rules, str):  # SQLite gives JSON as its text
        shot.production.performer_rules = json.loads(shot.production.performer_rules)
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
