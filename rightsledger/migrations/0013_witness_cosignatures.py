"""Witness cosignatures of checkpoints (C2SP tlog-cosignature), kept as collected and never
changed; and the key of the witness a guild runs."""

import django.db.models.deletion
from django.db import migrations, models

from ._integrity import append_only, run


class Migration(migrations.Migration):

    dependencies = [
        ('rightsledger', '0012_ledger_tiles'),
    ]

    operations = [
        migrations.AddField(
            model_name='guild',
            name='witness_key',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.CreateModel(
            name='WitnessCosignature',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name='ID')),
                ('witness', models.CharField(help_text="The witness's name in the witness policy", max_length=200)),
                ('vkey', models.CharField(help_text="The witness's key (vkey, type 0x04)", max_length=300)),
                ('timestamp', models.BigIntegerField(help_text='The POSIX time the witness cosigned at')),
                ('line', models.TextField(help_text='The signature line, newline included')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('checkpoint', models.ForeignKey(db_column='size', on_delete=django.db.models.deletion.PROTECT, related_name='cosignatures', to='rightsledger.checkpoint')),
            ],
            options={
                'ordering': ['checkpoint', 'witness'],
                'indexes': [models.Index(fields=['vkey', 'checkpoint'], name='rightsledge_vkey_b14910_idx')],
                'constraints': [models.UniqueConstraint(fields=('checkpoint', 'vkey'), name='cosignature_checkpoint_key_unique')],
            },
        ),
        migrations.RunPython(run(lambda vendor: append_only(vendor, "rightsledger_witnesscosignature")),
                             migrations.RunPython.noop),
    ]
