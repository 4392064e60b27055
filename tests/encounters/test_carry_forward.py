"""Carry forward: a new visit starts from the prescriber's last signed visit with the patient."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from accounts.models import AccessRecord
from encounters.models import EncounterStatus
from tests.factories import (
    CoverageFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
    PatientFactory,
    payer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(prescriber):
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN777101")
    patient.clinicians.add(prescriber.clinician)
    CoverageFactory(patient=patient, priority=1)
    return patient


def _signed(clinician, patient, *, on, coverage=None, setting="video", meds=(), dxs=()):
    encounter = EncounterFactory(
        clinician=clinician,
        patient=patient,
        coverage=coverage or patient.coverages.get(priority=1),
        date_of_service=on,
        setting=setting,
        pt_note="Private words from the last session.",
        em_plan="Last visit's plan.",
    )
    for position, code in enumerate(dxs, start=1):
        EncounterDiagnosisFactory(encounter=encounter, position=position, code=code)
    for name, change in meds:
        MedicationReviewFactory(encounter=encounter, name=name, change=change)
    encounter.status = EncounterStatus.SIGNED
    encounter.signed_by = clinician.user
    encounter.signed_at = datetime.datetime.now(tz=datetime.UTC)
    encounter.save()
    return encounter


def _new(client, patient):
    return client.get(reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk}))


def test_new_visit_carries_setting_coverage_status_diagnoses_and_medications_still_taken(
    client_for, prescriber, patient
):
    second = CoverageFactory(patient=patient, priority=2, payer=payer("medicaid"))
    _signed(
        prescriber.clinician,
        patient,
        on=datetime.date(2026, 1, 5),
        setting="in_person",
        dxs=["F41.0"],
        meds=[("lithium", "continued")],
    )
    last = _signed(
        prescriber.clinician,
        patient,
        on=datetime.date(2026, 3, 2),
        coverage=second,
        dxs=["F33.1", "F41.1"],
        meds=[("sertraline", "increased"), ("bupropion", "continued"), ("quetiapine", "stopped")],
    )
    response = _new(client_for(prescriber), patient)
    form = response.context["form"]
    assert form.initial["setting"] == "video"
    assert form.initial["coverage"] == second.pk
    assert form.initial["patient_status"] == "established"
    assert form.initial["diagnosis_1"] == "F33.1"
    assert form.initial["diagnosis_2"] == "F41.1"
    rows = [f.initial for f in response.context["medications"]]
    assert [r["name"] for r in rows] == ["sertraline", "bupropion"]
    assert {r["change"] for r in rows} == {"continued"}
    assert all(not r.get("change_reason") for r in rows)
    html = response.content.decode()
    assert "Carried forward from your signed visit of 2026-03-02" in html
    assert html.count('data-testid="medication-carried"') == 2
    assert AccessRecord.objects.filter(
        object_type="encounters.Encounter", object_id=str(last.pk)
    ).exists()


def test_no_note_text_is_carried(client_for, prescriber, patient):
    _signed(prescriber.clinician, patient, on=datetime.date(2026, 3, 2), dxs=["F33.1"])
    response = _new(client_for(prescriber), patient)
    form = response.context["form"]
    for field in ("pt_note", "em_plan", "pt_focus", "mdm_data_detail", "mdm_risk_detail"):
        assert not form.initial.get(field)
    html = response.content.decode()
    assert "Private words from the last session." not in html
    assert "Last visit&#x27;s plan." not in html


def test_only_the_prescribers_own_signed_visits_are_carried(
    client_for, prescriber, other_prescriber, patient
):
    patient.clinicians.add(other_prescriber.clinician)
    _signed(other_prescriber.clinician, patient, on=datetime.date(2026, 3, 2), dxs=["F33.1"])
    draft = EncounterFactory(
        clinician=prescriber.clinician,
        patient=patient,
        coverage=patient.coverages.get(priority=1),
    )
    assert draft.status == EncounterStatus.DRAFT
    response = _new(client_for(prescriber), patient)
    assert "diagnosis_1" not in response.context["form"].initial
    assert response.context["carried_from"] is None
    assert 'data-testid="carried-from"' not in response.content.decode()


def test_an_inactive_coverage_is_not_carried(client_for, prescriber, patient):
    old = CoverageFactory(patient=patient, priority=3, active=False)
    _signed(prescriber.clinician, patient, on=datetime.date(2026, 3, 2), coverage=old)
    response = _new(client_for(prescriber), patient)
    assert response.context["form"].initial["coverage"] == patient.coverages.get(priority=1).pk
