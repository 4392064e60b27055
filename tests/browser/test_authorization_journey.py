"""A biller opens the authorization worklist before tomorrow's visits, sees the one
authorization about to run out with the patient's next scheduled visit, records the payer's
renewal (a first try with the dates the wrong way round comes back with its error and what
was typed), and the warning clears."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from encounters.models import Authorization, ScheduledVisit
from tests.browser.helpers import assert_accessible, log_in
from tests.claims.helpers import signed_claim
from tests.factories import (
    AuthorizationFactory,
    ClinicianFactory,
    PatientFactory,
    UserFactory,
    payer,
)
from tests.payers.helpers import default_fee_schedules

pytestmark = pytest.mark.browser


@pytest.fixture
def practice(transactional_db):
    """Tomorrow's patient Quist: Medicaid authorizes psychotherapy; 3 visits authorized, one
    used by a signed visit, ending in 10 days. Another patient's authorization has plenty left."""
    default_fee_schedules()  # an earlier transactional test's flush may have removed them
    medicaid = payer("medicaid")
    medicaid.authorization_families = ["psychotherapy"]
    medicaid.save(update_fields=["authorization_families"])
    doctor = ClinicianFactory(credential="MD", user__username="dr.rivera")
    biller = UserFactory(username="biller", role="Biller", first_name="Bill", last_name="Ing")
    today = timezone.localdate()
    quist = PatientFactory(last_name="Quist", first_name="Quinn")
    claim = signed_claim(clinician=doctor, payer_slug="medicaid", patient=quist, days_ago=7)
    running_out = AuthorizationFactory(
        coverage=claim.coverage,
        number="MCD-2026-001",
        start_date=today - datetime.timedelta(days=80),
        end_date=today + datetime.timedelta(days=10),
        authorized=3,
        created_by=biller,
    )
    ScheduledVisit.objects.create(
        patient=quist,
        clinician=doctor,
        date=today + datetime.timedelta(days=1),
        time=datetime.time(9, 30),
        created_by=biller,
    )
    other = signed_claim(clinician=doctor, payer_slug="medicaid", days_ago=5)
    AuthorizationFactory(
        coverage=other.coverage,
        number="MCD-2026-777",
        start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=170),
        authorized=20,
        created_by=biller,
    )
    return running_out, today


def test_biller_renews_the_authorization_about_to_run_out(page: Page, live_server, practice):
    running_out, today = practice
    tomorrow = today + datetime.timedelta(days=1)
    log_in(page, live_server.url, "biller", lands_on=r"/billing/$")

    page.get_by_role("link", name="Authorizations").click()
    expect(page.get_by_role("heading", name="Authorizations running out")).to_be_visible()
    rows = page.get_by_test_id("authorization-row")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("Quist, Quinn")
    expect(row).to_contain_text("MCD-2026-001")
    expect(row).to_contain_text("1 of 3 visits")
    expect(row.get_by_test_id("authorization-ending")).to_have_text("ends in 10 days")
    expect(row.get_by_test_id("authorization-few-left")).to_be_visible()
    expect(row.get_by_test_id("authorization-next-visit")).to_contain_text(
        f"{tomorrow:%Y-%m-%d} 09:30"
    )
    assert_accessible(page)

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
    expect(page.get_by_label("Visits or units authorized")).to_have_value("12")
    assert_accessible(page, step="the form back with its error")

    page.get_by_label("Last day").fill(f"{start + datetime.timedelta(days=180):%Y-%m-%d}")
    page.get_by_role("button", name="Save authorization").click()
    expect(page).to_have_url(re.compile(r"/billing/authorizations/$"))
    expect(page.get_by_text("Authorization MCD-2026-002 recorded.")).to_be_visible()
    expect(rows).to_have_count(0)
    expect(page.get_by_test_id("authorization-empty")).to_be_visible()
    assert_accessible(page)

    renewal = Authorization.objects.get(number="MCD-2026-002")
    assert (renewal.coverage_id, renewal.authorized, renewal.start_date) == (
        running_out.coverage_id,
        12,
        start,
    )
