"""Let pytest-django flush signed encounters after a ``transactional_db`` test on SQLite.

On SQLite the flush DELETEs rows, which the signed-lock triggers refuse (PostgreSQL
TRUNCATEs, which they do not see). Before the flush, signed rows are turned back
into drafts with the triggers briefly dropped, and the triggers are put back.
"""

from __future__ import annotations

import importlib

from django.db import connection

LOCK_MIGRATION = "encounters.migrations.0002_sqlite_signed_lock"


def release_signed_locks() -> None:
    if connection.vendor != "sqlite":
        return
    triggers = importlib.import_module(LOCK_MIGRATION).SQLITE_TRIGGERS
    with connection.cursor() as cursor:
        names = [
            row[0]
            for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            if row[0].startswith(("signed_encounter_locked", "addendum_append_only"))
        ]
        for name in names:
            cursor.execute(f'DROP TRIGGER "{name}"')
        cursor.execute("DELETE FROM encounters_addendum")
        cursor.execute("UPDATE encounters_encounter SET status = 'draft'")
        for sql in triggers:
            cursor.execute(sql)
