"""A backup restores whole: every signed encounter, claim and access record, and the locks.

docs/operations.md tells how the practice's database is backed up (pg_dump -Fc) and
restored (pg_restore into a fresh database). This test does exactly that with the test
database: it signs an encounter through the services (which build its claim), adds an
addendum and access records, commits, dumps, restores into a new database, and then
compares every table of our apps row by row and checks that the database triggers still
refuse to change a signed encounter, its diagnoses and medications, an addendum, an
access record, a claim transition or a signed proposal.
PostgreSQL only (pg_dump, and the triggers are pgtrigger's): deselected on SQLite.
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from psycopg import sql

from accounts.access import access_record
from accounts.models import AccessAction
from claims.signing import visit_sign
from encounters.services import addendum_add
from tests.factories import (
    ClinicianFactory,
    CoverageFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
    PatientFactory,
    UserFactory,
)
from tests.sqlite_locks import release_signed_locks

pytestmark = pytest.mark.postgresql

LOCK_MESSAGES = re.compile(r"pgtrigger: Cannot update or delete|signed and locked")


def _libpq_env(database: dict[str, Any]) -> dict[str, str]:
    """The server and user of ``database`` as the PG* variables pg_dump and psql read."""
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if database.get(key):
            env[variable] = str(database[key])
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return env


def _connect(database: dict[str, Any], name: str) -> psycopg.Connection:
    return psycopg.connect(
        dbname=name,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        autocommit=True,
    )


def _our_tables() -> list[str]:
    """Every table of the project's apps (wherever they move), plus users and roles."""
    ours = [
        model._meta.db_table
        for config in apps.get_app_configs()
        if Path(config.path).parent == Path(settings.BASE_DIR)
        for model in config.get_models()
        if model._meta.managed
    ]
    return sorted({*ours, "auth_user", "auth_group", "auth_user_groups"})


def _rows(conn: psycopg.Connection, table: str) -> list[tuple[Any, ...]]:
    query = sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier(table))
    return conn.execute(query).fetchall()


@pytest.fixture
def signed_practice(as_database_owner) -> Iterator[dict[str, Any]]:
    """A signed encounter with its claim, an addendum and access records, committed.

    On the owner's connection: dumping, creating and restoring databases is the owner's
    work, not the application role's (tests/conftest.py).
    """
    clinician = ClinicianFactory(credential="MD")
    biller = UserFactory(role="Biller")
    patient = PatientFactory()
    patient.clinicians.add(clinician)
    coverage = CoverageFactory(patient=patient)
    encounter = EncounterFactory(
        patient=patient,
        clinician=clinician,
        coverage=coverage,
        date_of_service=datetime.date.today() - datetime.timedelta(days=2),
    )
    EncounterDiagnosisFactory(encounter=encounter)
    MedicationReviewFactory(encounter=encounter)
    encounter = visit_sign(user=clinician.user, encounter=encounter).encounter
    addendum = addendum_add(
        user=clinician.user,
        encounter=encounter,
        text="Called back: sleeping better.",
        reason="Late",
    )
    claim = encounter.claim  # built in the signing transaction
    records = [
        access_record(user=clinician.user, obj=patient, path="/encounters/patients/"),
        access_record(user=clinician.user, obj=encounter, action=AccessAction.SIGN),
        access_record(user=biller, obj=claim, path="/billing/claims/"),
    ]
    yield {"encounter": encounter, "addendum": addendum, "claim": claim, "records": records}
    release_signed_locks()


@pytest.fixture
def restored_database(signed_practice, tmp_path: Path) -> Iterator[str]:
    """pg_dump -Fc of the test database, pg_restore'd into a fresh one (dropped after)."""
    database = connection.settings_dict
    source = database["NAME"]
    restored = f"{source}_restored"[:63]
    env = _libpq_env(database)
    dump = tmp_path / "practice.dump"
    subprocess.run(  # noqa: S603 - fixed arguments, our own database
        ["pg_dump", "--format=custom", "--file", str(dump), source], env=env, check=True
    )
    with _connect(database, "postgres") as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(restored)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored)))
    try:
        subprocess.run(  # noqa: S603
            ["pg_restore", "--exit-on-error", "--no-owner", "--dbname", restored, str(dump)],
            env=env,
            check=True,
        )
        yield restored
    finally:
        with _connect(database, "postgres") as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(restored))
            )


