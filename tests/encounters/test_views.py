"""The prescriber's pages: patients, the encounter form, signing, the lock, addenda."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from encounters.models import Addendum, Encounter, EncounterStatus, Patient
from tests.factories import (
    ClinicianFactory,
    CoverageFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    PatientFactory,
    payer,
)

pytestmark = pytest.mark.django_db

YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


@pytest.fixture
def patient(prescriber):
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN777001")
    patient.clinicians.add(prescriber.clinician)
    CoverageFactory(patient=patient, priority=1)
    return patient


def _form_data(patient, **overrides):
    data = {
        "date_of_service": YESTERDAY.isoformat(),
        "coverage": str(patient.coverages.get(priority=1).pk),
        "setting": "in_person",
        "patient_status": "established",
        "pt_kind": "individual",
        "pt_start": "09:00",
        "pt_end": "09:38",
        "pt_modality": "cbt",
        "pt_focus": "Panic attacks",
        "pt_note": "Interoceptive exposure.",
        "em_start": "09:40",
        "em_end": "09:55",
        "mdm_problems": ["chronic_exacerbation"],
        "mdm_notes_reviewed": "1",
        "mdm_results_reviewed": "0",
        "mdm_tests_ordered": "0",
        "mdm_risk": ["prescription_management"],
        "em_plan": "Increase sertraline to 100 mg.",
        "mdm_data_detail": "Discharge summary of the March admission",
        "diagnostic_evaluation": "",
        "diagnosis_1": "F41.0",
        "medications-TOTAL_FORMS": "1",
        "medications-INITIAL_FORMS": "0",
        "medications-MIN_NUM_FORMS": "0",
        "medications-MAX_NUM_FORMS": "30",
        "medications-0-name": "Sertraline",
        "medications-0-dose": "100 mg",
        "medications-0-frequency": "daily",
        "medications-0-adherence": "full",
        "medications-0-side_effects": "",
        "medications-0-effect": "partial",
        "medications-0-change": "increased",
        "medications-0-change_reason": "Partial response at 50 mg",
        # What the panel showed for the chosen codes (the page's script fills these in).
        "coding_option": "recommended",
        "coding_shown": "99214 + 90836",
        "action": "save",
    }
    data.update(overrides)
    return data


def _create_url(patient):
    return reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})


def _edit_url(encounter):
    return reverse("encounters:encounter-edit", kwargs={"encounter_id": encounter.pk})


def _detail_url(encounter):
    return reverse("encounters:encounter-detail", kwargs={"encounter_id": encounter.pk})


def _encounter(prescriber, **kwargs):
    """A draft of ``prescriber``; with a given patient, on that patient's primary coverage."""
    if "patient" in kwargs:
        kwargs.setdefault("coverage", kwargs["patient"].coverages.get(priority=1))
    return EncounterFactory(clinician=prescriber.clinician, **kwargs)


def _signed(prescriber, **kwargs):
    encounter = _encounter(prescriber, **kwargs)
    EncounterDiagnosisFactory(encounter=encounter)
    encounter.status = EncounterStatus.SIGNED
    encounter.signed_by = prescriber
    encounter.signed_at = datetime.datetime.now(tz=datetime.UTC)
    encounter.save()
    return Encounter.objects.get(pk=encounter.pk)


# --- encounter form ---------------------------------------------------------------


def test_new_encounter_page_has_the_form_and_the_live_proposal_panel(
    client_for, prescriber, patient
):
    response = client_for(prescriber).get(_create_url(patient))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="encounter-form"' in html
    assert 'id="proposal-panel"' in html
    assert f'hx-post="{reverse("coding:proposal-panel")}"' in html
    assert 'hx-include="#encounter-form"' in html
    assert 'name="medications-0-name"' in html


def test_new_encounter_suggests_new_patient_without_a_visit_in_three_years(
    client_for, prescriber, patient
):
    response = client_for(prescriber).get(_create_url(patient))
    assert response.context["form"].initial["patient_status"] == "new"
    assert "no signed visit with the practice" in response.content.decode()


