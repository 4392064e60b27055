"""Compliance staff draw last month's charts, review all five, and read the month's report;
and start a focused audit on 99215 + 90838, review its charts and download its files."""

from __future__ import annotations

import datetime
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
    page: Page, live_server, practice, settings
):
    # The practice-wide five only (per-prescriber minimums depend on the month's place in
    # its quarter; tests/audits/test_coverage.py covers them).
    settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_MONTH = 0
    settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_QUARTER = 0
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


FEES = {"99215": "190.00", "99214": "130.00", "90838": "160.00", "90836": "120.00"}


@pytest.fixture
def pair_practice(transactional_db):
    """Last month: three visits billed 99215 + 90838 and two billed otherwise, with fees."""
    from decimal import Decimal

    from payers.models import FeeScheduleEntry
    from tests.factories import payer

    commercial = payer()
    for code, allowed in FEES.items():
        FeeScheduleEntry.objects.update_or_create(
            payer=commercial,
            code=code,
            modifier="",
            defaults={"charge": Decimal(allowed) * 2, "allowed": Decimal(allowed)},
        )
    month = previous_month(timezone.localdate())
    doctor = ClinicianFactory(credential="MD")
    for day, codes in (
        (2, ("99215", "90838")),
        (3, ("99215", "90838")),
        (4, ("99215", "90838")),
        (5, ("99214", "90836")),
        (6, ("99214", "90836")),
    ):
        signed_encounter(
            month=month,
            clinician=doctor,
            day=day,
            coding_choice={"option": "custom", "lines": [{"code": c, "units": 1} for c in codes]},
            coding_override_reason="Clinician judgement",
            pt_start=datetime.time(8, 30),
            pt_end=datetime.time(9, 30),
            em_start=datetime.time(9, 30),
            em_end=datetime.time(9, 45),
        )
    officer = UserFactory(
        username="compliance.focus", role="Compliance", first_name="Fran", last_name="Focus"
    )
    yield month, officer
    release_signed_locks()


def test_compliance_runs_a_focused_audit_on_a_code_pair_and_downloads_its_files(
    page: Page, live_server, pair_practice
):
    month, officer = pair_practice
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, officer.username)
    expect(page).to_have_url(re.compile(r"/audits/$"))
    assert_accessible(page)

    form = page.get_by_test_id("focused-form")
    form.get_by_label("Codes billed together").fill("99215 + 90838 + 99999")
    form.get_by_label("Charts to draw").fill("3")
    form.get_by_test_id("focused-submit").click()
    expect(page.locator(".invalid-feedback", has_text="99999: not a code")).to_be_visible()
    assert_accessible(page, step="the focused form with its error")
    form = page.get_by_test_id("focused-form")
    expect(form.get_by_label("Charts to draw")).to_have_value("3")  # nothing typed is lost
    form.get_by_label("Codes billed together").fill("99215 + 90838")
    form.get_by_test_id("focused-submit").click()

    expect(page).to_have_url(re.compile(r"/audits/samples/\d+/$"))
    expect(page.get_by_test_id("focus")).to_contain_text("99215 + 90838")
    expect(page.get_by_test_id("sample-chart")).to_have_count(3)
    expect(page.get_by_test_id("redraw")).to_contain_text("same 3 charts")
    assert_accessible(page)

    page.get_by_test_id("chart-link").first.click()
    expect(page.get_by_test_id("billed-lines")).to_contain_text("90838")
    expect(page.get_by_test_id("signed-rule-ids")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Over-coded").check()
    page.get_by_label("Code the reviewer would have billed").fill("99214 + 90836")
    page.get_by_label("Comment for the clinician").fill("MDM moderate; 45 minutes of therapy.")
    page.get_by_test_id("review-save").click()
    for position in (2, 3):
        expect(page.get_by_role("heading", name=re.compile(rf"Chart #{position} "))).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Supported", exact=True).check()
        page.get_by_test_id("review-save").click()

    expect(page).to_have_url(re.compile(r"/audits/samples/\d+/$"))
    expect(page.get_by_test_id("money-total")).to_contain_text("$100.00")
    expect(page.get_by_test_id("money-note")).to_contain_text("cannot be extrapolated")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "audit_focused_report.png"), full_page=True)

    with page.expect_download() as pdf:
        page.get_by_test_id("export-pdf").click()
    assert pdf.value.suggested_filename.startswith("audit-report-focused-")
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as frame:
        page.get_by_test_id("export-ratstats-frame").click()
    frame_rows = Path(frame.value.path()).read_text().strip().splitlines()
    assert frame_rows[0] == "frame_item,encounter_id,date_of_service,billed_amount"
    assert len(frame_rows) == 1 + 3
    with page.expect_download() as sample:
        page.get_by_test_id("export-ratstats-sample").click()
    sample_rows = Path(sample.value.path()).read_text().strip().splitlines()
    assert sample_rows[0] == "sample_item,examined_value,audited_value,difference_value"
    assert sorted(row.split(",", 1)[1] for row in sample_rows[1:]) == [
        "350.00,250.00,100.00",
        "350.00,350.00,0.00",
        "350.00,350.00,0.00",
    ]
