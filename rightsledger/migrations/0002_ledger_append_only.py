"""The ledger is append-only in the database itself: UPDATE, DELETE and TRUNCATE are refused
whatever the application does. A superuser can still disable the trigger, which is what the
audit (recomputing every leaf against the signed checkpoints) is there to catch."""

from django.db import migrations

PG_FORWARD = """
CREATE SEQUENCE IF NOT EXISTS rightsledger_ledger_seq START 1;
CREATE OR REPLACE FUNCTION rightsledger_ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: %% on ledger entries is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER rightsledger_ledger_no_update_delete
    BEFORE UPDATE OR DELETE ON rightsledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION rightsledger_ledger_refuse_change();
CREATE TRIGGER rightsledger_ledger_no_truncate
    BEFORE TRUNCATE ON rightsledger_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION rightsledger_ledger_refuse_change();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS rightsledger_ledger_no_truncate ON rightsledger_ledgerentry;
DROP TRIGGER IF EXISTS rightsledger_ledger_no_update_delete ON rightsledger_ledgerentry;
DROP FUNCTION IF EXISTS rightsledger_ledger_refuse_change();
DROP SEQUENCE IF EXISTS rightsledger_ledger_seq;
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER rightsledger_ledger_no_update BEFORE UPDATE ON rightsledger_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on ledger entries is refused'); END;""",
    """CREATE TRIGGER rightsledger_ledger_no_delete BEFORE DELETE ON rightsledger_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: DELETE on ledger entries is refused'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS rightsledger_ledger_no_update;",
    "DROP TRIGGER IF EXISTS rightsledger_ledger_no_delete;",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("rightsledger", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