def test_new_encounter_suggests_established_with_the_date_last_seen(
    client_for, prescriber, patient
):
    seen = _signed(prescriber, patient=patient, date_of_service=datetime.date(2024, 5, 2))
    response = client_for(prescriber).get(_create_url(patient))
    assert response.context["form"].initial["patient_status"] == "established"
    assert f"seen by the practice on {seen.date_of_service:%Y-%m-%d}" in response.content.decode()


def test_new_encounter_defaults_to_the_primary_coverage(client_for, prescriber, patient):
    CoverageFactory(patient=patient, priority=2, payer=payer("medicaid"))
    response = client_for(prescriber).get(_create_url(patient))
    assert response.context["form"].initial["coverage"] == patient.coverages.get(priority=1).pk


def test_save_draft_creates_the_encounter_with_diagnoses_and_medications(
    client_for, prescriber, patient
):
    response = client_for(prescriber).post(_create_url(patient), _form_data(patient))
    encounter = Encounter.objects.get(patient=patient)
    assert response.status_code == 302
    assert response.url == _edit_url(encounter)
    assert encounter.status == EncounterStatus.DRAFT
    assert encounter.pt_minutes == 38
    assert encounter.em_minutes == 15
    assert encounter.mdm_problems == ["chronic_exacerbation"]
    assert [d.code for d in encounter.diagnoses.all()] == ["F41.0"]
    assert [m.name for m in encounter.medication_reviews.all()] == ["Sertraline"]


def test_draft_may_be_saved_without_a_diagnosis(client_for, prescriber, patient):
    response = client_for(prescriber).post(
        _create_url(patient), _form_data(patient, diagnosis_1="")
    )
    assert response.status_code == 302
    assert Encounter.objects.get(patient=patient).diagnoses.count() == 0


def test_sign_saves_and_locks_and_records_the_signer(client_for, prescriber, patient):
    response = client_for(prescriber).post(_create_url(patient), _form_data(patient, action="sign"))
    encounter = Encounter.objects.get(patient=patient)
    assert response.status_code == 302
    assert response.url == _detail_url(encounter)
    assert encounter.status == EncounterStatus.SIGNED
    assert encounter.signed_by == prescriber


def test_sign_without_diagnosis_keeps_the_draft_and_shows_the_error(
    client_for, prescriber, patient
):
    response = client_for(prescriber).post(
        _create_url(patient), _form_data(patient, action="sign", diagnosis_1="")
    )
    assert response.status_code == 200
    assert "Add at least one diagnosis before signing (DG-1)." in response.content.decode()
    assert Encounter.objects.get(patient=patient).status == EncounterStatus.DRAFT


def test_sign_refused_by_the_service_keeps_the_saved_draft_and_says_why(
    client_for, prescriber, patient
):
    nothing_documented = _form_data(
        patient,
        action="sign",
        pt_kind="",
        pt_start="",
        pt_end="",
        em_start="",
        em_end="",
        **{"medications-TOTAL_FORMS": "0"},
    )
    response = client_for(prescriber).post(_create_url(patient), nothing_documented)
    encounter = Encounter.objects.get(patient=patient)
    html = response.content.decode()
    assert response.status_code == 200
    assert encounter.status == EncounterStatus.DRAFT
    assert "The draft is saved but not signed" in html
    assert "Document a psychotherapy block, a med-management block" in html
    assert f'action="{_edit_url(encounter)}"' in html


def test_custom_codes_without_reason_stop_the_signature(client_for, prescriber, patient):
    data = _form_data(
        patient, action="sign", coding_option="custom", coding_custom_codes="99214, 90836"
    )
    response = client_for(prescriber).post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    assert response.status_code == 200
    assert encounter.status == EncounterStatus.DRAFT
    assert encounter.coding_choice == {
        "option": "custom",
        "shown": "99214 + 90836",
        "lines": [
            {"code": "99214", "units": 1, "modifiers": []},
            {"code": "90836", "units": 1, "modifiers": []},
        ],
    }
    assert "need a written reason" in response.content.decode()


