"""Every existing term gets a random rules version (new terms get one when created: gradebook.receivers)."""

import secrets

from django.db import migrations


def versions(apps, schema_editor):
    Term = apps.get_model("schoolrecords", "Term")
    TermRules = apps.get_model("gradebook", "TermRules")
    have = set(TermRules.objects.values_list("term_id", flat=True))
    TermRules.objects.bulk_create([TermRules(term_id=pk, version=secrets.randbits(62) + 1)
                                   for pk in Term.objects.values_list("pk", flat=True) if pk not in have])


class Migration(migrations.Migration):

    dependencies = [
        ("gradebook", "0014_awards_student_awards"),
    ]

    operations = [migrations.RunPython(versions, migrations.RunPython.noop)]
