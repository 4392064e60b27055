import importlib

from django.db import migrations, models

# SQLite rebuilds the table to add these columns: drop the signed-lock triggers around it.
previous = importlib.import_module("encounters.migrations.0003_draft_key_and_typed_form")


class Migration(migrations.Migration):
    dependencies = [("encounters", "0003_draft_key_and_typed_form")]

    operations = [
        migrations.RunPython(previous.drop_sqlite_triggers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="encounter",
            name="mdm_data_detail",
            field=models.TextField(blank=True, verbose_name="data details"),
        ),
        migrations.AddField(
            model_name="encounter",
            name="mdm_risk_detail",
            field=models.TextField(blank=True, verbose_name="risk details"),
        ),
        migrations.RunPython(previous.signed_lock.install, migrations.RunPython.noop),
    ]