def test_edit_draft_changes_it(client_for, prescriber, patient):
    encounter = _encounter(prescriber, patient=patient)
    response = client_for(prescriber).post(
        _edit_url(encounter), _form_data(patient, pt_focus="Sleep")
    )
    encounter.refresh_from_db()
    assert response.status_code == 302
    assert encounter.pt_focus == "Sleep"


def test_edit_draft_page_shows_saved_diagnoses_and_medications(client_for, prescriber, patient):
    client = client_for(prescriber)
    client.post(_create_url(patient), _form_data(patient))
    encounter = Encounter.objects.get(patient=patient)
    html = client.get(_edit_url(encounter)).content.decode()
    assert 'value="F41.0"' in html
    assert "Panic disorder" in html
    assert 'value="Sertraline"' in html


def test_save_draft_keeps_invalid_input_as_typed_and_shows_what_to_fix(
    client_for, prescriber, patient
):
    client = client_for(prescriber)
    data = _form_data(patient, pt_end="08:30", pt_focus="Grief after job loss")
    response = client.post(_create_url(patient), data)
    encounter = Encounter.objects.get(patient=patient)
    assert response.status_code == 302
    assert encounter.pt_focus == "Grief after job loss"
    assert encounter.pt_end is None  # the checked field holds no value that failed a check
    html = client.get(_edit_url(encounter)).content.decode()
    assert 'data-testid="error-summary"' in html
    assert "before it starts at 09:00" in html
    assert 'value="08:30"' in html
    assert 'value="Grief after job loss"' in html
    assert 'value="Sertraline"' in html
    assert 'value="F41.0"' in html


def test_category_code_is_refused_next_to_the_diagnosis(client_for, prescriber, patient):
    client = client_for(prescriber)
    client.post(_create_url(patient), _form_data(patient, diagnosis_1="F32"))
    encounter = Encounter.objects.get(patient=patient)
    html = client.get(_edit_url(encounter)).content.decode()
    assert "F32 is a category, not a billable code" in html
    assert 'value="F32"' in html


def test_signed_encounter_edit_get_redirects_to_detail_with_a_message(client_for, prescriber):
    encounter = _signed(prescriber)
    response = client_for(prescriber).get(_edit_url(encounter), follow=True)
    assert response.redirect_chain == [(_detail_url(encounter), 302)]
    assert "signed and locked" in response.content.decode()


def test_signed_encounter_edit_post_shows_detail_and_changes_nothing(client_for, prescriber):
    encounter = _signed(prescriber)
    response = client_for(prescriber).post(
        _edit_url(encounter), _form_data(encounter.patient, pt_focus="Changed")
    )
    encounter.refresh_from_db()
    assert response.status_code == 409
    assert "signed and locked" in response.content.decode()
    assert 'data-testid="status-badge">Signed — locked' in response.content.decode()
    assert encounter.pt_focus == "Panic symptoms"


def test_signed_detail_has_locked_badge_no_edit_button_and_addendum_form(client_for, prescriber):
    encounter = _signed(prescriber)
    html = client_for(prescriber).get(_detail_url(encounter)).content.decode()
    assert "Signed — locked" in html
    assert 'data-testid="edit"' not in html
    assert 'data-testid="addendum-form"' in html


def test_addendum_is_added_to_a_signed_encounter(client_for, prescriber):
    encounter = _signed(prescriber)
    url = reverse("encounters:encounter-addendum-add", kwargs={"encounter_id": encounter.pk})
    response = client_for(prescriber).post(
        url, {"text": "Patient called: nausea.", "reason": "Late information"}, follow=True
    )
    assert Addendum.objects.get(encounter=encounter).reason == "Late information"
    assert "Patient called: nausea." in response.content.decode()


