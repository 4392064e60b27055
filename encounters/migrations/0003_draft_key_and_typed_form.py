import importlib
import uuid

from django.db import migrations, models

# SQLite rebuilds a table to add a unique column, which drops its triggers: put the
# signed lock back (PostgreSQL keeps its pgtrigger triggers through ALTER TABLE).
# Triggers of the child tables name encounters_encounter, so they are dropped first.
signed_lock = importlib.import_module("encounters.migrations.0002_sqlite_signed_lock")


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in signed_lock.SQLITE_TRIGGERS:
        name = sql.split("IF NOT EXISTS", 1)[1].split()[0]
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0002_sqlite_signed_lock"),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="encounter",
            name="documentation_gaps",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="encounter",
            name="draft_form",
            field=models.JSONField(blank=True, null=True),
        ),
        # Existing encounters keep no key (NULLs do not collide); new ones get one.
        migrations.AddField(
            model_name="encounter",
            name="draft_key",
            field=models.UUIDField(blank=True, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="encounter",
            name="draft_key",
            field=models.UUIDField(blank=True, default=uuid.uuid4, null=True, unique=True),
        ),
        migrations.RunPython(signed_lock.install, migrations.RunPython.noop),
    ]
