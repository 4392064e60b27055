"""A biller verifies tomorrow's schedule from the payers' 271: one patient's coverage is
inactive; the biller records the patient's new coverage, verified with the payer, before the
visits, and the schedule shows it fixed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from encounters.models import ScheduledVisit
from tests.browser.helpers import assert_accessible, log_in
from tests.claims.eligibility_files import Benefits, response_271
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory, UserFactory, payer

pytestmark = pytest.mark.browser


@pytest.fixture
def tomorrow_schedule(transactional_db):
    """Tomorrow: Iris Quinn (commercial, active) and Omar Reyes (his plan has ended)."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    doctor = ClinicianFactory(user__first_name="Ana", user__last_name="Rivera")
    iris = CoverageFactory(
        patient=PatientFactory(first_name="Iris", last_name="Quinn"), payer=payer("commercial")
    )
    omar = CoverageFactory(
        patient=PatientFactory(first_name="Omar", last_name="Reyes"), payer=payer("commercial")
    )
    payer("medicaid")
    for hour, coverage in ((9, iris), (10, omar)):
        ScheduledVisit.objects.create(
            patient=coverage.patient,
            clinician=doctor,
            date=tomorrow,
            time=datetime.time(hour, 0),
            created_by=doctor.user,
        )
    UserFactory(username="biller", role="Biller", first_name="Bill", last_name="Ing")
    answer = response_271([Benefits(iris, tomorrow), Benefits(omar, tomorrow, active=False)])
    return answer


def test_biller_verifies_tomorrow_and_fixes_the_inactive_coverage(
    page: Page, live_server, tomorrow_schedule, tmp_path
):
    answer = tmp_path / "tomorrow.271"
    answer.write_text(tomorrow_schedule)
    log_in(page, live_server.url, "biller", lands_on=r"/billing/$")
    assert_accessible(page)

    page.get_by_role("link", name="Eligibility").click()
    rows = page.get_by_test_id("eligibility-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("coverage-state")).to_have_text(["Not checked", "Not checked"])
    assert_accessible(page, step="tomorrow's schedule, nothing checked")

    page.get_by_label("271 eligibility response").set_input_files(str(answer))
    page.get_by_role("button", name="Import 271").click()
    expect(page.get_by_test_id("eligibility-result")).to_contain_text("2 coverages checked")
    expect(page.get_by_test_id("eligibility-result")).to_contain_text("1 inactive")
    iris, omar = rows.nth(0), rows.nth(1)
    expect(iris).to_contain_text("Quinn")
    expect(iris.get_by_test_id("coverage-state")).to_have_text("Verified today")
    expect(iris.get_by_test_id("patient-share")).to_have_text(
        "$30.00 copay, after $350.00 of deductible left"
    )
    expect(omar.get_by_test_id("coverage-state")).to_have_text("Inactive")
    assert_accessible(page, step="the 271 imported: one inactive patient")

    omar.get_by_role("link", name="Fix coverage of Reyes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New coverage for Reyes, Omar")
    assert_accessible(page)
    page.get_by_label("New payer").select_option(label="State Medicaid")
    page.get_by_label("Member id").fill("MCD-4455")
    page.get_by_label("Copay in person ($)").fill("0")
    page.get_by_role("button", name="Record new coverage").click()
    expect(page.get_by_text("Verify the coverage with the payer first")).to_be_visible()
    expect(page.get_by_label("Member id")).to_have_value("MCD-4455")  # nothing typed is lost
    assert_accessible(page, step="the fix refused until verified")
    page.get_by_label("I verified with the payer that this coverage is active").check()
    page.get_by_role("button", name="Record new coverage").click()

    expect(page).to_have_url(re.compile(r"/billing/eligibility/\?date="))
    expect(page.get_by_text("New coverage recorded for")).to_be_visible()
    omar = page.get_by_test_id("eligibility-row").nth(1)
    expect(omar).to_contain_text("State Medicaid")
    expect(omar.get_by_test_id("coverage-state")).to_have_text("Verified today")
    expect(omar.get_by_test_id("patient-share")).to_have_text("$0.00 copay")
    assert_accessible(page, step="the schedule with the coverage fixed")
