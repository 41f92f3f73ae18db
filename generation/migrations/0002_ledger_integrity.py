"""Every request, decision, sign-off and output needs its ledger entry in the same transaction
(see rightsledger's 0002). Decisions and sign-offs are never deleted."""

from django.db import migrations

from rightsledger.migrations._integrity import require_entries, run

BACKED = (
    ("generation_generationrequest", "generation_request", "id"),
    ("generation_requestinput", "generation_request", "request_id"),
    ("generation_generationrequest_talents", "generation_request", "generationrequest_id"),
    ("generation_decision", "decision", "id"),
    ("generation_signoff", "sign_off", "id"),
    ("generation_generationoutput", "generation_output", "id"),
)


class Migration(migrations.Migration):
    dependencies = [("generation", "0001_initial"), ("rightsledger", "0002_ledger_integrity")]
    operations = [migrations.RunPython(run(lambda vendor: require_entries(vendor, BACKED)), migrations.RunPython.noop)]