def test_addendum_without_reason_is_refused_next_to_the_field(client_for, prescriber):
    encounter = _signed(prescriber)
    url = reverse("encounters:encounter-addendum-add", kwargs={"encounter_id": encounter.pk})
    response = client_for(prescriber).post(url, {"text": "Late note", "reason": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Late note</textarea>" in html
    assert "This field is required." in html
    assert not Addendum.objects.exists()


@pytest.mark.parametrize("name", ["encounter-detail", "encounter-edit"])
def test_other_prescribers_encounter_is_404(client_for, other_prescriber, prescriber, name):
    encounter = EncounterFactory(clinician=prescriber.clinician)
    url = reverse(f"encounters:{name}", kwargs={"encounter_id": encounter.pk})
    assert client_for(other_prescriber).get(url).status_code == 404


def test_other_prescribers_patient_is_404(client_for, other_prescriber, patient):
    client = client_for(other_prescriber)
    assert client.get(_create_url(patient)).status_code == 404
    detail = reverse("encounters:patient-detail", kwargs={"patient_id": patient.pk})
    assert client.get(detail).status_code == 404


@pytest.mark.parametrize("role_fixture", ["biller", "compliance"])
@pytest.mark.parametrize(
    "name", ["encounter-list", "patient-list", "encounter-detail", "encounter-edit"]
)
def test_biller_and_compliance_get_403(request, client_for, prescriber, role_fixture, name):
    encounter = EncounterFactory(clinician=prescriber.clinician)
    kwargs = (
        {"encounter_id": encounter.pk}
        if name.startswith("encounter-") and name != "encounter-list"
        else {}
    )
    user = request.getfixturevalue(role_fixture)
    assert client_for(user).get(reverse(f"encounters:{name}", kwargs=kwargs)).status_code == 403


def test_encounter_list_shows_own_encounters_newest_first_and_filters(client_for, prescriber):
    old = EncounterFactory(
        clinician=prescriber.clinician, date_of_service=datetime.date(2025, 1, 5)
    )
    new = _signed(prescriber, date_of_service=datetime.date(2025, 2, 5))
    EncounterFactory()  # someone else's
    client = client_for(prescriber)
    everything = list(client.get(reverse("encounters:encounter-list")).context["page"])
    drafts = list(
        client.get(reverse("encounters:encounter-list"), {"status": "draft"}).context["page"]
    )
    assert everything == [new, old]
    assert drafts == [old]


def test_encounter_list_pages_by_25(client_for, prescriber):
    EncounterFactory.create_batch(26, clinician=prescriber.clinician)
    response = client_for(prescriber).get(reverse("encounters:encounter-list"))
    assert len(response.context["page"]) == 25
    assert response.context["page"].paginator.num_pages == 2


# --- ICD autocomplete and MDM levels ---------------------------------------------


def test_icd_autocomplete_by_words_returns_a_fragment_of_billable_codes(client_for, prescriber):
    response = client_for(prescriber).get(
        reverse("encounters:icd-search"), {"diagnosis_1": "panic disorder", "slot": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-icd-code="F41.0"' in html
    assert 'data-slot="1"' in html


def test_icd_autocomplete_by_code_prefix(client_for, prescriber):
    response = client_for(prescriber).get(
        reverse("encounters:icd-search"), {"q": "F32.", "slot": "2"}
    )
    html = response.content.decode()
    assert 'data-icd-code="F32.9"' in html
    assert 'data-icd-code="F32"' not in html


def test_mdm_levels_fragment_reports_moderate_for_exacerbation_and_prescription(
    client_for, prescriber
):
    response = client_for(prescriber).post(
        reverse("encounters:mdm-levels"),
        {"mdm_problems": ["chronic_exacerbation"], "mdm_risk": ["prescription_management"]},
    )
    assert response.status_code == 200
    assert 'data-testid="mdm-level">Moderate<' in response.content.decode()


# --- patients ---------------------------------------------------------------------


def test_patient_search_as_you_type_returns_the_table_fragment(client_for, prescriber, patient):
    other = PatientFactory(last_name="Zimmer")
    other.clinicians.add(prescriber.clinician)
    response = client_for(prescriber).get(
        reverse("encounters:patient-list"), {"q": "Quinn"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "Quinn, Ada" in html
    assert "Zimmer" not in html
    assert "HX-Request" in response["Vary"]


def test_patient_search_by_mrn_and_date_of_birth(client_for, prescriber, patient):
    client = client_for(prescriber)
    by_mrn = client.get(reverse("encounters:patient-list"), {"q": "777001"})
    by_dob = client.get(
        reverse("encounters:patient-list"), {"q": patient.date_of_birth.isoformat()}
    )
    assert list(by_mrn.context["page"]) == [patient]
    assert list(by_dob.context["page"]) == [patient]


def test_prescriber_sees_only_care_team_patients(client_for, prescriber, patient):
    PatientFactory(last_name="Stranger")
    response = client_for(prescriber).get(reverse("encounters:patient-list"))
    assert list(response.context["page"]) == [patient]


def test_patient_detail_lists_the_prescribers_encounters(client_for, prescriber, patient):
    encounter = _encounter(prescriber, patient=patient)
    response = client_for(prescriber).get(
        reverse("encounters:patient-detail", kwargs={"patient_id": patient.pk})
    )
    assert list(response.context["encounters"]) == [encounter]
    assert 'data-testid="new-encounter"' in response.content.decode()


def test_admin_sees_demographics_and_coverage_but_no_encounters(
    client_for, practice_admin, prescriber, patient
):
    _encounter(prescriber, patient=patient, pt_note="Secret note")
    response = client_for(practice_admin).get(
        reverse("encounters:patient-detail", kwargs={"patient_id": patient.pk})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert patient.mrn in html
    assert 'data-testid="coverage-list"' in html
    assert 'data-testid="patient-encounters"' not in html
    assert "Secret note" not in html


def test_prescriber_cannot_create_patients(client_for, prescriber):
    assert client_for(prescriber).get(reverse("encounters:patient-create")).status_code == 403


def _patient_post(**overrides):
    data = {
        "first_name": "Bea",
        "last_name": "Lind",
        "date_of_birth": "1980-03-04",
        "sex": "F",
        "mrn": "MRN900100",
        "address_line1": "1 Main St",
        "address_line2": "",
        "city": "Albany",
        "state": "ny",
        "postal_code": "12207",
        "phone": "",
        "coverages-TOTAL_FORMS": "1",
        "coverages-INITIAL_FORMS": "0",
        "coverages-MIN_NUM_FORMS": "0",
        "coverages-MAX_NUM_FORMS": "1000",
        "coverages-0-payer": str(payer("commercial").pk),
        "coverages-0-member_id": "W123",
        "coverages-0-group_number": "G1",
        "coverages-0-relation": "19",
        "coverages-0-subscriber_first_name": "Carl",
        "coverages-0-subscriber_last_name": "Lind",
        "coverages-0-subscriber_date_of_birth": "1955-01-01",
        "coverages-0-priority": "1",
        "coverages-0-active": "on",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_patient_with_coverage(client_for, practice_admin):
    clinician = ClinicianFactory()
    response = client_for(practice_admin).post(
        reverse("encounters:patient-create"), _patient_post(clinicians=[clinician.pk])
    )
    patient = Patient.objects.get(mrn="MRN900100")
    assert response.status_code == 302
    assert patient.state == "NY"
    assert patient.coverages.get().subscriber_first_name == "Carl"
    assert list(patient.clinicians.all()) == [clinician]


def test_admin_coverage_for_a_dependant_needs_the_subscriber(client_for, practice_admin):
    response = client_for(practice_admin).post(
        reverse("encounters:patient-create"),
        _patient_post(**{"coverages-0-subscriber_first_name": ""}),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter the subscriber&#x27;s first name" in html
    assert 'value="W123"' in html
    assert not Patient.objects.filter(mrn="MRN900100").exists()


def test_admin_edits_a_patient_and_swaps_coverage_priorities(client_for, practice_admin, patient):
    first = patient.coverages.get()
    second = CoverageFactory(patient=patient, priority=2, payer=payer("medicaid"))
    data = _patient_post(
        mrn=patient.mrn,
        **{
            "coverages-TOTAL_FORMS": "2",
            "coverages-INITIAL_FORMS": "2",
            "coverages-0-id": str(first.pk),
            "coverages-0-relation": "18",
            "coverages-0-priority": "2",
            "coverages-1-id": str(second.pk),
            "coverages-1-payer": str(second.payer_id),
            "coverages-1-member_id": second.member_id,
            "coverages-1-relation": "18",
            "coverages-1-priority": "1",
            "coverages-1-active": "on",
        },
    )
    response = client_for(practice_admin).post(
        reverse("encounters:patient-edit", kwargs={"patient_id": patient.pk}), data
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert response.status_code == 302
    assert (first.priority, second.priority) == (2, 1)
    assert first.active
    assert second.active


def test_admin_two_active_coverages_with_one_priority_are_refused(client_for, practice_admin):
    data = _patient_post(
        **{
            "coverages-TOTAL_FORMS": "2",
            "coverages-1-payer": str(payer("medicaid").pk),
            "coverages-1-member_id": "X9",
            "coverages-1-relation": "18",
            "coverages-1-priority": "1",
            "coverages-1-active": "on",
        }
    )
    response = client_for(practice_admin).post(reverse("encounters:patient-create"), data)
    assert response.status_code == 200
    assert "Another active coverage already has priority 1" in response.content.decode()


def test_admin_cannot_delete_a_coverage_billed_on_an_encounter(
    client_for, practice_admin, prescriber, patient
):
    coverage = patient.coverages.get()
    _encounter(prescriber, patient=patient)
    data = _patient_post(
        mrn=patient.mrn,
        **{
            "coverages-INITIAL_FORMS": "1",
            "coverages-0-id": str(coverage.pk),
            "coverages-0-relation": "18",
            "coverages-0-DELETE": "on",
        },
    )
    response = client_for(practice_admin).post(
        reverse("encounters:patient-edit", kwargs={"patient_id": patient.pk}), data
    )
    assert response.status_code == 200
    assert "cannot be deleted: untick Active instead" in response.content.decode()
    assert patient.coverages.filter(pk=coverage.pk).exists()


def test_patient_search_history_restore_gets_the_whole_page(client_for, prescriber, patient):
    response = client_for(prescriber).get(
        reverse("encounters:patient-list"),
        {"q": "Quinn"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_reopened_draft_sends_its_saved_code_choice_to_the_panel(client_for, prescriber, patient):
    client = client_for(prescriber)
    client.post(
        _create_url(patient),
        _form_data(
            patient,
            coding_option="custom",
            coding_custom_codes="99213, 90833",
            coding_override_reason="MDM from the outside note",
        ),
    )
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.coding_choice["option"] == "custom"
    html = client.get(_edit_url(encounter)).content.decode()
    assert 'name="coding_option" form="encounter-form" value="custom"' in html
    assert 'form="encounter-form" placeholder="e.g. 99213, 90833" value="99213, 90833"' in html
    assert ">MDM from the outside note</textarea>" in html


def test_signed_encounter_shows_the_codes_billed_and_the_rules_behind_them(
    client_for, prescriber, patient
):
    client = client_for(prescriber)
    client.post(_create_url(patient), _form_data(patient, action="sign"))
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.is_signed
    html = client.get(
        reverse("encounters:encounter-detail", kwargs={"encounter_id": encounter.pk})
    ).content.decode()
    assert 'data-testid="billed-codes"' in html
    assert "<code>99214</code> + <code>90836</code>" in html
    assert "As proposed" in html
    assert "CB-1" in html


@pytest.mark.parametrize(
    ("credential", "shown"),
    [("MD", True), ("RxP", True), ("psychologist", True), ("LCSW", False), ("LMFT", False)],
)
def test_med_management_block_is_hidden_for_a_credential_no_payer_lets_bill_it(
    client_for, credential, shown
):
    """A therapist (LCSW, LPC, LMFT) cannot bill E/M or 90863 under any payer (EM-1, CB-4)."""
    therapist = ClinicianFactory(credential=credential)
    patient = PatientFactory()
    patient.clinicians.add(therapist)
    CoverageFactory(patient=patient, priority=1)
    html = client_for(therapist.user).get(_create_url(patient)).content.decode()
    assert ('data-testid="em-block"' in html) is shown
    assert ('name="em_start"' in html) is shown
    assert ('name="mdm_problems"' in html) is shown
    assert 'name="pt_start"' in html
