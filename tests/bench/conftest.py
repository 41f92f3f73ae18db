"""The fixture of the benches' tests (tests/bench/smoke.py)."""

import pytest
from django.db import connections


@pytest.fixture(scope="module")
def template(django_db_setup, django_db_blocker):
    """Return (the PostgreSQL server's URL, the migrated test database), copied for each bench as a
    fresh database: a copy takes a second where migrating a new one takes the better part of a minute."""
    settings = connections["default"].settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    server = f"postgres://{settings['USER']}{password}@{host}"
    with django_db_blocker.unblock():
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT current_database()")
            name = cursor.fetchone()[0]
        connections.close_all()  # PostgreSQL copies a database that nobody is connected to
    return server, name
