"""On PostgreSQL the database itself refuses to change or delete an archived document.

The model and its queryset refuse in Python; this trigger also stops raw SQL, a shell session or
another program. It raises SQLSTATE 23000 (integrity_constraint_violation), which Django turns
into IntegrityError. TRUNCATE is left to the database owner (and to the test runner's flush).
SQLite has no such trigger here: the model's refusal is the rule there (the embedded demo).
"""

from django.db import migrations

TABLE = "archive_archiveddocument"

CREATE = f"""
CREATE OR REPLACE FUNCTION archive_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'archived documents are sealed: % of % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS archive_document_sealed ON {TABLE};
CREATE TRIGGER archive_document_sealed BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION archive_refuse_change();
"""

DROP = f"""
DROP TRIGGER IF EXISTS archive_document_sealed ON {TABLE};
DROP FUNCTION IF EXISTS archive_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
