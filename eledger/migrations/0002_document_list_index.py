"""The school's document list, newest first (eledger.selectors.search), read in its own order from an
index, so a page costs the same in one school and in a district (docs/benchmarks.md).

Written by hand because SQLite refuses NULLS LAST in an index: there NULLs sort below every value,
so a plain DESC column already puts the undated documents last.
"""

from django.db import migrations

NAME = "eledger_doc_school_list"


def create(apps, schema_editor):
    nulls = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f'CREATE INDEX "{NAME}" ON "eledger_document" '
        f'("school_id", "teaching_date" DESC{nulls}, "updated_at" DESC, "id" DESC)'
    )


def drop(apps, schema_editor):
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("eledger", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
