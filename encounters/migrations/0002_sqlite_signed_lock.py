"""The signed-encounter lock for SQLite (PostgreSQL gets it from pgtrigger in 0001)."""

from django.db import migrations

LOCK_MESSAGE = "encounter is signed and locked"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS signed_encounter_locked_update
        BEFORE UPDATE ON encounters_encounter WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, '{LOCK_MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS signed_encounter_locked_delete
        BEFORE DELETE ON encounters_encounter WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, '{LOCK_MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS addendum_append_only_update
        BEFORE UPDATE ON encounters_addendum
        BEGIN SELECT RAISE(ABORT, 'addenda cannot be changed'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS addendum_append_only_delete
        BEFORE DELETE ON encounters_addendum
        BEGIN SELECT RAISE(ABORT, 'addenda cannot be deleted'); END""",
]
for table in ("encounters_medicationreview", "encounters_encounterdiagnosis"):
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


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in SQLITE_TRIGGERS:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("encounters", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
