"""Access records name the patients a response showed (``patient_ids``, a list of ids).

On PostgreSQL a GIN index serves the access log's filter by patient
(``patient_ids @> '[id]'``); SQLite has no such index and scans.
"""

from django.db import migrations, models

INDEX = "accounts_accessrecord_patient_ids_gin"


def gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON accounts_accessrecord "
            "USING gin (patient_ids jsonb_path_ops)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_password_reset"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessrecord",
            name="patient_ids",
            field=models.JSONField(
                blank=True, default=list, db_default=models.Value([], models.JSONField())
            ),
        ),
        migrations.RunPython(gin_index, drop_gin_index),
    ]
