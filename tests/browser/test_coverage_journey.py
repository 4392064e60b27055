"""Coverage before the visits: a biller verifies tomorrow's schedule from the payers' 271,
sees one patient whose coverage has ended and one authorization about to run out, and fixes
both before the visits: the patient's new coverage, verified with the payer, and the payer's
renewal of the authorization. Each fix is refused once with its error, keeping what was typed."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from encounters.models import Authorization, ScheduledVisit
from tests.browser.helpers import assert_accessible, log_in
from tests.claims.eligibility_files import Benefits, response_271
from tests.claims.helpers import signed_claim
from tests.factories import (
    AuthorizationFactory,
    ClinicianFactory,
    CoverageFactory,
    PatientFactory,
    UserFactory,
    payer,
)
from tests.payers.helpers import default_fee_schedules

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def tomorrow(transactional_db):
    """Tomorrow: Iris Quinn at 9:00 (commercial, active), Quinn Quist at 9:30 (Medicaid, which
    authorizes psychotherapy: 3 visits authorized, one used by a signed visit, ending in 10
    days) and Omar Reyes at 10:00 (his commercial plan has ended). The payers' 271 says so."""
    default_fee_schedules()  # an earlier transactional test's flush may have removed them
    medicaid = payer("medicaid")
    medicaid.authorization_families = ["psychotherapy"]
    medicaid.save(update_fields=["authorization_families"])
    today = timezone.localdate()
    day = today + datetime.timedelta(days=1)
    doctor = ClinicianFactory(credential="MD", user__first_name="Ana", user__last_name="Rivera")
    biller = UserFactory(username="biller", role="Biller", first_name="Bill", last_name="Ing")
    iris = CoverageFactory(
        patient=PatientFactory(first_name="Iris", last_name="Quinn"), payer=payer("commercial")
    )
    omar = CoverageFactory(
        patient=PatientFactory(first_name="Omar", last_name="Reyes"), payer=payer("commercial")
    )
    quist = PatientFactory(first_name="Quinn", last_name="Quist")
    seen = signed_claim(clinician=doctor, payer_slug="medicaid", patient=quist, days_ago=7)
    running_out = AuthorizationFactory(
        coverage=seen.coverage,
        number="MCD-2026-001",
        start_date=today - datetime.timedelta(days=80),
        end_date=today + datetime.timedelta(days=10),
        authorized=3,
        created_by=biller,
    )
    for at, patient in (
        (datetime.time(9, 0), iris.patient),
        (datetime.time(9, 30), quist),
        (datetime.time(10, 0), omar.patient),
    ):
        ScheduledVisit.objects.create(
            patient=patient, clinician=doctor, date=day, time=at, created_by=biller
        )
    answer = response_271(
        [
            Benefits(iris, day),
            Benefits(seen.coverage, day, copay=None, deductible=None, remaining=None),
            Benefits(omar, day, active=False),
        ]
    )
    return answer, running_out, today


