"""Signed encounters for audit tests, signed the way clinicians sign them."""

from __future__ import annotations

import datetime
from typing import Any

from encounters.models import Encounter
from encounters.services import encounter_sign
from tests.factories import (
    ClinicianFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
)


def signed_encounter(
    *,
    month: datetime.date,
    clinician: Any = None,
    day: int = 10,
    diagnosis: str = "F41.0",
    medication: bool = True,
    **fields: Any,
) -> Encounter:
    """A draft with a diagnosis and a complete medication review, then ``encounter_sign``.

    Signing runs the signing steps (the coding app stores the proposal and the billed lines).
    """
    clinician = clinician or ClinicianFactory(credential="MD")
    encounter = EncounterFactory(
        clinician=clinician, date_of_service=month.replace(day=day), **fields
    )
    EncounterDiagnosisFactory(encounter=encounter, code=diagnosis)
    if medication:
        MedicationReviewFactory(encounter=encounter)
    # Without the review the drug management is a documentation gap the clinician accepts.
    return encounter_sign(
        user=clinician.user, encounter=encounter, documentation_acknowledged=not medication
    )
