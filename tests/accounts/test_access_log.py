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
