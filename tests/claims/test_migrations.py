"""Claims made before the claims app existed are still there after it: same rows, same ids.

The claim tables were the payers app's (payers_claim, ...). payers/0007 and claims/0001 move
the models without touching the tables, claims/0002 renames them claims_*, claims/0003
relabels the access log. This test migrates back to before the move, writes a claim with
the models of that time, migrates forward and reads it through ``claims.models``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import ClinicianFactory, EncounterFactory, UserFactory

BEFORE_THE_MOVE = [("payers", "0006_payer_claim_number_and_frequency")]


def _migrate(targets: list[tuple[str, str]] | None = None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


def _claim_before_the_move(apps, *, encounter, biller) -> dict[str, int]:
    """A submitted claim with a line, its history, its 837P file and an access record."""
    Claim = apps.get_model("payers", "Claim")
    batch = apps.get_model("payers", "ExportBatch").objects.create(
        created_by_id=biller.pk, control_number=4242, claim_count=1, content="ISA~"
    )
    claim = Claim.objects.create(
        encounter_id=encounter.pk,
        number="C00004242",
        patient_id=encounter.patient_id,
        clinician_id=encounter.clinician_id,
        payer_id=encounter.coverage.payer_id,
        coverage_id=encounter.coverage_id,
        date_of_service=datetime.date(2026, 11, 2),
        place_of_service="11",
        rendering_npi=encounter.clinician.npi,
        billing_npi="1234567893",
        diagnoses=["F41.0"],
        state="submitted",
        total_charge=Decimal("150.00"),
        payer_claim_number="ICN-42",
        frequency_code="1",
        submission_count=1,
        batch_id=batch.pk,
        version=3,
    )
    apps.get_model("payers", "ClaimLine").objects.create(
        claim=claim, position=1, code="99214", units=1, pointers=[1], charge=Decimal("150.00")
    )
    apps.get_model("payers", "ClaimTransition").objects.create(
        claim=claim, from_state="approved", to_state="submitted", user_id=biller.pk
    )
    apps.get_model("payers", "ClaimEdit").objects.create(
        claim=claim, user_id=biller.pk, position=1, old={"code": "99215"}, new={"code": "99214"}
    )
    record = apps.get_model("accounts", "AccessRecord").objects.create(
        user_id=biller.pk, object_type="payers.Claim", object_id=str(claim.pk), action="view"
    )
    return {"claim": claim.pk, "batch": batch.pk, "record": record.pk}


@pytest.mark.django_db(transaction=True)
def test_a_claim_written_before_the_move_is_read_through_claims_models(as_database_owner):
    from accounts.models import AccessRecord
    from claims.models import Claim, ExportBatch

    biller = UserFactory(role="Biller")
    clinician = ClinicianFactory()
    encounter = EncounterFactory(clinician=clinician)
    try:
        executor = _migrate(BEFORE_THE_MOVE)
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        assert "payers_claim" in tables
        assert "claims_claim" not in tables
        old_apps = executor.loader.project_state(BEFORE_THE_MOVE).apps
        ids = _claim_before_the_move(old_apps, encounter=encounter, biller=biller)
    finally:
        _migrate()

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "claims_claim" in tables
    assert not [t for t in tables if t.startswith("payers_claim") or t == "payers_exportbatch"]
    claim = Claim.objects.select_related("encounter", "batch", "payer").get(pk=ids["claim"])
    assert (claim.number, claim.state, claim.version, claim.payer_claim_number) == (
        "C00004242",
        "submitted",
        3,
        "ICN-42",
    )
    assert claim.encounter == encounter
    assert claim.payer == encounter.coverage.payer
    assert claim.batch == ExportBatch.objects.get(pk=ids["batch"])
    assert [(line.code, line.charge) for line in claim.lines.all()] == [
        ("99214", Decimal("150.00"))
    ]
    assert [(t.from_state, t.to_state) for t in claim.transitions.all()] == [
        ("approved", "submitted")
    ]
    assert [e.new for e in claim.edits.all()] == [{"code": "99214"}]
    assert AccessRecord.objects.get(pk=ids["record"]).object_type == "claims.Claim"
    # The renamed tables take new rows after the old ones (ids, sequences, foreign keys).
    line = claim.lines.create(position=2, code="90833", units=1, pointers=[1])
    assert line.pk is not None
    assert (
        ExportBatch.objects.create(
            created_by=biller, control_number=4243, claim_count=0, content=""
        ).pk
        > ids["batch"]
    )
