"""A biller filters the queue, fixes a flagged claim, approves clean ones in bulk and returns
one to the prescriber; the prescriber answers; the claim is back in the queue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from claims.models import Claim, ClaimState
from tests.browser.helpers import assert_accessible
from tests.claims.helpers import signed_claim
from tests.factories import ClinicianFactory, PatientFactory, UserFactory
from tests.payers.helpers import default_fee_schedules

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def practice(transactional_db):
    """Four claims of one prescriber: three clean, one the clinician coded 99215 by hand."""
    default_fee_schedules()  # an earlier transactional test's flush may have removed them
    doctor = ClinicianFactory(
        credential="MD",
        user__username="dr.rivera",
        user__first_name="Ana",
        user__last_name="Rivera",
    )
    clean = [
        signed_claim(clinician=doctor, days_ago=d, patient=PatientFactory(last_name=name))
        for d, name in ((6, "Adams"), (5, "Baker"), (4, "Castro"))
    ]
    flagged = signed_claim(
        clinician=doctor,
        days_ago=3,
        patient=PatientFactory(last_name="Dunn", first_name="Dana"),
        coding_choice={
            "option": "custom",
            "lines": [{"code": "99215", "units": 1}, {"code": "90833", "units": 1}],
        },
        coding_override_reason="Long discussion of a medication switch.",
    )
    biller = UserFactory(username="biller", role="Biller", first_name="Bill", last_name="Ing")
    return doctor, clean, flagged, biller


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_biller_fixes_approves_returns_and_the_prescriber_answers(
    page: Page, live_server, practice
):
    doctor, clean, flagged, _biller = practice
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, "biller")
    expect(page).to_have_url(re.compile(r"/billing/$"))
    rows = page.get_by_test_id("claim-row")
    expect(rows).to_have_count(4)
    assert_accessible(page)

    # Filter: flagged claims only (htmx swaps the table on change or on Filter).
    page.wait_for_load_state("load")
    page.get_by_label("Scrubber result").select_option("flagged")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Dunn")
    expect(rows.first).to_contain_text("SC-ENGINE")
    assert_accessible(page, step="the queue filtered by htmx")

    # Fix the flagged claim: 99215 back to the engine's 99214.
    rows.first.get_by_role("link", name=flagged.number).click()
    expect(page.get_by_test_id("findings")).to_contain_text("SC-ENGINE")
    expect(page.get_by_test_id("findings")).to_contain_text("Long discussion of a medication")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "biller_claim.png"), full_page=True)
    page.get_by_label("Code of line 1").fill("99214")
    page.get_by_test_id("save-line-1").click()
    expect(page.get_by_text("Line 1 saved and re-scrubbed.")).to_be_visible()
    expect(page.get_by_test_id("scrub-status")).to_have_text("Clean")
    expect(page.get_by_test_id("claim-history")).to_contain_text("99215 x1")
    assert_accessible(page)

    # Return one clean claim to the prescriber with a question.
    page.goto(f"{live_server.url}/billing/claims/{clean[2].pk}/")
    assert_accessible(page)
    page.get_by_label("Your question for the clinician").first.fill(
        "Was this visit in person or by video?"
    )
    page.get_by_test_id("action-return").click()
    expect(page.get_by_test_id("claim-state")).to_have_text("Returned to clinician")
    assert_accessible(page)

    # Bulk approve: every clean queued claim on the page, after a confirmation with the count.
    page.get_by_role("link", name="Claim queue").click()
    expect(rows).to_have_count(3)
    assert_accessible(page)
    page.get_by_label("Select every claim on the page").check()
    page.screenshot(path=str(ARTIFACTS / "biller_queue.png"), full_page=True)
    page.get_by_test_id("bulk-approve").click()
    expect(page.get_by_role("heading", name="Approve 3 clean claims?")).to_be_visible()
    assert_accessible(page)
    page.get_by_test_id("confirm-bulk").click()
    expect(page.get_by_text("3 clean claims approved.")).to_be_visible()
    expect(rows).to_have_count(0)
    assert_accessible(page)
    assert Claim.objects.filter(state=ClaimState.APPROVED).count() == 3

    # The prescriber answers the question from their inbox.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, doctor.user.username)
    expect(page).to_have_url(re.compile(r"/encounters/$"))
    assert_accessible(page)
    page.get_by_role("link", name="Claim questions").click()
    returned = page.get_by_test_id("returned-claim")
    expect(returned).to_have_count(1)
    assert_accessible(page)
    expect(returned.get_by_test_id("question")).to_contain_text("in person or by video?")
    returned.get_by_label("Your answer").fill("In person, at the office.")
    returned.get_by_test_id("send-answer").click()
    expect(
        page.get_by_text(f"Answer sent: claim {clean[2].number} is back with billing.")
    ).to_be_visible()
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()
    assert_accessible(page)

    # Back in the biller's queue, with the answer in its history.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, "biller")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Castro")
    assert_accessible(page)
    rows.first.get_by_role("link", name=clean[2].number).click()
    expect(page.get_by_test_id("claim-history")).to_contain_text("In person, at the office.")
    expect(page.get_by_test_id("claim-state")).to_have_text("Queued")
    assert_accessible(page)