def test_biller_fixes_an_ended_coverage_and_a_running_out_authorization_before_the_visits(
    page: Page, live_server, tomorrow, tmp_path
):
    answer, running_out, today = tomorrow
    day = today + datetime.timedelta(days=1)
    ARTIFACTS.mkdir(exist_ok=True)
    file_271 = tmp_path / "tomorrow.271"
    file_271.write_text(answer)
    log_in(page, live_server.url, "biller", lands_on=r"/billing/$")
    assert_accessible(page)

    # 1. Tomorrow's schedule, verified from the payers' 271: one coverage has ended.
    page.get_by_role("link", name="Eligibility").click()
    rows = page.get_by_test_id("eligibility-row")
    expect(rows).to_have_count(3)
    expect(page.get_by_test_id("coverage-state")).to_have_text(["Not checked"] * 3)
    assert_accessible(page, step="tomorrow's schedule, nothing checked")
    page.get_by_label("271 eligibility response").set_input_files(str(file_271))
    page.get_by_role("button", name="Import 271").click()
    result = page.get_by_test_id("eligibility-result")
    expect(result).to_contain_text("3 coverages checked")
    expect(result).to_contain_text("1 inactive")
    expect(rows.nth(0).get_by_test_id("coverage-state")).to_have_text("Verified today")
    expect(rows.nth(0).get_by_test_id("patient-share")).to_have_text(
        "$30.00 copay, after $350.00 of deductible left"
    )
    expect(rows.nth(1)).to_contain_text("Quist")
    expect(rows.nth(1).get_by_test_id("coverage-state")).to_have_text("Verified today")
    omar = rows.nth(2)
    expect(omar).to_contain_text("Reyes")
    expect(omar.get_by_test_id("coverage-state")).to_have_text("Inactive")
    assert_accessible(page, step="the 271 imported: one inactive patient")
    page.screenshot(path=str(ARTIFACTS / "coverage_1_schedule_verified.png"), full_page=True)

    # 2. The ended coverage: the patient's new one, verified with the payer.
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
    omar = page.get_by_test_id("eligibility-row").nth(2)
    expect(omar).to_contain_text("State Medicaid")
    expect(omar.get_by_test_id("coverage-state")).to_have_text("Verified today")
    expect(omar.get_by_test_id("patient-share")).to_have_text("$0.00 copay")
    expect(page.get_by_test_id("coverage-state")).to_have_text(["Verified today"] * 3)
    assert_accessible(page, step="the schedule with the coverage fixed")

    # 3. The authorization about to run out, with tomorrow's visit: the payer's renewal.
    page.get_by_role("link", name="Authorizations").click()
    expect(page.get_by_role("heading", name="Authorizations running out")).to_be_visible()
    listed = page.get_by_test_id("authorization-row")
    expect(listed).to_have_count(1)
    row = listed.first
    expect(row).to_contain_text("Quist, Quinn")
    expect(row).to_contain_text("1 of 3 visits")
    expect(row.get_by_test_id("authorization-ending")).to_have_text("ends in 10 days")
    expect(row.get_by_test_id("authorization-few-left")).to_be_visible()
    expect(row.get_by_test_id("authorization-next-visit")).to_contain_text(f"{day:%Y-%m-%d} 09:30")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "coverage_2_authorization_running_out.png"))
    row.get_by_role("link", name="Record new").click()
    expect(page.get_by_test_id("authorization-coverage")).to_contain_text("Quist, Quinn")
    expect(page.get_by_label("Psychotherapy")).to_be_checked()
    start = running_out.end_date + datetime.timedelta(days=1)
    expect(page.get_by_label("First day")).to_have_value(f"{start:%Y-%m-%d}")
    assert_accessible(page)
    page.get_by_label("Authorization number").fill("mcd-2026-002")
    page.get_by_label("Last day").fill(f"{today:%Y-%m-%d}")  # before the first day
    page.get_by_label("Visits or units authorized").fill("12")
    page.get_by_role("button", name="Save authorization").click()
    expect(page.get_by_text("The last day is before the first day.")).to_be_visible()
    expect(page.get_by_label("Authorization number")).to_have_value("mcd-2026-002")
    assert_accessible(page, step="the renewal back with its error")
    page.get_by_label("Last day").fill(f"{start + datetime.timedelta(days=180):%Y-%m-%d}")
    page.get_by_role("button", name="Save authorization").click()
    expect(page).to_have_url(re.compile(r"/billing/authorizations/$"))
    expect(page.get_by_text("Authorization MCD-2026-002 recorded.")).to_be_visible()
    expect(listed).to_have_count(0)
    expect(page.get_by_test_id("authorization-empty")).to_be_visible()
    assert_accessible(page)

    renewal = Authorization.objects.get(number="MCD-2026-002")
    assert (renewal.coverage_id, renewal.authorized, renewal.start_date) == (
        running_out.coverage_id,
        12,
        start,
    )
