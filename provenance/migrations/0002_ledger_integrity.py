"""Every provenance fact needs its ledger entry in the same transaction (see rightsledger's 0002)."""

from django.db import migrations

from rightsledger.migrations._integrity import append_only, require_entries, run

BACKED = (
    ("provenance_lineageedge", "lineage_edge", "id"),
    ("provenance_signingidentity", "signing_identity", "id"),
    ("provenance_signedoutput", "signed_output", "id"),
    ("provenance_assetcredential", "asset_credential", "id"),
)


def statements(vendor):
    return append_only(vendor, "provenance_lineageedge") + require_entries(vendor, BACKED)


class Migration(migrations.Migration):
    dependencies = [("provenance", "0001_initial"), ("rightsledger", "0002_ledger_integrity")]
    operations = [migrations.RunPython(run(statements), migrations.RunPython.noop)]
