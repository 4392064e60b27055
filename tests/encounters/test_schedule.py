"""The schedule (front desk or prescriber) and the prescriber's day page with "Start visit"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessAction, AccessRecord
from encounters.models import EncounterStatus, ScheduledVisit
from tests.factories import (
    ClinicianFactory,
    CoverageFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    PatientFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def patient(prescriber):
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN777201")
    patient.clinicians.add(prescriber.clinician)
    CoverageFactory(patient=patient, priority=1)
    return patient


def _schedule_url(patient):
    return reverse("encounters:scheduled-visit-create", kwargs={"patient_id": patient.pk})


def _visit(clinician, patient, *, on=TODAY, at=datetime.time(10, 0), setting="video"):
    return ScheduledVisit.objects.create(
        patient=patient,
        clinician=clinician,
        date=on,
        time=at,
        setting=setting,
        created_by=clinician.user,
    )


def _post(client, patient, clinician, **overrides):
    data = {
        "clinician": str(clinician.pk),
        "date": TODAY.isoformat(),
        "time": "10:00",
        "setting": "video",
    }
    data.update(overrides)
    return client.post(_schedule_url(patient), data)


# --- the schedule form -------------------------------------------------------------


def test_front_desk_schedules_a_care_team_clinician(
    client_for, practice_admin, prescriber, patient
):
    response = _post(client_for(practice_admin), patient, prescriber.clinician)
    assert response.status_code == 302
    visit = ScheduledVisit.objects.get()
    assert (visit.patient, visit.clinician, visit.date) == (patient, prescriber.clinician, TODAY)
    assert (visit.time, visit.setting, visit.created_by) == (
        datetime.time(10),
        "video",
        practice_admin,
    )
    assert AccessRecord.objects.filter(
        object_type="encounters.ScheduledVisit",
        object_id=str(visit.pk),
        action=AccessAction.CREATE,
        patient_ids=[patient.pk],
    ).exists()


def test_a_clinician_off_the_care_team_cannot_be_scheduled(client_for, practice_admin, patient):
    stranger = ClinicianFactory()
    response = _post(client_for(practice_admin), patient, stranger)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ScheduledVisit.objects.exists()


def test_the_service_refuses_a_clinician_off_the_care_team(practice_admin, patient):
    from django.core.exceptions import ValidationError

    from encounters.services import scheduled_visit_create

    with pytest.raises(ValidationError, match="care team"):
        scheduled_visit_create(
            user=practice_admin,
            patient=patient,
            clinician=ClinicianFactory(),
            date=TODAY,
            time=datetime.time(9),
            setting="video",
        )


def test_a_prescriber_schedules_only_themself(client_for, prescriber, other_prescriber, patient):
    patient.clinicians.add(other_prescriber.clinician)
    client = client_for(prescriber)
    offered = client.get(_schedule_url(patient)).context["form"].fields["clinician"].queryset
    assert list(offered) == [prescriber.clinician]
    response = _post(client, patient, other_prescriber.clinician)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert _post(client, patient, prescriber.clinician)["Location"] == reverse("encounters:today")


def test_a_past_day_and_a_double_booking_get_clear_errors(
    client_for, practice_admin, prescriber, patient
):
    client = client_for(practice_admin)
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = _post(client, patient, prescriber.clinician, date=yesterday)
    assert "Pick today or a later day" in response.content.decode()
    _visit(prescriber.clinician, patient)
    response = _post(client, patient, prescriber.clinician)
    assert response.status_code == 200
    assert "already has a visit at this time" in response.content.decode()
    assert ScheduledVisit.objects.count() == 1


def test_another_prescribers_patient_cannot_be_scheduled(client_for, other_prescriber, patient):
    response = _post(client_for(other_prescriber), patient, other_prescriber.clinician)
    assert response.status_code == 404
    assert not ScheduledVisit.objects.exists()


# --- the day page -----------------------------------------------------------------


def test_home_shows_older_drafts_first_then_todays_schedule(
    client_for, prescriber, patient, other_prescriber
):
    other = PatientFactory(last_name="Older", mrn="MRN777202")
    old_draft = EncounterFactory(
        clinician=prescriber.clinician,
        patient=other,
        date_of_service=TODAY - datetime.timedelta(days=2),
    )
    visit = _visit(prescriber.clinician, patient)
    _visit(other_prescriber.clinician, PatientFactory(last_name="Hidden", mrn="MRN777203"))
    client = client_for(prescriber)
    response = client.get(reverse("accounts:home"), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("encounters:today")
    assert html.index('data-testid="older-drafts"') < html.index('data-testid="schedule-table"')
    assert reverse("encounters:encounter-edit", kwargs={"encounter_id": old_draft.pk}) in html
    start = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    assert f"{start}?visit={visit.pk}" in html
    assert "Hidden" not in html
    record = AccessRecord.objects.filter(
        object_type="encounters.ScheduledVisit", object_id=""
    ).get()
    assert sorted(record.patient_ids) == sorted([patient.pk, other.pk])


def test_a_started_visit_shows_continue_draft_instead_of_start(client_for, prescriber, patient):
    _visit(prescriber.clinician, patient)
    draft = EncounterFactory(
        clinician=prescriber.clinician,
        patient=patient,
        coverage=patient.coverages.get(),
        date_of_service=TODAY,
    )
    html = client_for(prescriber).get(reverse("encounters:today")).content.decode()
    assert 'data-testid="start-visit"' not in html
    assert reverse("encounters:encounter-edit", kwargs={"encounter_id": draft.pk}) in html


def test_start_visit_fills_date_setting_and_first_block_start(client_for, prescriber, patient):
    last = EncounterFactory(
        clinician=prescriber.clinician,
        patient=patient,
        coverage=patient.coverages.get(),
        date_of_service=datetime.date(2026, 1, 5),
        setting="in_person",
    )
    EncounterDiagnosisFactory(encounter=last)
    last.status = EncounterStatus.SIGNED
    last.signed_by = prescriber
    last.signed_at = timezone.now()
    last.save()
    visit = _visit(prescriber.clinician, patient, at=datetime.time(14, 30), setting="video")
    url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    response = client_for(prescriber).get(url, {"visit": visit.pk})
    initial = response.context["form"].initial
    assert initial["date_of_service"] == TODAY
    assert initial["setting"] == "video"  # the schedule's, over the last visit's
    assert initial["pt_start"] == datetime.time(14, 30)
    assert 'data-testid="from-schedule"' in response.content.decode()


def test_start_visit_without_psychotherapy_last_time_fills_the_med_management_start(
    client_for, prescriber, patient
):
    visit = _visit(prescriber.clinician, patient, at=datetime.time(8, 15))
    url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    initial = client_for(prescriber).get(url, {"visit": visit.pk}).context["form"].initial
    assert initial["em_start"] == datetime.time(8, 15)
    assert "pt_start" not in initial


def test_start_visit_of_another_patient_or_prescriber_is_not_found(
    client_for, prescriber, other_prescriber, patient
):
    other_patient = PatientFactory(mrn="MRN777204")
    other_patient.clinicians.add(prescriber.clinician)
    mine_for_other = _visit(prescriber.clinician, other_patient)
    url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    client = client_for(prescriber)
    assert client.get(url, {"visit": mine_for_other.pk}).status_code == 404
    patient.clinicians.add(other_prescriber.clinician)
    theirs = _visit(other_prescriber.clinician, patient, at=datetime.time(11))
    assert client.get(url, {"visit": theirs.pk}).status_code == 404
