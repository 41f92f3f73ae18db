"""Index the columns the requests' register searches (PostgreSQL only)."""

from django.db import migrations

from rightsledger.migrations._integrity import run
from rightsledger.migrations._search import create, drop

COLUMNS = (
    ("generation_generationrequest", "prompt"),
    ("generation_generationrequest", "engine"),
)


class Migration(migrations.Migration):
    dependencies = [("generation", "0017_run_when_approved"), ("rightsledger", "0020_search_indexes")]
    operations = [migrations.RunPython(run(create(COLUMNS)), run(drop(COLUMNS)))]
