"""The ledger's guarantees in the database: the sequence of entry numbers, append-only tables,
the reservations-in-force view, and a ledger entry required for every ledger-backed row."""

from django.db import migrations

from ._integrity import PG_REFUSE_CHANGE_FUNCTION, PG_REQUIRE_ENTRY_FUNCTION, append_only, require_entries, run

LEDGER_TABLES = ("rightsledger_ledgerentry", "rightsledger_ledgerleaf", "rightsledger_ledgernode", "rightsledger_checkpoint")
VERSIONED = ("rightsledger_rightsgrant", "rightsledger_consentrecord", "rightsledger_trainingreservation", "rightsledger_role")
BACKED = (
    ("rightsledger_studio", "studio", "id"),
    ("rightsledger_production", "production", "id"),
    ("rightsledger_shot", "shot", "id"),
    ("rightsledger_party", "party", "id"),
    ("rightsledger_guild", "guild", "id"),
    ("rightsledger_talent", "talent", "id"),
    ("rightsledger_talentname", "talent", "talent_id"),
    ("rightsledger_guildmembership", "talent", "talent_id"),
    ("rightsledger_asset", "asset", "id"),
    ("rightsledger_rightsgrant", "grant", "id"),
    ("rightsledger_rightsgrant_assets", "grant", "rightsgrant_id"),
    ("rightsledger_consentrecord", "consent", "id"),
    ("rightsledger_trainingreservation", "reservation", "id"),
    ("rightsledger_role", "role", "id"),
    ("rightsledger_witnessedcheckpoint", "witness", "id"),
)

# The one definition of "in force": the current version of a reservation, while it is active.
# (A view of r.* keeps the columns it was made with: remake it when the table gains one.)
RESERVATION_IN_FORCE = """
CREATE VIEW rightsledger_reservation_in_force AS
SELECT r.* FROM rightsledger_trainingreservation r
WHERE r.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM rightsledger_trainingreservation n WHERE n.replaces_id = r.id)
"""


def statements(vendor):
    out = []
    if vendor == "postgresql":
        out += ["CREATE SEQUENCE IF NOT EXISTS rightsledger_ledger_seq START 1;", PG_REFUSE_CHANGE_FUNCTION, PG_REQUIRE_ENTRY_FUNCTION]
    for table in LEDGER_TABLES:
        out += append_only(vendor, table, truncate=table == "rightsledger_ledgerentry")
    for table in VERSIONED:
        out += append_only(vendor, table)
    out += require_entries(vendor, BACKED)
    out.append(RESERVATION_IN_FORCE)
    return out


class Migration(migrations.Migration):
    dependencies = [("rightsledger", "0001_initial")]
    operations = [migrations.RunPython(run(statements), migrations.RunPython.noop)]
