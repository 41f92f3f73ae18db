"""Rebuild the index of talent names (TalentName) in the forms the prompt check now compares
(rightsledger.names): percent-encoding and HTML references decoded, every invisible character
removed, words split at letters and digits, Latin letters in other forms read as those letters, a
transliterated form beside the skeleton, each rotation of a name's words and the name with one
word inside it; and names of up to 10 words (MAX_NAME_WORDS), where 6 were indexed before."""

from django.db import migrations

TABLE = "rightsledger_talentname"
# The constraint trigger of 0002 that refuses an index row written without its talent's ledger entry.
TRIGGER = f"{TABLE}_ledger_entry"


def reindex(apps, schema_editor):
    from rightsledger.names import MAX_NAME_WORDS, name_forms, words_of

    Talent = apps.get_model("rightsledger", "Talent")
    TalentName = apps.get_model("rightsledger", "TalentName")
    limit = TalentName._meta.get_field("normalized").max_length
    postgresql = schema_editor.connection.vendor == "postgresql"
    # The index is derived from names that the talent's ledger entry already covers: rebuilding
    # it records no new fact, so the rows are written with the entry check off, in this transaction.
    if postgresql:
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    TalentName.objects.all().delete()
    rows = []
    for talent in Talent.objects.filter(erased_at__isnull=True).order_by("id").iterator():
        given = [talent.legal_name, talent.professional_name, *talent.aliases]
        forms = {form for name in given if name for form in name_forms(name)}
        rows += [TalentName(talent_id=talent.pk, normalized=f, words=words_of(f))
                 for f in sorted(forms) if words_of(f) <= MAX_NAME_WORDS and len(f) <= limit]
    TalentName.objects.bulk_create(rows, batch_size=1000)
    if postgresql:
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [("rightsledger", "0010_free_text_commitments")]
    # Going back leaves these forms, which the earlier code does not compare (it cannot be rebuilt here).
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
