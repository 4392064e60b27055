"""Reads the coding views need, checked against the user."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from accounts.models import Clinician
from encounters.models import Coverage, Encounter, Patient
from payers.models import Payer


def payer_for_panel(*, clinician: Clinician, coverage_id: str | None) -> Payer | None:
    """The payer of a coverage of one of the clinician's own patients, or None.

    One indexed query whatever the size of the practice: the coverage by id, kept only
    when its patient is on the clinician's care team or has seen them.
    """
    if not coverage_id or not (str(coverage_id).isascii() and str(coverage_id).isdigit()):
        return None
    own_patient = Patient.objects.filter(pk=OuterRef("patient_id")).filter(
        Q(clinicians=clinician)
        | Exists(Encounter.objects.filter(patient_id=OuterRef("pk"), clinician=clinician))
    )
    coverage = (
        Coverage.objects.select_related("payer")
        .filter(pk=int(coverage_id))
        .filter(Exists(own_patient))
        .order_by()
        .first()
    )
    return coverage.payer if coverage else None
