"""Reads of patients and encounters: each user sees only what their role and care team allow."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from accounts.models import AccessRecord
from encounters.models import Encounter
from encounters.selectors import (
    encounter_get_for_user,
    encounter_list_for_user,
    patient_get_for_user,
    patient_list_for_user,
    patient_status_suggest,
)
from tests.factories import EncounterFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _sign(encounter: Encounter) -> Encounter:
    Encounter.objects.filter(pk=encounter.pk).update(
        status="signed", signed_at=timezone.now(), signed_by=encounter.clinician.user
    )
    return Encounter.objects.get(pk=encounter.pk)


# --- encounters ---------------------------------------------------------------------------


def test_prescriber_lists_only_their_own_encounters(prescriber, other_prescriber):
    own = EncounterFactory(clinician=prescriber.clinician)
    EncounterFactory(clinician=other_prescriber.clinician)

    assert list(encounter_list_for_user(user=prescriber)) == [own]


def test_encounter_list_filters_by_status(prescriber):
    draft = EncounterFactory(clinician=prescriber.clinician)
    signed = _sign(EncounterFactory(clinician=prescriber.clinician))

    assert list(encounter_list_for_user(user=prescriber, status="draft")) == [draft]
    assert list(encounter_list_for_user(user=prescriber, status="signed")) == [signed]
    assert len(encounter_list_for_user(user=prescriber, status="bogus")) == 2


@pytest.mark.parametrize("role_fixture", ["biller", "compliance", "practice_admin"])
def test_other_roles_cannot_list_encounters(request, role_fixture):
    with pytest.raises(PermissionDenied):
        encounter_list_for_user(user=request.getfixturevalue(role_fixture))


def test_encounter_get_returns_own_encounter_and_records_the_view(prescriber):
    encounter = EncounterFactory(clinician=prescriber.clinician)

    got = encounter_get_for_user(user=prescriber, encounter_id=encounter.pk, path="/enc/1/")

    assert got == encounter
    record = AccessRecord.objects.get(user=prescriber)
    assert (record.object_type, record.object_id, record.action, record.path, record.role) == (
        "encounters.Encounter",
        str(encounter.pk),
        "view",
        "/enc/1/",
        "Prescriber",
    )


def test_encounter_of_another_prescriber_is_404_and_not_recorded(prescriber, other_prescriber):
    encounter = EncounterFactory(clinician=other_prescriber.clinician)
    with pytest.raises(Http404):
        encounter_get_for_user(user=prescriber, encounter_id=encounter.pk)
    assert not AccessRecord.objects.exists()


# --- patients -----------------------------------------------------------------------------


def test_prescriber_lists_care_team_patients_and_patients_they_have_seen(
    prescriber, other_prescriber
):
    on_team = PatientFactory()
    on_team.clinicians.add(prescriber.clinician)
    seen = EncounterFactory(clinician=prescriber.clinician).patient
    PatientFactory().clinicians.add(other_prescriber.clinician)

    assert set(patient_list_for_user(user=prescriber)) == {on_team, seen}


def test_practice_admin_lists_every_patient(practice_admin):
    patients = {PatientFactory(), PatientFactory()}
    assert set(patient_list_for_user(user=practice_admin)) == patients


@pytest.mark.parametrize("role_fixture", ["biller", "compliance"])
def test_billers_and_compliance_cannot_list_patients(request, role_fixture):
    with pytest.raises(PermissionDenied):
        patient_list_for_user(user=request.getfixturevalue(role_fixture))


@pytest.fixture
def searchable(practice_admin):
    ada = PatientFactory(
        first_name="Ada",
        last_name="Lovelace",
        mrn="MRN000123",
        date_of_birth=datetime.date(1985, 12, 10),
    )
    PatientFactory(
        first_name="Alan",
        last_name="Turing",
        mrn="MRN000456",
        date_of_birth=datetime.date(1990, 6, 23),
    )
    return ada


@pytest.mark.parametrize(
    "query",
    ["lovelace", "LOVE", "ada", "MRN000123", "000123", "1985-12-10", "12/10/1985", "ada love"],
)
def test_patient_search_by_name_mrn_or_date_of_birth(practice_admin, searchable, query):
    assert list(patient_list_for_user(user=practice_admin, query=query)) == [searchable]


def test_patient_search_needs_every_word_to_match(practice_admin, searchable):
    assert not patient_list_for_user(user=practice_admin, query="ada turing").exists()


def test_patient_get_is_404_for_a_patient_outside_the_care_team(prescriber, other_prescriber):
    patient = PatientFactory()
    patient.clinicians.add(other_prescriber.clinician)
    with pytest.raises(Http404):
        patient_get_for_user(user=prescriber, patient_id=patient.pk)
    assert not AccessRecord.objects.exists()


def test_patient_get_records_the_view(prescriber):
    patient = PatientFactory()
    patient.clinicians.add(prescriber.clinician)

    assert patient_get_for_user(user=prescriber, patient_id=patient.pk) == patient
    assert AccessRecord.objects.filter(
        user=prescriber, object_type="encounters.Patient", object_id=str(patient.pk)
    ).exists()


# --- new or established (EM-7) --------------------------------------------------------------

VISIT = datetime.date(2026, 3, 16)


def _suggest(patient, clinician):
    return patient_status_suggest(patient=patient, clinician=clinician, date_of_service=VISIT)


@pytest.mark.parametrize(
    ("earlier", "expected"),
    [
        (datetime.date(2024, 3, 16), "established"),  # two years before
        (datetime.date(2023, 3, 16), "established"),  # exactly three years before
        (datetime.date(2023, 3, 15), "new"),  # three years and a day
    ],
)
def test_patient_status_established_within_three_years_em_7(prescriber, earlier, expected):
    patient = _sign(EncounterFactory(date_of_service=earlier)).patient
    assert _suggest(patient, prescriber.clinician) == expected


def test_any_clinician_of_the_practice_makes_the_patient_established_em_7(
    prescriber, other_prescriber
):
    earlier = _sign(
        EncounterFactory(
            clinician=other_prescriber.clinician, date_of_service=VISIT.replace(year=2025)
        )
    )
    assert _suggest(earlier.patient, prescriber.clinician) == "established"


def test_drafts_and_same_day_visits_do_not_make_the_patient_established(prescriber):
    patient = PatientFactory()
    EncounterFactory(patient=patient, coverage=None, date_of_service=VISIT.replace(year=2025))
    _sign(EncounterFactory(patient=patient, coverage=None, date_of_service=VISIT))
    assert _suggest(patient, prescriber.clinician) == "new"
