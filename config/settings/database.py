"""The database: SQLite for the demo, PostgreSQL from DATABASE_URL."""

import os

import dj_database_url

from .base import VAR_DIR, env_int

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'rightsledger.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A connection kept across a database restart is checked, and replaced, before use.
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound on the server, and a statement run 5 times on a connection prepared: the
    # queries every request makes (its token, its roles, the gate's snapshot) skip PostgreSQL's
    # planner after that. Set it to "" behind a transaction-pooling PgBouncer, which cannot keep
    # prepared statements: parameters are then bound on the client, as Django does by default.
    threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        prepare_threshold=int(threshold) if threshold else None, server_side_binding=bool(threshold)
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's SQLite: a transaction takes the write lock when it begins, and a writer waits
    # for it (up to the timeout) rather than failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
