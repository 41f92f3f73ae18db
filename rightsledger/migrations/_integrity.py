"""SQL shared by the migrations that make the ledger's guarantees hold in the database itself.

- Every ledger-backed table gets a deferred constraint trigger: at commit, PostgreSQL refuses an
  inserted row that has no ledger entry with its record type, record id and transaction id, so
  a record without its entry cannot commit, whatever the Python code does. On SQLite (the demo)
  the Python guard in rightsledger.ledger.append is the only one.
- The ledger's own tables, and the versioned records, refuse UPDATE and DELETE (and the
  ledger TRUNCATE). A superuser can still disable a trigger, which is what the audit
  (recomputing every leaf against the signed checkpoints) is there to catch.
"""

PG_REQUIRE_ENTRY_FUNCTION = """
CREATE OR REPLACE FUNCTION rightsledger_require_ledger_entry() RETURNS trigger AS $$
DECLARE
    rid bigint := (to_jsonb(NEW) ->> TG_ARGV[1])::bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM rightsledger_ledgerentry e
                   WHERE e.record_type = TG_ARGV[0] AND e.record_id = rid AND e.txid = txid_current()) THEN
        RAISE EXCEPTION 'ledger integrity: a %% row (%% %%) was written without its ledger entry', TG_TABLE_NAME, TG_ARGV[0], rid
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Write records through their service, inside ledger.append.recording().';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

PG_REFUSE_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION rightsledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%% is append-only: %% is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def require_entry(vendor: str, table: str, record_type: str, column: str = "id") -> list[str]:
    """The statements that make a table refuse, at commit, a row without its ledger entry."""
    if vendor != "postgresql":
        return []
    return [
        f"CREATE CONSTRAINT TRIGGER {table}_ledger_entry AFTER INSERT ON {table} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW EXECUTE FUNCTION rightsledger_require_ledger_entry('{record_type}', '{column}');"
    ]


def require_entries(vendor: str, backed) -> list[str]:
    """The statements for every (table, record type, id column) of backed."""
    return [sql for table, record_type, column in backed for sql in require_entry(vendor, table, record_type, column)]


def append_only(vendor: str, table: str, *, truncate: bool = False) -> list[str]:
    """The statements that make a table refuse UPDATE and DELETE (and TRUNCATE, if asked)."""
    if vendor == "postgresql":
        out = [f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION rightsledger_refuse_change();"]
        if truncate:
            out.append(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION rightsledger_refuse_change();")
        return out
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} is refused'); END;"
        for op in ("UPDATE", "DELETE")
    ]


# Statements go through the driver's parameter formatting: a literal percent sign is written %%.


def run(statements):
    """A RunPython operation that executes the statements a function of the vendor returns."""

    def forward(apps, schema_editor):
        for sql in statements(schema_editor.connection.vendor):
            schema_editor.execute(sql)

    return forward


# A versioned record stays append-only but for one change: redacting free text (an erasure). The
# declared free-text columns (TG_ARGV[0], comma-separated) may become '' or '[erased]', the salt
# may change with them, and erased_at, where there is one, may be set once, with every free-text
# column and the salt emptied; every other column stays as it is. DELETE is refused.
PG_REDACTION_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION rightsledger_redaction_only() RETURNS trigger AS $$
DECLARE
    texts text[] := string_to_array(TG_ARGV[0], ',');
    o jsonb;
    n jsonb;
    col text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        o := to_jsonb(OLD);
        n := to_jsonb(NEW);
        IF (n - (texts || ARRAY['personal_salt', 'erased_at'])) = (o - (texts || ARRAY['personal_salt', 'erased_at'])) THEN
            FOREACH col IN ARRAY texts LOOP
                IF (n -> col) IS DISTINCT FROM (o -> col) AND coalesce(n ->> col, '') NOT IN ('', '[erased]') THEN
                    RAISE EXCEPTION '%% is append-only: %% may only be redacted', TG_TABLE_NAME, col
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
            END LOOP;
            IF (n -> 'erased_at') IS DISTINCT FROM (o -> 'erased_at') THEN
                IF (o ->> 'erased_at') IS NOT NULL OR n ->> 'personal_salt' <> '' THEN
                    RAISE EXCEPTION '%% is append-only: an erasure empties the personal fields and their salt, once', TG_TABLE_NAME
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                FOREACH col IN ARRAY texts LOOP
                    IF coalesce(n ->> col, '') <> '' THEN
                        RAISE EXCEPTION '%% is append-only: an erasure empties every personal field', TG_TABLE_NAME
                            USING ERRCODE = 'insufficient_privilege';
                    END IF;
                END LOOP;
            END IF;
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '%% is append-only: %% is refused (redacting free text is the one change allowed)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def redaction_only(vendor: str, table: str, texts: tuple[str, ...], columns: list[str]) -> list[str]:
    """The statements that make a versioned table refuse UPDATE and DELETE, but a redaction of
    its free-text columns (texts); columns: all of the table's, for SQLite's trigger condition."""
    if vendor == "postgresql":
        return [
            PG_REDACTION_ONLY_FUNCTION,
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION rightsledger_redaction_only('{','.join(texts)}');",
        ]
    q = chr(39)
    kept = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns if c not in (*texts, "personal_salt", "erased_at"))
    redacted = " AND ".join(f"(NEW.{c} IS OLD.{c} OR NEW.{c} IN ({q}{q}, {q}[erased]{q}))" for c in texts)
    allowed = f"{kept} AND {redacted}"
    if "erased_at" in columns:
        emptied = " AND ".join(f"NEW.{c} = {q}{q}" for c in (*texts, "personal_salt"))
        allowed += f" AND (NEW.erased_at IS OLD.erased_at OR (OLD.erased_at IS NULL AND {emptied}))"
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN NOT ({allowed}) "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE is refused (redacting free text is the one change allowed)'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE is refused'); END;",
    ]
