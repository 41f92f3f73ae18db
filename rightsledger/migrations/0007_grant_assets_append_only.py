"""The assets a grant covers are fixed with its version, as the grant itself is: an amendment
that changes them is a new version with its own rows. The gate keeps the facts of grants it has
read, which relies on this."""

from django.db import migrations

from ._integrity import append_only, run


class Migration(migrations.Migration):
    dependencies = [("rightsledger", "0006_shot_placement")]
    operations = [migrations.RunPython(run(lambda vendor: append_only(vendor, "rightsledger_rightsgrant_assets")), migrations.RunPython.noop)]
