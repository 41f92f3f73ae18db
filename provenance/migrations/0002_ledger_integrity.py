"""Every provenance fact needs its ledger entry in the same transaction (see rightsledger's 0002)."""

from django.db import migrations

from rightsledger.migrations._integrity import append_only, require_entry, run

BACKED = (
    ("provenance_lineageedge", "lineage_edge", "id"),
    ("provenance_signingidentity", "signing_identity", "id"),
    ("provenance_signedoutput", "signed_output", "id"),
    ("provenance_assetcredential", "asset_credential", "id"),
)


def statements(vendor):
    out = append_only(vendor, "provenance_lineageedge")
    for table, record_type, column in BACKED:
        out += require_entry(vendor, table, record_type, column)
    return out


class Migration(migrations.Migration):
    dependencies = [("provenance", "0001_initial"), ("rightsledger", "0002_ledger_integrity")]
    operations = [migrations.RunPython(run(statements), migrations.RunPython.noop)]
