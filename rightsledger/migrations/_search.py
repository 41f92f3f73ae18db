"""The full-text indexes of the registers' search (portal.filters.search): one GIN index per
searched column, over the expression portal.filters.Words writes, so that PostgreSQL finds a word
through the index instead of reading every row. SQLite (the demo) searches without them."""

WORDS = """to_tsvector('simple'::regconfig, COALESCE("{column}", ''))"""


def index_name(table: str, column: str) -> str:
    return f"{table}_{column}_words"


def create(columns: tuple[tuple[str, str], ...]):
    """Return the statements that index the (table, column) pairs, for a vendor."""

    def statements(vendor: str) -> list[str]:
        if vendor != "postgresql":
            return []
        return [
            f'CREATE INDEX IF NOT EXISTS "{index_name(table, column)}" ON "{table}" '
            f"USING gin ({WORDS.format(column=column)})"
            for table, column in columns
        ]

    return statements


def drop(columns: tuple[tuple[str, str], ...]):
    """Return the statements that drop those indexes, for a vendor."""

    def statements(vendor: str) -> list[str]:
        if vendor != "postgresql":
            return []
        return [f'DROP INDEX IF EXISTS "{index_name(table, column)}"' for table, column in columns]

    return statements
