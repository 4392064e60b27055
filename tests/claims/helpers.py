"""Signed encounters and their claims for the billing tests, signed the way clinicians sign."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from claims.models import Claim
from claims.signing import visit_sign
from tests.factories import (
    ClinicianFactory,
    CoverageFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
    PatientFactory,
    payer,
)


def signed_claim(
    *,
    clinician: Any = None,
    payer_slug: str = "commercial",
    days_ago: int = 3,
    diagnoses: tuple[str, ...] = ("F41.0",),
    medication: bool = True,
    patient: Any = None,
    **fields: Any,
) -> Claim:
    """Sign a complete encounter (90833 + 99214 by default) and return the claim it built."""
    clinician = clinician or ClinicianFactory(credential="MD")
    patient = patient or PatientFactory()
    coverage = CoverageFactory(patient=patient, payer=payer(payer_slug))
    encounter = EncounterFactory(
        patient=patient,
        clinician=clinician,
        coverage=coverage,
        date_of_service=datetime.date.today() - datetime.timedelta(days=days_ago),
        **fields,
    )
    for position, code in enumerate(diagnoses, start=1):
        EncounterDiagnosisFactory(encounter=encounter, position=position, code=code)
    if medication:
        MedicationReviewFactory(encounter=encounter)
    # Without the review the drug management is a documentation gap the clinician accepts.
    visit_sign(user=clinician.user, encounter=encounter, documentation_acknowledged=not medication)
    return Claim.objects.get(encounter=encounter)


def run_at_once(work: Callable[[int], None], count: int) -> None:
    """``work(0)`` to ``work(count - 1)``: on PostgreSQL in threads released at the same
    moment, each with its own connection; SQLite's test database holds one writer, so there
    the same work runs one after the other. ``work`` reports its own errors and closes its
    connections."""
    if connection.vendor != "postgresql":
        for index in range(count):
            work(index)
        return
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait(timeout=10)
        work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
