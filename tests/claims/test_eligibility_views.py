"""The eligibility pages: tomorrow's schedule with coverage states, the 271 upload (also on
the payer files page), and a biller recording a patient's new coverage."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from claims.models import EligibilityCheck
from encounters.models import Coverage, ScheduledVisit
from payers.models import Payer, PayerChange
from tests.claims.eligibility_files import Benefits, response_271
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory, payer

pytestmark = pytest.mark.django_db

URL = reverse("claims:eligibility-schedule")


@pytest.fixture
def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def booked(db, tomorrow):
    """Two patients on tomorrow's schedule: Ivy (commercial) and Otto (Medicare)."""
    clinician = ClinicianFactory()
    ivy = CoverageFactory(patient=PatientFactory(first_name="Ivy", last_name="Irons"))
    otto = CoverageFactory(
        patient=PatientFactory(first_name="Otto", last_name="Olsen"), payer=payer("medicare")
    )
    for n, coverage in enumerate((ivy, otto)):
        ScheduledVisit.objects.create(
            patient=coverage.patient,
            clinician=clinician,
            date=tomorrow,
            time=datetime.time(9 + n, 0),
            created_by=clinician.user,
        )
    return ivy, otto


def _upload(content: str, name: str = "answer.271") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/plain")


def _states(response) -> dict[str, str]:
    return {r.visit.patient.first_name: r.state for r in response.context["rows"]}


def test_schedule_opens_on_tomorrow_with_nothing_checked(client_for, biller, booked, tomorrow):
    response = client_for(biller).get(URL)
    assert response.status_code == 200
    assert response.context["day"] == tomorrow
    assert _states(response) == {"Ivy": "not_checked", "Otto": "not_checked"}


def test_a_bad_date_falls_back_to_tomorrow_with_its_error(client_for, biller, booked, tomorrow):
    response = client_for(biller).get(URL, {"date": "31/12"})
    assert response.status_code == 200
    assert response.context["day"] == tomorrow
    assert response.context["day_form"].errors["date"]


def test_biller_uploads_a_271_and_sees_the_inactive_patient(client_for, biller, booked, tomorrow):
    ivy, otto = booked
    content = response_271([Benefits(ivy, tomorrow), Benefits(otto, tomorrow, active=False)])
    response = client_for(biller).post(f"{URL}?date={tomorrow}", {"file": _upload(content)})
    assert response.status_code == 200
    assert _states(response) == {"Ivy": "verified", "Otto": "inactive"}
    result = response.content.decode()
    assert "2 coverages checked" in result
    assert "1 inactive" in result
    assert "$30.00 copay, after $350.00 of deductible left" in result
    assert "Fix coverage" in result


def test_a_bad_upload_says_why_and_records_nothing(client_for, biller, booked):
    response = client_for(biller).post(URL, {"file": _upload("hello, not X12")})
    assert response.status_code == 200
    assert "not an X12 file" in response.context["upload"].errors["file"][0]
    assert not EligibilityCheck.objects.exists()


def test_the_payer_files_page_takes_a_271_too(client_for, biller, booked, tomorrow):
    ivy, _ = booked
    content = response_271([Benefits(ivy, tomorrow)])
    response = client_for(biller).post(
        reverse("claims:payer-file-upload"), {"file": _upload(content)}
    )
    assert response.status_code == 200
    assert response.context["imported"].payer_file.kind == "271"
    assert EligibilityCheck.objects.get().coverage == ivy


def test_biller_fixes_inactive_coverage_and_the_schedule_shows_it(
    client_for, biller, booked, tomorrow
):
    _, otto = booked
    client = client_for(biller)
    client.post(URL, {"file": _upload(response_271([Benefits(otto, tomorrow, active=False)]))})
    url = reverse("claims:coverage-fix", args=[otto.pk]) + f"?date={tomorrow}"
    medicaid = payer("medicaid")
    typed = {"payer": medicaid.pk, "member_id": "mcd-777", "copay_in_person": "5"}
    refused = client.post(url, typed)  # not ticked as verified: back with the error
    assert refused.status_code == 200
    form = refused.context["form"]
    assert "Verify the coverage" in form.errors["verified"][0]
    assert form["member_id"].value() == "mcd-777"  # nothing typed is lost
    assert Coverage.objects.get(pk=otto.pk).active

    done = client.post(url, {**typed, "verified": "on"})
    assert done.status_code == 302
    assert done["Location"] == f"{URL}?date={tomorrow}"
    new = Coverage.objects.get(patient=otto.patient, active=True)
    assert (new.payer, new.member_id) == (medicaid, "MCD-777")
    response = client.get(done["Location"])
    row = next(r for r in response.context["rows"] if r.visit.patient == otto.patient)
    assert (row.state, row.share, row.coverage) == ("verified", "$5.00 copay", new)


def test_fix_form_refuses_a_member_id_with_separators(client_for, biller, booked):
    ivy, _ = booked
    url = reverse("claims:coverage-fix", args=[ivy.pk])
    response = client_for(biller).post(
        url, {"payer": ivy.payer_id, "member_id": "M1*~", "verified": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["member_id"]
    assert Coverage.objects.filter(patient=ivy.patient).count() == 1


def test_admin_sets_the_service_types_a_payer_takes(client_for, practice_admin):
    commercial = payer("commercial")
    client = client_for(practice_admin)
    url = reverse("payers:payer-detail", args=[commercial.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False}
    data.update(
        em_credentials=", ".join(commercial.em_credentials),
        pharm_mgmt_90863_credentials=", ".join(commercial.pharm_mgmt_90863_credentials),
        accepted_z_codes="",
        telehealth_in_person_waiver_until="",
        eligibility_service_types="mh, XX",
    )
    refused = client.post(url, data)
    assert "XX" in refused.context["form"].errors["eligibility_service_types"][0]
    data["eligibility_service_types"] = "mh, a6"
    client.post(url, data)
    assert Payer.objects.get(pk=commercial.pk).eligibility_service_types == ["MH", "A6"]
    assert PayerChange.objects.get(field="eligibility_service_types").new == "MH, A6"
