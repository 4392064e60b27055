"""42 CFR Part 2: the clinician's flag on an encounter, the patient's consent for payment."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# SQLite rebuilds the table to add the column: drop the signed-lock triggers around it.
previous = importlib.import_module("encounters.migrations.0003_draft_key_and_typed_form")


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0005_locks_without_escape"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(previous.drop_sqlite_triggers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="encounter",
            name="part2",
            field=models.BooleanField(
                db_default=False,
                default=False,
                verbose_name="42 CFR Part 2 record (substance use)",
            ),
        ),
        migrations.RunPython(previous.signed_lock.install, migrations.RunPython.noop),
        migrations.AddField(
            model_name="patient",
            name="part2_consent_on",
            field=models.DateField(
                blank=True,
                null=True,
                verbose_name="Part 2 consent to disclose for payment signed on",
            ),
        ),
        migrations.AddField(
            model_name="patient",
            name="part2_consent_recorded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="patient",
            name="part2_consent_recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
