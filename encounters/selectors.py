"""Reads of patients and encounters, each checking the user's role and relation to the record.

``*_get_for_user`` selectors are the only way views obtain a protected
record: they return it or raise 404, and they write the access record.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import access_record
from accounts.models import AccessAction, Clinician
from accounts.roles import Role, role_of
from accounts.selectors import clinician_for_user
from coding.engine.drugs import DrugTable, load_default_drug_table

from .models import Coverage, Encounter, EncounterStatus, Instrument, Patient


def _require_clinician(user: User) -> Clinician:
    clinician = clinician_for_user(user)
    if clinician is None:
        raise PermissionDenied("Your account has no clinician profile.")
    return clinician


def patient_list_for_user(*, user: User, query: str = "") -> QuerySet[Patient]:
    """Patients the user may see: a prescriber's care-team patients, every patient for admins."""
    role = role_of(user)
    if role == Role.ADMIN:
        patients = Patient.objects.all()
    elif role == Role.PRESCRIBER:
        clinician = _require_clinician(user)
        patients = Patient.objects.filter(
            Q(clinicians=clinician) | Q(encounters__clinician=clinician)
        ).distinct()
    else:
        raise PermissionDenied("Your role does not list patients.")
    return _search(patients, query).order_by("last_name", "first_name", "id")


def _search(patients: QuerySet[Patient], query: str) -> QuerySet[Patient]:
    for word in query.split():
        condition = (
            Q(last_name__icontains=word) | Q(first_name__icontains=word) | Q(mrn__icontains=word)
        )
        for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
            try:
                condition |= Q(date_of_birth=datetime.datetime.strptime(word, fmt).date())  # noqa: DTZ007
            except ValueError:
                continue
        patients = patients.filter(condition)
    return patients


def patient_get_for_user(*, user: User, patient_id: int, path: str = "") -> Patient:
    """The patient if the user may see them (else 404), recording the access."""
    patient = (
        patient_list_for_user(user=user)
        .prefetch_related("coverages__payer")
        .filter(pk=patient_id)
        .first()
    )
    if patient is None:
        raise Http404("No such patient.")
    access_record(user=user, obj=patient, action=AccessAction.VIEW, path=path)
    return patient


def encounter_list_for_user(
    *, user: User, status: str | None = None, patient: Patient | None = None
) -> QuerySet[Encounter]:
    """The prescriber's own encounters (of one patient when given), newest first."""
    if role_of(user) != Role.PRESCRIBER:
        raise PermissionDenied("Only prescribers list their encounters.")
    encounters = Encounter.objects.for_clinician(_require_clinician(user)).select_related(
        "patient", "clinician__user"
    )
    if status in EncounterStatus.values:
        encounters = encounters.filter(status=status)
    if patient is not None:
        encounters = encounters.filter(patient=patient)
    return encounters.order_by("-date_of_service", "-id")


def encounter_get_for_user(
    *,
    user: User,
    encounter_id: int,
    action: str = AccessAction.VIEW,
    path: str = "",
) -> Encounter:
    """The encounter if it is the prescriber's own (else 404), recording the access."""
    encounter = (
        encounter_list_for_user(user=user)
        .select_related("coverage__payer", "signed_by", "signed_proposal")
        .prefetch_related(
            "diagnoses",
            "medication_reviews",
            "instrument_scores__instrument",
            "injections",
            "addenda__author",
        )
        .filter(pk=encounter_id)
        .first()
    )
    if encounter is None:
        raise Http404("No such encounter.")
    access_record(user=user, obj=encounter, action=action, path=path)
    return encounter


def patient_status_suggest(
    *, patient: Patient, clinician: Clinician | None, date_of_service: datetime.date
) -> str:
    """'established' when the patient had a visit with this practice in the 3 years before (EM-7).

    Every clinician of the practice shares the psychiatry specialty, so any
    signed encounter of the practice counts, whoever the clinician (or None) is.
    """
    try:
        since = date_of_service.replace(year=date_of_service.year - 3)
    except ValueError:  # 29 February
        since = date_of_service.replace(year=date_of_service.year - 3, day=28)
    seen = Encounter.objects.filter(
        patient=patient,
        status=EncounterStatus.SIGNED,
        date_of_service__gte=since,
        date_of_service__lt=date_of_service,
    ).exists()
    return "established" if seen else "new"


def patient_last_visit(*, patient: Patient, before: datetime.date) -> datetime.date | None:
    """The date of the patient's latest signed encounter with the practice before ``before``."""
    return (
        Encounter.objects.filter(
            patient=patient, status=EncounterStatus.SIGNED, date_of_service__lt=before
        )
        .order_by("-date_of_service")
        .values_list("date_of_service", flat=True)
        .first()
    )


def patient_primary_coverage(patient: Patient) -> Coverage | None:
    """The patient's first active coverage (the primary, by the coverages' order)."""
    return next((c for c in patient.coverages.all() if c.active), None)


def instrument_list_active() -> list[Instrument]:
    """The instruments the encounter form offers (the practice admin's list), by name."""
    return list(Instrument.objects.filter(active=True).order_by("name"))


def instruments_by_id(ids: Iterable[int]) -> dict[int, Instrument]:
    """The instruments with these ids, active or not (a draft may hold a retired one)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {i.pk: i for i in Instrument.objects.filter(pk__in=wanted)}


def injection_drug_table() -> DrugTable:
    """The drug table the injection rows choose from (INJ-1).

    The one place the encounter form and its facts read the drug table: the shipped table
    until the practice's own table (payers) replaces it here.
    """
    return load_default_drug_table()
