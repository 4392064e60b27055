"""Signed encounters for audit tests, signed the way clinicians sign them, and review data."""

from __future__ import annotations

import datetime
from typing import Any

from claims.signing import visit_sign
from encounters.models import Encounter
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
    """A draft with a diagnosis and a complete medication review, then ``visit_sign``.

    Signing stores the engine's proposal and the chosen lines, and builds the claim.
    """
    clinician = clinician or ClinicianFactory(credential="MD")
    encounter = EncounterFactory(
        clinician=clinician, date_of_service=month.replace(day=day), **fields
    )
    EncounterDiagnosisFactory(encounter=encounter, code=diagnosis)
    if medication:
        MedicationReviewFactory(encounter=encounter)
    # Without the review the drug management is a documentation gap the clinician accepts.
    return visit_sign(
        user=clinician.user, encounter=encounter, documentation_acknowledged=not medication
    ).encounter


ALL_MET = {
    "check_time_blocks": "met",
    "check_psychotherapy_minutes": "met",
    "check_em_level": "met",
    "check_medication_review": "met",
    "check_psychotherapy_documentation": "met",
    "check_diagnoses": "met",
    "check_signed_in_time": "met",
}


def review_data(outcome="supported", reviewer_code="", comment="", **checks):
    """The review form's cleaned data: every item met unless ``checks`` says otherwise."""
    return {
        **ALL_MET,
        **checks,
        "outcome": outcome,
        "reviewer_code": reviewer_code,
        "comment": comment,
    }
