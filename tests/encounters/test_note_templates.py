"""Note templates: a prescriber's own starting texts for the psychotherapy note and the plan."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import AccessRecord
from encounters import services
from encounters.models import NoteTemplate
from tests.factories import CoverageFactory, PatientFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("encounters:note-template-list")
CREATE_URL = reverse("encounters:note-template-create")


def _template(user, name="Follow-up", pt_note="Supportive therapy.", plan="Return in 4 weeks."):
    return NoteTemplate.objects.create(
        clinician=user.clinician, name=name, pt_note=pt_note, plan=plan
    )


def _edit_url(template):
    return reverse("encounters:note-template-edit", kwargs={"template_id": template.pk})


def _delete_url(template):
    return reverse("encounters:note-template-delete", kwargs={"template_id": template.pk})


# --- the model and the service -----------------------------------------------------


def test_a_name_is_unique_per_clinician_in_the_database(prescriber, other_prescriber):
    _template(prescriber)
    _template(other_prescriber)  # the same name for another clinician is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        _template(prescriber)


def test_saving_a_taken_name_is_an_error_on_the_name(prescriber):
    _template(prescriber)
    with pytest.raises(ValidationError) as exc:
        services.note_template_save(user=prescriber, name="Follow-up", pt_note="x", plan="")
    assert "already have a template with this name" in exc.value.message_dict["name"][0]


def test_a_prescriber_cannot_change_or_delete_another_prescribers_template(
    prescriber, other_prescriber
):
    theirs = _template(other_prescriber)
    with pytest.raises(PermissionDenied):
        services.note_template_save(
            user=prescriber, template=theirs, name="Mine", pt_note="x", plan=""
        )
    with pytest.raises(PermissionDenied):
        services.note_template_delete(user=prescriber, template=theirs)
    theirs.refresh_from_db()
    assert theirs.name == "Follow-up"


# --- the pages ---------------------------------------------------------------------


def test_the_list_shows_only_the_prescribers_own_templates(
    client_for, prescriber, other_prescriber
):
    _template(prescriber, name="Mine: CBT follow-up")
    _template(other_prescriber, name="Theirs: intake")
    response = client_for(prescriber).get(LIST_URL)
    assert response.status_code == 200
    assert "Mine: CBT follow-up" in response.text
    assert "Theirs: intake" not in response.text
    assert not AccessRecord.objects.exists()  # no patient shown, nothing to record


def test_adding_a_template(client_for, prescriber):
    response = client_for(prescriber).post(
        CREATE_URL, {"name": "CBT", "pt_note": "Reviewed thought record.", "plan": "Continue."}
    )
    assert response.status_code == 302
    template = NoteTemplate.objects.get()
    assert template.clinician == prescriber.clinician
    assert (template.name, template.pt_note, template.plan) == (
        "CBT",
        "Reviewed thought record.",
        "Continue.",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "pt_note": "x"}, "This field is required."),
        ({"name": "Empty", "pt_note": "", "plan": ""}, "an empty template fills nothing"),
        ({"name": "x" * 81, "pt_note": "x"}, "at most 80 characters"),
        ({"name": "Follow-up", "pt_note": "x"}, "already have a template with this name"),
    ],
)
def test_a_wrong_form_comes_back_with_a_clear_error(client_for, prescriber, data, message):
    _template(prescriber)
    response = client_for(prescriber).post(CREATE_URL, data)
    assert response.status_code == 200
    assert message in response.text
    assert NoteTemplate.objects.count() == 1


def test_editing_keeps_its_own_name_and_changes_the_text(client_for, prescriber):
    template = _template(prescriber)
    response = client_for(prescriber).post(
        _edit_url(template), {"name": "Follow-up", "pt_note": "New text.", "plan": ""}
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.pt_note, template.plan) == ("New text.", "")


def test_renaming_to_another_of_ones_templates_is_an_error(client_for, prescriber):
    _template(prescriber, name="Intake")
    template = _template(prescriber)
    response = client_for(prescriber).post(
        _edit_url(template), {"name": "Intake", "pt_note": "x", "plan": ""}
    )
    assert response.status_code == 200
    assert "already have a template with this name" in response.text
    template.refresh_from_db()
    assert template.name == "Follow-up"


def test_deleting_asks_then_deletes(client_for, prescriber):
    template = _template(prescriber)
    client = client_for(prescriber)
    assert client.get(_delete_url(template)).status_code == 200
    assert NoteTemplate.objects.exists()
    response = client.post(_delete_url(template))
    assert response.status_code == 302
    assert not NoteTemplate.objects.exists()


def test_another_prescribers_template_is_a_404_and_stays(client_for, prescriber, other_prescriber):
    theirs = _template(other_prescriber)
    client = client_for(prescriber)
    assert client.get(_edit_url(theirs)).status_code == 404
    assert client.post(_edit_url(theirs), {"name": "Mine", "pt_note": "x"}).status_code == 404
    assert client.post(_delete_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Follow-up"


def test_other_roles_get_403(client_for, biller, practice_admin):
    for user in (biller, practice_admin):
        assert client_for(user).get(LIST_URL).status_code == 403


# --- the encounter form ------------------------------------------------------------


def test_the_encounter_form_offers_only_the_clinicians_templates(
    client_for, prescriber, other_prescriber
):
    patient = PatientFactory()
    patient.clinicians.add(prescriber.clinician)
    CoverageFactory(patient=patient)
    _template(prescriber, name="Mine", pt_note='Said "fine" <today>', plan="Labs & follow-up")
    _template(other_prescriber, name="Theirs")
    url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    response = client_for(prescriber).get(url)
    assert response.status_code == 200
    html = response.text
    assert '<label class="form-label" for="note-template-select">Start from a template' in html
    assert "never replaced" in html
    assert ">Mine</option>" in html
    assert "Theirs" not in html
    # The texts ride on data attributes, escaped.
    assert 'data-pt-note="Said &quot;fine&quot; &lt;today&gt;"' in html
    assert 'data-plan="Labs &amp; follow-up"' in html


def test_without_templates_the_form_has_no_select(client_for, prescriber):
    patient = PatientFactory()
    patient.clinicians.add(prescriber.clinician)
    CoverageFactory(patient=patient)
    url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    assert "note-template-select" not in client_for(prescriber).get(url).text
