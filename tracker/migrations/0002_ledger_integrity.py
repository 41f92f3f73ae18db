"""Tracker links are on the ledger: a row without its entry cannot commit, and a link is never
updated or deleted (relinked or unlinked by a new version)."""

from django.db import migrations

from rightsledger.migrations._integrity import append_only, require_entries, run


def statements(vendor):
    return require_entries(vendor, [("tracker_trackerlink", "tracker_link", "id")]) + append_only(vendor, "tracker_trackerlink")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial"), ("rightsledger", "0002_ledger_integrity")]

    operations = [migrations.RunPython(run(statements), migrations.RunPython.noop)]
