"""Signed encounters of a given month, signed the way clinicians sign them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from audits.sampling import previous_month
from encounters.models import MedicationReview
from encounters.services import encounter_sign
from tests.audits.flush import release_signed_locks
from tests.factories import ClinicianFactory, EncounterDiagnosisFactory, EncounterFactory


@pytest.fixture
def last_month() -> datetime.date:
    return previous_month(timezone.localdate())


@pytest.fixture
def make_signed(db, last_month):
    """make_signed(clinician=..., day=..., **encounter fields) -> a signed encounter.

    Draft first, with a diagnosis and a complete medication review, then
    ``encounter_sign``, so the coding step stores the proposal as in real use.
    """

    def make(*, clinician=None, day: int = 10, month: datetime.date | None = None,
             diagnosis: str = "F41.0", medication: bool = True, **fields):
        clinician = clinician or ClinicianFactory(credential="MD")
        date_of_service = (month or last_month).replace(day=day)
        encounter = EncounterFactory(
            clinician=clinician, date_of_service=date_of_service, **fields
        )
        EncounterDiagnosisFactory(encounter=encounter, code=diagnosis)
        if medication:
            MedicationReview.objects.create(
                encounter=encounter,
                name="sertraline",
                dose="100 mg",
                frequency="daily",
                adherence="full",
                side_effects="mild nausea",
                effect="partial",
                change="increased",
                change_reason="partial response at 8 weeks",
            )
        return encounter_sign(user=clinician.user, encounter=encounter)

    return make


@pytest.fixture
def transactional_signed(transactional_db):
    """``transactional_db`` whose flush also clears signed encounters on SQLite."""
    yield
    release_signed_locks()
