"""SQLite's signed lock for the visit's instrument scores and injections (PostgreSQL gets it
from the triggers of 0006), and the practice's starting list of standardized instruments.

The instruments are the ones issue 11 names; the practice admin edits the list in the admin.
AUDIT-C is recorded but is a substance-use screen, not a 96127 assessment (BA-1).
"""

from django.db import migrations

LOCK_MESSAGE = "encounter is signed and locked"
TABLES = ("encounters_instrumentscore", "encounters_injection")

SQLITE_TRIGGERS = []
for table in TABLES:
    for op, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
        SQLITE_TRIGGERS.append(
            f"""CREATE TRIGGER IF NOT EXISTS {table}_locked_{op.lower()}
            BEFORE {op} ON {table}
            WHEN (SELECT status FROM encounters_encounter WHERE id = {row}.encounter_id) = 'signed'
            BEGIN SELECT RAISE(ABORT, '{LOCK_MESSAGE}'); END"""
        )
    SQLITE_TRIGGERS.append(
        f"""CREATE TRIGGER IF NOT EXISTS {table}_locked_update_new
        BEFORE UPDATE ON {table}
        WHEN (SELECT status FROM encounters_encounter WHERE id = NEW.encounter_id) = 'signed'
        BEGIN SELECT RAISE(ABORT, '{LOCK_MESSAGE}'); END"""
    )

# name, description, counts for 96127, lowest and highest total score
INSTRUMENTS = [
    ("PHQ-9", "Patient Health Questionnaire, depression", True, 0, 27),
    ("GAD-7", "Generalized Anxiety Disorder scale", True, 0, 21),
    ("PCL-5", "PTSD Checklist for DSM-5", True, 0, 80),
    ("ASRS", "Adult ADHD Self-Report Scale v1.1 (18 items)", True, 0, 72),
    ("MDQ", "Mood Disorder Questionnaire (symptom items)", True, 0, 13),
    ("Vanderbilt", "NICHQ Vanderbilt ADHD rating scale (symptom items)", True, 0, 141),
    ("AUDIT-C", "Alcohol use screen: recorded, not 96127 (BA-1)", False, 0, 12),
]


def install_locks(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in SQLITE_TRIGGERS:
        schema_editor.execute(sql)


def drop_locks(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for suffix in ("insert", "update", "delete", "update_new"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_locked_{suffix}")


def seed_instruments(apps, schema_editor):
    Instrument = apps.get_model("encounters", "Instrument")
    for name, description, counts, low, high in INSTRUMENTS:
        Instrument.objects.get_or_create(
            name=name,
            defaults={
                "description": description,
                "counts_for_96127": counts,
                "score_min": low,
                "score_max": high,
            },
        )


def unseed_instruments(apps, schema_editor):
    Instrument = apps.get_model("encounters", "Instrument")
    Instrument.objects.filter(name__in=[row[0] for row in INSTRUMENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("encounters", "0007_engine2_inputs")]
    operations = [
        migrations.RunPython(install_locks, drop_locks),
        migrations.RunPython(seed_instruments, unseed_instruments),
    ]
