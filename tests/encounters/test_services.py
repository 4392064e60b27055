"""Writes to encounters: create and update drafts, sign (and lock), add addenda."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AccessRecord
from encounters import services
from encounters.models import Addendum, Encounter, EncounterLocked
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)
MEDICATION = {
    "name": "sertraline",
    "dose": "100 mg",
    "frequency": "daily",
    "adherence": "full",
    "effect": "improved",
    "change": "continued",
}


def _data(**overrides):
    data = {
        "date_of_service": YESTERDAY,
        "setting": "in_person",
        "patient_status": "established",
        "pt_kind": "individual",
        "pt_start": datetime.time(10, 0),
        "pt_end": datetime.time(10, 30),
        "pt_modality": "cbt",
        "pt_note": "Exposure practice.",
        "em_start": datetime.time(10, 30),
        "em_end": datetime.time(10, 50),
        "mdm_problems": ["chronic_exacerbation"],
        "mdm_risk": ["prescription_management"],
        "em_plan": "Continue sertraline.",
    }
    return {**data, **overrides}


@pytest.fixture
def clinician():
    return ClinicianFactory(credential="MD")


@pytest.fixture
def patient():
    patient = PatientFactory()
    CoverageFactory(patient=patient)
    return patient


@pytest.fixture
def make_draft(clinician, patient):
    def make(diagnoses=("F33.1",), **overrides):
        return services.encounter_create(
            user=clinician.user,
            clinician=clinician,
            patient=patient,
            data=_data(coverage=patient.coverages.first(), **overrides),
            diagnoses=diagnoses,
            medications=[MEDICATION],
        )

    return make


def _records(user, encounter, action):
    return AccessRecord.objects.filter(
        user=user, object_type="encounters.Encounter", object_id=str(encounter.pk), action=action
    )


# --- create -------------------------------------------------------------------------------


def test_create_saves_a_draft_with_diagnoses_and_medication_reviews(make_draft, clinician):
    encounter = make_draft(diagnoses=["f33.1", "F41.1"])

    assert encounter.status == "draft"
    assert encounter.signed_at is None
    assert [(d.position, d.code) for d in encounter.diagnoses.all()] == [
        (1, "F33.1"),
        (2, "F41.1"),
    ]
    assert encounter.diagnoses.first().description.startswith("Major depressive disorder")
    assert [m.name for m in encounter.medication_reviews.all()] == ["sertraline"]


def test_create_puts_the_clinician_on_the_patients_care_team(make_draft, clinician, patient):
    make_draft()
    assert list(patient.clinicians.all()) == [clinician]


def test_create_writes_a_create_access_record(make_draft, clinician):
    encounter = make_draft()
    assert _records(clinician.user, encounter, "create").count() == 1


def test_create_refuses_a_category_code_and_saves_nothing_dg_2(make_draft):
    with pytest.raises(ValidationError) as refused:
        make_draft(diagnoses=["F32"])
    assert "category" in refused.value.message_dict["diagnoses"][0]
    assert not Encounter.objects.exists()


def test_create_refuses_overlapping_blocks_pt_3(make_draft):
    with pytest.raises(ValidationError) as refused:
        make_draft(em_start=datetime.time(10, 15), em_end=datetime.time(10, 40))
    assert "PT-3" in refused.value.message_dict["em_start"][0]


def test_create_refuses_a_future_date_of_service(make_draft):
    with pytest.raises(ValidationError) as refused:
        make_draft(date_of_service=timezone.localdate() + datetime.timedelta(days=1))
    assert "date_of_service" in refused.value.message_dict


# --- update -------------------------------------------------------------------------------


def test_update_changes_a_draft_and_writes_an_update_record(make_draft, clinician):
    encounter = make_draft()

    services.encounter_update(
        user=clinician.user, encounter=encounter, data={"em_plan": "Taper over two weeks."}
    )

    encounter.refresh_from_db()
    assert encounter.em_plan == "Taper over two weeks."
    assert _records(clinician.user, encounter, "update").count() == 1


def test_update_keeps_diagnoses_unless_given_and_replaces_them_when_given(make_draft, clinician):
    encounter = make_draft(diagnoses=["F33.1"])
    services.encounter_update(user=clinician.user, encounter=encounter, data={})
    assert list(encounter.diagnoses.values_list("code", flat=True)) == ["F33.1"]

    services.encounter_update(
        user=clinician.user, encounter=encounter, data={}, diagnoses=["F41.0"], medications=[]
    )
    assert list(encounter.diagnoses.values_list("code", flat=True)) == ["F41.0"]
    assert not encounter.medication_reviews.exists()


def test_update_of_a_signed_encounter_raises_encounter_locked(make_draft, clinician):
    encounter = services.encounter_mark_signed(user=clinician.user, encounter=make_draft())
    with pytest.raises(EncounterLocked):
        services.encounter_update(user=clinician.user, encounter=encounter, data={"em_plan": "x"})


# --- sign ---------------------------------------------------------------------------------


def test_sign_records_the_signer_and_the_time(make_draft, clinician):
    before = timezone.now()
    signed = services.encounter_mark_signed(user=clinician.user, encounter=make_draft())
    after = timezone.now()

    stored = Encounter.objects.get(pk=signed.pk)
    assert stored.status == "signed"
    assert stored.signed_by == clinician.user
    assert before <= stored.signed_at <= after


def test_sign_writes_a_sign_access_record(make_draft, clinician):
    signed = services.encounter_mark_signed(user=clinician.user, encounter=make_draft())
    assert _records(clinician.user, signed, "sign").count() == 1


def test_sign_refuses_an_encounter_without_a_diagnosis_dg_1(make_draft, clinician):
    encounter = make_draft(diagnoses=[])
    with pytest.raises(ValidationError) as refused:
        services.encounter_mark_signed(user=clinician.user, encounter=encounter)
    assert "DG-1" in refused.value.message_dict["diagnoses"][0]
    assert Encounter.objects.get(pk=encounter.pk).status == "draft"


def test_sign_by_another_user_is_refused(make_draft):
    encounter = make_draft()
    other = ClinicianFactory(credential="NP").user
    with pytest.raises(PermissionDenied):
        services.encounter_mark_signed(user=other, encounter=encounter)
    assert Encounter.objects.get(pk=encounter.pk).status == "draft"


def test_sign_refuses_psychotherapy_without_its_times_pt_4(make_draft, clinician):
    encounter = make_draft(pt_start=None, pt_end=None)
    with pytest.raises(ValidationError) as refused:
        services.encounter_mark_signed(user=clinician.user, encounter=encounter)
    assert "PT-4" in refused.value.message_dict["pt_start"][0]


def test_signing_twice_raises_encounter_locked(make_draft, clinician):
    encounter = services.encounter_mark_signed(user=clinician.user, encounter=make_draft())
    with pytest.raises(EncounterLocked):
        services.encounter_mark_signed(user=clinician.user, encounter=encounter)


# --- addenda ------------------------------------------------------------------------------


def test_addendum_is_added_to_a_signed_encounter_with_author_and_reason(make_draft, clinician):
    signed = services.encounter_mark_signed(user=clinician.user, encounter=make_draft())

    addendum = services.addendum_add(
        user=clinician.user, encounter=signed, text=" Lithium level 0.7. ", reason="Late lab"
    )

    assert (addendum.author, addendum.text, addendum.reason) == (
        clinician.user,
        "Lithium level 0.7.",
        "Late lab",
    )
    assert _records(clinician.user, signed, "update").count() == 1


def test_addendum_on_a_draft_is_refused(make_draft, clinician):
    with pytest.raises(ValidationError):
        services.addendum_add(user=clinician.user, encounter=make_draft(), text="x", reason="y")
    assert not Addendum.objects.exists()


def test_addendum_needs_text_and_reason(make_draft, clinician):
    signed = services.encounter_mark_signed(user=clinician.user, encounter=make_draft())
    with pytest.raises(ValidationError) as refused:
        services.addendum_add(user=clinician.user, encounter=signed, text=" ", reason="")
    assert set(refused.value.message_dict) == {"text", "reason"}
