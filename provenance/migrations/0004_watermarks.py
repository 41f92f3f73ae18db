import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("provenance", "0003_phash_index_in_memory"),
    ]

    operations = [
        migrations.CreateModel(
            name="Watermark",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("identifier", models.BigIntegerField(help_text="1 to 2**32 - 1", unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "output",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="watermark",
                        to="provenance.signedoutput",
                    ),
                ),
            ],
        ),
    ]
