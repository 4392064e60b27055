"""Encounter, medication, coverage and patient forms: every message next to its field."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.http import QueryDict

from encounters.forms import (
    CoverageForm,
    EncounterForm,
    MedicationForm,
    PatientForm,
    coding_choice_from,
    mdm_summary_from,
    medication_formset,
)
from tests.factories import CoverageFactory, PatientFactory, payer

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2025, 3, 10, 14, 0, tzinfo=TZ)
TODAY = NOW.date()


@pytest.fixture
def patient():
    patient = PatientFactory()
    CoverageFactory(patient=patient, priority=1)
    return patient


def _form(patient, signing=False, **data):
    base = {
        "date_of_service": "2025-03-09",
        "setting": "in_person",
        "patient_status": "established",
    }
    base.update(data)
    return EncounterForm(base, patient=patient, signing=signing, now=NOW)


def test_minimal_draft_is_valid(patient):
    form = _form(patient)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["mdm_notes_reviewed"] == 0


def test_future_date_of_service_is_refused(patient):
    form = _form(patient, date_of_service="2025-03-11")
    assert not form.is_valid()
    assert form.errors["date_of_service"] == ["The date of service is in the future."]


def test_block_ending_before_it_starts_is_refused_at_the_end_field(patient):
    form = _form(patient, pt_kind="individual", pt_start="10:00", pt_end="09:30")
    assert not form.is_valid()
    assert "before it starts at 10:00" in form.errors["pt_end"][0]


def test_block_ending_later_than_now_today_is_refused(patient):
    form = _form(patient, date_of_service=TODAY.isoformat(), em_start="13:30", em_end="14:30")
    assert not form.is_valid()
    assert form.errors["em_end"] == [
        "The med-management block ends at 14:30, which is later than now."
    ]


def test_block_with_start_only_asks_for_the_end_at_signing(patient):
    form = _form(patient, em_start="09:00", signing=True)
    assert not form.is_valid()
    assert form.errors["em_end"] == ["Enter when the med-management block ended."]


def test_draft_may_hold_a_running_timer_start_alone(patient):
    form = _form(patient, em_start="09:00")
    form.is_valid()
    assert "em_end" not in form.errors


def test_pt_3_overlapping_blocks_are_refused_at_the_med_management_start(patient):
    form = _form(
        patient,
        pt_kind="individual",
        pt_start="09:00",
        pt_end="09:40",
        em_start="09:30",
        em_end="09:45",
    )
    assert not form.is_valid()
    assert "overlaps the psychotherapy block" in form.errors["em_start"][0]
    assert "(PT-3)" in form.errors["em_start"][0]


def test_dg_2_category_code_is_not_billable(patient):
    form = _form(patient, diagnosis_1="F32")
    assert not form.is_valid()
    assert form.errors["diagnosis_1"] == [
        "F32 is a category, not a billable code: choose a more specific code (DG-2)."
    ]


def test_dg_2_unknown_code_is_refused(patient):
    form = _form(patient, diagnosis_2="XYZ")
    assert not form.is_valid()
    assert form.errors["diagnosis_2"] == ["XYZ is not an ICD-10-CM code (DG-2)."]


def test_diagnosis_is_normalised_and_described(patient):
    form = _form(patient, diagnosis_1="f329")
    assert form.is_valid(), form.errors
    assert form.diagnosis_codes() == ["F32.9"]
    assert "Major depressive disorder" in form.diagnosis_descriptions["diagnosis_1"]


def test_same_diagnosis_twice_is_refused(patient):
    form = _form(patient, diagnosis_1="F41.1", diagnosis_2="F41.1")
    assert not form.is_valid()
    assert form.errors["diagnosis_2"] == ["F41.1 is already listed as Diagnosis 1."]


def test_dg_1_diagnosis_required_for_signing_only(patient):
    assert _form(patient).is_valid()
    signing = _form(patient, signing=True)
    assert not signing.is_valid()
    assert signing.errors["diagnosis_1"] == ["Add at least one diagnosis before signing (DG-1)."]


def test_ic_1_interactive_complexity_needs_a_reason(patient):
    form = _form(patient, interactive_complexity="on")
    assert not form.is_valid()
    assert form.errors["interactive_complexity_reason"] == [
        "Say what made the communication complex (IC-1)."
    ]


def test_pt_4_signing_psychotherapy_needs_times(patient):
    form = _form(patient, signing=True, pt_kind="individual", diagnosis_1="F41.1")
    assert not form.is_valid()
    assert form.errors["pt_start"] == ["Enter the psychotherapy start and end times (PT-4)."]


def test_coverage_choices_are_the_patients_active_coverages(patient):
    CoverageFactory(patient=patient, priority=2, active=False, payer=payer("medicaid"))
    other = CoverageFactory()
    form = _form(patient, coverage=str(other.pk))
    assert list(form.fields["coverage"].queryset) == [patient.coverages.get(priority=1)]
    assert not form.is_valid()
    assert "coverage" in form.errors


def test_custom_codes_become_the_stored_choice():
    assert coding_choice_from("custom", "99214-95, 90833") == {
        "option": "custom",
        "shown": "",
        "lines": [
            {"code": "99214", "units": 1, "modifiers": ["95"]},
            {"code": "90833", "units": 1, "modifiers": []},
        ],
    }
    assert coding_choice_from("alternative-0", "", shown="90832") == {
        "option": "alternative-0",
        "shown": "90832",
    }
    assert coding_choice_from("", "99214") is None


def test_em_2_mdm_levels_from_ticked_items():
    data = QueryDict(mutable=True)
    data.setlist("mdm_problems", ["chronic_exacerbation"])
    data.setlist("mdm_risk", ["prescription_management"])
    data["mdm_notes_reviewed"] = "1"
    summary = mdm_summary_from(data)
    assert summary == {
        "problems": "Moderate",
        "data": "Straightforward",
        "risk": "Moderate",
        "level": "Moderate",
    }


def test_medication_change_needs_a_reason():
    form = MedicationForm(
        {
            "name": "Lithium",
            "dose": "300 mg",
            "frequency": "bid",
            "adherence": "full",
            "effect": "worse",
            "change": "decreased",
        }
    )
    assert not form.is_valid()
    assert form.errors["change_reason"] == ["Say why the medication was changed."]


def test_empty_medication_row_is_ignored_and_a_half_filled_one_is_refused():
    empty = medication_formset(
        QueryDict("medications-TOTAL_FORMS=1&medications-INITIAL_FORMS=0&medications-0-name=")
    )
    half = medication_formset(
        QueryDict(
            "medications-TOTAL_FORMS=1&medications-INITIAL_FORMS=0&medications-0-name=Lithium"
        )
    )
    assert empty.is_valid()
    assert empty.medications() == []
    assert not half.is_valid()
    assert half.errors[0]["dose"] == ["This field is required."]


def test_dependant_coverage_needs_subscriber_name_and_birth_date():
    form = CoverageForm(
        {"payer": payer().pk, "member_id": "A1", "relation": "01", "priority": 1, "active": "on"}
    )
    assert not form.is_valid()
    assert form.errors["subscriber_first_name"] == [
        "Enter the subscriber's first name: the patient is not the subscriber."
    ]
    assert "subscriber_date_of_birth" in form.errors


def test_patient_born_in_the_future_is_refused():
    future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    form = PatientForm({"date_of_birth": future})
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == ["The date of birth is in the future."]
