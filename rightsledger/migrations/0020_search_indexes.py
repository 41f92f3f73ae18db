"""Index the columns the registers search (PostgreSQL only)."""

from django.db import migrations

from rightsledger.migrations._integrity import run
from rightsledger.migrations._search import create, drop

COLUMNS = (
    ("rightsledger_party", "name"),
    ("rightsledger_production", "title"),
    ("rightsledger_asset", "title"),
    ("rightsledger_asset", "original_filename"),
    ("rightsledger_rightsgrant", "restrictions"),
    ("rightsledger_rightsgrant", "reason"),
    ("rightsledger_talent", "legal_name"),
    ("rightsledger_talent", "professional_name"),
    ("rightsledger_consentrecord", "grantor_name"),
    ("rightsledger_consentrecord", "intended_use_description"),
    ("rightsledger_consentrecord", "prohibited_uses_note"),
    ("rightsledger_consentrecord", "compensation_reference"),
    ("rightsledger_consentrecord", "reason"),
    ("rightsledger_trainingreservation", "note"),
    ("rightsledger_trainingreservation", "reason"),
    ("rightsledger_shot", "code"),
    ("rightsledger_shot", "sequence"),
    ("rightsledger_shot", "description"),
    ("rightsledger_shot", "reel"),
)


class Migration(migrations.Migration):
    dependencies = [("rightsledger", "0019_production_exports")]
    operations = [migrations.RunPython(run(create(COLUMNS)), run(drop(COLUMNS)))]
