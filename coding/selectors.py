"""Reads the coding views need, checked against the user."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from encounters.models import Coverage
from encounters.selectors import clinician_for_user, patient_list_for_user
from payers.models import Payer


def payer_for_panel(*, user: AbstractBaseUser, coverage_id: str | None) -> Payer | None:
    """The payer of a coverage of one of the prescriber's patients, or None."""
    if not coverage_id or not str(coverage_id).isdigit():
        return None
    coverage = (
        Coverage.objects.select_related("payer")
        .filter(pk=int(coverage_id), patient__in=patient_list_for_user(user=user))
        .first()
    )
    return coverage.payer if coverage else None


def credential_for_user(user: AbstractBaseUser) -> str | None:
    """The signed-in clinician's credential (the engine's ``clinician`` fact)."""
    clinician = clinician_for_user(user)
    return clinician.credential if clinician else None