def test_a_restored_backup_holds_every_row_of_every_table(signed_practice, restored_database):
    database = connection.settings_dict
    with (
        _connect(database, database["NAME"]) as original,
        _connect(database, restored_database) as restored,
    ):
        tables = _our_tables()
        assert {"encounters_encounter", "accounts_accessrecord", "encounters_addendum"} <= set(
            tables
        )
        for table in tables:
            assert _rows(restored, table) == _rows(original, table), table
        assert _rows(original, "encounters_encounter")  # the comparison compared something


def test_the_signed_encounter_its_claim_and_the_access_records_are_restored(
    signed_practice, restored_database
):
    encounter, claim = signed_practice["encounter"], signed_practice["claim"]
    with _connect(connection.settings_dict, restored_database) as restored:
        status = restored.execute(
            "SELECT status, signed_by_id FROM encounters_encounter WHERE id = %s", [encounter.pk]
        ).fetchone()
        assert status == ("signed", encounter.signed_by_id)
        claim_table = sql.Identifier(type(claim)._meta.db_table)
        claimed = restored.execute(
            sql.SQL("SELECT encounter_id FROM {} WHERE id = %s").format(claim_table), [claim.pk]
        ).fetchone()
        assert claimed == (encounter.pk,)
        records = restored.execute(
            "SELECT user_id, object_type, object_id, action FROM accounts_accessrecord"
        ).fetchall()
        for record in signed_practice["records"]:
            expected = (record.user_id, record.object_type, record.object_id, record.action)
            assert expected in records


def test_the_restored_triggers_still_refuse_to_change_signed_records(
    signed_practice, restored_database
):
    encounter, addendum = signed_practice["encounter"], signed_practice["addendum"]
    claim, record = signed_practice["claim"], signed_practice["records"][0]
    changes = [
        ("UPDATE encounters_encounter SET pt_focus = 'changed' WHERE id = %s", encounter.pk),
        ("UPDATE encounters_encounter SET status = 'draft' WHERE id = %s", encounter.pk),
        ("DELETE FROM encounters_encounter WHERE id = %s", encounter.pk),
        (
            "UPDATE encounters_encounterdiagnosis SET code = 'F32.9' WHERE encounter_id = %s",
            encounter.pk,
        ),
        ("DELETE FROM encounters_medicationreview WHERE encounter_id = %s", encounter.pk),
        ("UPDATE encounters_addendum SET text = 'changed' WHERE id = %s", addendum.pk),
        ("DELETE FROM encounters_addendum WHERE id = %s", addendum.pk),
        # The append-only records (accounts.triggers.AppendOnly).
        ("UPDATE accounts_accessrecord SET path = 'forged' WHERE id = %s", record.pk),
        ("DELETE FROM accounts_accessrecord WHERE id = %s", record.pk),
        ("UPDATE claims_claimtransition SET reason = 'x' WHERE claim_id = %s", claim.pk),
        ("DELETE FROM claims_claimtransition WHERE claim_id = %s", claim.pk),
        ("UPDATE coding_signedproposal SET facts = '{}' WHERE encounter_id = %s", encounter.pk),
        ("DELETE FROM coding_signedproposal WHERE encounter_id = %s", encounter.pk),
    ]
    with _connect(connection.settings_dict, restored_database) as restored:
        for statement, pk in changes:
            with pytest.raises(psycopg.Error, match=LOCK_MESSAGES):
                restored.execute(statement, [pk])
        row = restored.execute(
            "SELECT status, pt_focus FROM encounters_encounter WHERE id = %s", [encounter.pk]
        ).fetchone()
        assert row == ("signed", encounter.pt_focus)
