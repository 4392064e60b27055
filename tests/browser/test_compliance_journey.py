"""Compliance staff draw last month's charts, review all five, and read the month's report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from audits.models import ChartReview, Outcome
from audits.sampling import previous_month
from tests.audits.helpers import signed_encounter
from tests.browser.helpers import assert_accessible
from tests.factories import ClinicianFactory, UserFactory
from tests.sqlite_locks import release_signed_locks

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def practice(transactional_db):
    """Two prescribers' signed encounters last month and a compliance officer."""
    month = previous_month(timezone.localdate())
    doctors = [ClinicianFactory(credential="MD"), ClinicianFactory(credential="NP")]
    for day in range(1, 9):
        signed_encounter(month=month, clinician=doctors[day % 2], day=day)
    officer = UserFactory(
        username="compliance.officer", role="Compliance", first_name="Casey", last_name="Officer"
    )
    yield month, officer
    release_signed_locks()


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_compliance_reviews_the_five_charts_and_the_report_matches(
    page: Page, live_server, practice
):
    month, officer = practice
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, officer.username)
    expect(page).to_have_url(re.compile(r"/audits/$"))
    assert_accessible(page)

    page.get_by_test_id("draw-month").fill(f"{month:%Y-%m}")
    page.get_by_test_id("draw-submit").click()
    expect(page).to_have_url(re.compile(rf"/audits/{month:%Y-%m}/$"))
    expect(page.get_by_test_id("sample-chart")).to_have_count(5)
    expect(page.get_by_test_id("redraw")).to_contain_text("same 5 charts")
    assert_accessible(page)

    page.get_by_test_id("chart-link").first.click()
    # Chart 1: over-coded. Saving without the code and the comment shows both errors.
    expect(page.get_by_test_id("chart")).to_contain_text("Worked on interoceptive exposure.")
    expect(page.get_by_test_id("billed-lines")).to_contain_text("99214")
    assert_accessible(page)
    page.get_by_label("Over-coded").check()
    page.get_by_label("Code the reviewer would have billed").fill("")
    page.get_by_test_id("review-save").click()
    expect(
        page.locator(".invalid-feedback", has_text="Enter the code you would have billed.")
    ).to_be_visible()
    expect(
        page.locator(".invalid-feedback", has_text="Explain the finding for the clinician.")
    ).to_be_visible()
    expect(page.get_by_label("Over-coded")).to_be_checked()
    assert_accessible(page, step="the review with its errors")
    page.get_by_label("Code the reviewer would have billed").fill("99213 + 90833")
    page.get_by_label("Comment for the clinician").fill(
        "Problems documented support low complexity only."
    )
    page.get_by_test_id("check_em_level").get_by_label("Not met").check()
    page.screenshot(path=str(ARTIFACTS / "audit_review.png"), full_page=True)
    page.get_by_test_id("review-save").click()

    # Charts 2-5: the pre-filled suggestion (supported) is accepted, chart 5 is under-coded.
    for position in range(2, 6):
        expect(page.get_by_role("heading", name=re.compile(rf"Chart #{position} "))).to_be_visible()
        expect(page.get_by_label("Supported", exact=True)).to_be_checked()
        assert_accessible(page)
        if position == 5:
            page.get_by_label("Under-coded").check()
            page.get_by_label("Code the reviewer would have billed").fill("99215 + 90833")
            page.get_by_label("Comment for the clinician").fill("High-risk drug monitoring.")
        page.get_by_test_id("review-save").click()

    expect(page).to_have_url(re.compile(rf"/audits/{month:%Y-%m}/$"))
    expect(page.get_by_test_id("accuracy")).to_have_text("60%")
    expect(page.get_by_test_id("accuracy-counts")).to_contain_text("3 of 5 reviewed charts")
    expect(page.get_by_test_id("monitoring-note")).to_contain_text("cannot be extrapolated")
    expect(page.get_by_test_id("trend-chart").locator("svg")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "audit_report.png"), full_page=True)

    reviews = list(ChartReview.objects.filter(item__sample__month=month))
    supported = sum(r.outcome == Outcome.SUPPORTED for r in reviews)
    assert len(reviews) == 5
    assert supported == 3
    assert {r.outcome for r in reviews} == {"supported", "over_coded", "under_coded"}
    assert all(r.reviewer_id == officer.pk for r in reviews)
