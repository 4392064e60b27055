"""Practice admins read the access log; nobody else does."""

import pytest
from django.urls import reverse

from accounts.access import access_record
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_admin_sees_who_opened_which_record_filtered_by_user_and_record(
    client_for, practice_admin, prescriber, biller
):
    patient = PatientFactory()
    other = PatientFactory()
    access_record(user=prescriber, obj=patient, path="/encounters/patients/1/")
    access_record(user=biller, obj=other)
    client = client_for(practice_admin)

    everything = client.get(reverse("accounts:access-log")).content.decode()
    assert f"encounters.Patient #{patient.pk}" in everything
    assert f"encounters.Patient #{other.pk}" in everything

    response = client.get(
        reverse("accounts:access-log"),
        {"user": prescriber.username, "type": "encounters.Patient", "id": str(patient.pk)},
    )
    rows = list(response.context["page"])
    assert [(r.user, r.object_id) for r in rows] == [(prescriber, str(patient.pk))]
    assert rows[0].role == "Prescriber"


@pytest.mark.parametrize("role", ["prescriber", "biller", "compliance"])
def test_other_roles_cannot_read_the_access_log(client_for, request, role):
    response = client_for(request.getfixturevalue(role)).get(reverse("accounts:access-log"))
    assert response.status_code == 403


def test_admin_filters_the_log_by_patient_including_lists_and_files_that_named_them(
    client_for, practice_admin, prescriber, biller
):
    from accounts.access import access_record_list
    from accounts.models import AccessAction
    from encounters.models import Patient
    from tests.factories import EncounterFactory

    patients = PatientFactory.create_batch(12)  # ids 1 and 11 apart: no prefix matches
    first, eleventh = patients[0], patients[10]
    encounter = EncounterFactory(patient=first, clinician=prescriber.clinician)
    own = access_record(user=prescriber, obj=first)
    chart = access_record(user=prescriber, obj=encounter)
    listed = access_record_list(
        user=biller, rows=Patient, patient_ids=[eleventh.pk, first.pk], path="/billing/"
    )
    exported = access_record(  # a file of several patients' records
        user=biller, obj=encounter, action=AccessAction.EXPORT, patient_ids=[first.pk, eleventh.pk]
    )
    others = access_record_list(user=biller, rows=Patient, patient_ids=[eleventh.pk])
    client = client_for(practice_admin)

    def ids(patient_id, **filters):
        response = client.get(reverse("accounts:access-log"), {"patient": patient_id, **filters})
        assert response.status_code == 200
        return {r.pk for r in response.context["page"]}

    assert chart.patient_ids == [first.pk]  # a chart names its patient
    assert ids(first.pk) == {own.pk, chart.pk, listed.pk, exported.pk}
    assert ids(eleventh.pk) == {listed.pk, exported.pk, others.pk}
    assert ids(first.pk, user=biller.username) == {listed.pk, exported.pk}
    assert ids(99999) == set()
    page = client.get(reverse("accounts:access-log"), {"patient": first.pk}).content.decode()
    assert "encounters.Patient list" in page


@pytest.mark.parametrize("typed", ["abc", "1" * 40, "-1", "1 OR 1=1"])
def test_a_patient_filter_that_is_no_id_filters_nothing_and_never_fails(
    client_for, practice_admin, prescriber, typed
):
    access_record(user=prescriber, obj=PatientFactory())
    response = client_for(practice_admin).get(reverse("accounts:access-log"), {"patient": typed})
    assert response.status_code == 200
    assert len(response.context["page"]) == 1
