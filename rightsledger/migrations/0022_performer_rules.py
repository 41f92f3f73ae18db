"""The 2026 performer rules: a production's rules switched on, a consent's business reason for a
scan and its residual terms, and the unions' labour actions."""

import django.db.models.deletion
import rightsledger.personal
from django.db import migrations, models

from rightsledger.migrations._integrity import redaction_only, require_entry, run

# A consent's free text, now with its residual terms and the business reason for its scan: a
# redaction of those is the one change allowed (as 0010 made it).
CONSENT_TEXTS = (
    "grantor_name",
    "intended_use_description",
    "prohibited_uses_note",
    "compensation_reference",
    "residual_terms_reference",
    "capture_business_reason",
    "reason",
)


def consent_redaction_only(apps, schema_editor):
    model = apps.get_model("rightsledger", "consentrecord")
    columns = [f.column for f in model._meta.concrete_fields]
    for sql in redaction_only(schema_editor.connection.vendor, model._meta.db_table, CONSENT_TEXTS, columns):
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('rightsledger', '0021_disclosure'),
    ]

    operations = [
        migrations.AddField(
            model_name='consentrecord',
            name='capture_business_reason',
            field=models.TextField(blank=True, help_text='Why the production needs the scan or likeness capture (R7)'),
        ),
        migrations.AddField(
            model_name='consentrecord',
            name='residual_terms_reference',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='production',
            name='performer_rules',
            field=models.JSONField(blank=True, default=list, help_text='The 2026 performer rules the gate applies to this production (vocab.PERFORMER_RULES)'),
        ),
        migrations.CreateModel(
            name='LabourAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('personal_salt', models.CharField(blank=True, default=rightsledger.personal.new_salt, help_text="Salt of the ledger's commitments to the free-text fields", max_length=64)),
                ('started_on', models.DateField()),
                ('ended_on', models.DateField(blank=True, help_text='Empty while the action is in force', null=True)),
                ('note', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('guild', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='labour_actions', to='rightsledger.guild')),
                ('production', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='labour_actions', to='rightsledger.production')),
            ],
            options={
                'ordering': ['id'],
                'indexes': [models.Index(fields=['production', 'ended_on'], name='rightsledge_product_8519eb_idx')],
            },
        ),
        migrations.RunPython(consent_redaction_only, migrations.RunPython.noop),
        migrations.RunPython(
            run(lambda vendor: require_entry(vendor, "rightsledger_labouraction", "labour_action")),
            migrations.RunPython.noop,
        ),
    ]
