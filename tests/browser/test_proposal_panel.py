"""The live proposal panel follows the prescriber's typing (issue: live panel, CB-1/CB-3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct-horse-battery"
PANEL = reverse("coding:proposal-panel")


@pytest.fixture
def prescriber_with_patient(transactional_db):
    clinician = ClinicianFactory(credential="MD", user__username="dr.panel")
    patient = PatientFactory(first_name="Lena", last_name="Marsh", mrn="MRN515151")
    patient.clinicians.add(clinician)
    CoverageFactory(patient=patient, priority=1)
    return clinician, patient


def _codes(page: Page):
    return page.get_by_test_id("proposal-code")


def _open_new_visit(page: Page, live_url: str, patient) -> None:
    page.goto(f"{live_url}/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill("dr.panel")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/encounters/$"))
    assert_accessible(page)
    page.goto(f"{live_url}/encounters/patients/{patient.pk}/encounters/new/")
    expect(page.get_by_test_id("proposal-panel")).to_be_visible()
    assert_accessible(page)


def test_panel_changes_from_90832_to_em_plus_90833_as_med_management_is_filled(
    page: Page, live_server, prescriber_with_patient
):
    _, patient = prescriber_with_patient
    _open_new_visit(page, live_server.url, patient)

    page.locator("#id_pt_kind").select_option("individual")
    page.locator("#id_pt_start").fill("09:00")
    page.locator("#id_pt_end").fill("09:30")
    expect(_codes(page)).to_have_text(["90832"])

    page.locator("#id_em_start").fill("09:30")
    page.locator("#id_em_end").fill("09:45")
    page.locator("input[name=mdm_problems][value=chronic_exacerbation]").check()
    page.locator("input[name=mdm_risk][value=prescription_management]").check()
    # A first visit with the practice: the new-patient E/M table (EM-7).
    expect(_codes(page)).to_have_text(["99204", "90833"])
    expect(page.get_by_test_id("proposal-basis")).to_contain_text("medical decision making")
    expect(page.get_by_test_id("proposal-messages")).to_contain_text("CB-1")
    assert_accessible(page, step="the panel with E/M + 90833 and the codes to bill")

    # Short by default: the rule ids wait behind "Full rule trace", which stays open once
    # opened, across the refreshes that follow typing.
    first_line = page.get_by_test_id("proposal-lines").locator("tr").first
    expect(first_line.locator(".rule-id").first).to_be_hidden()
    expect(page.get_by_test_id("proposal-messages")).to_be_hidden()
    page.get_by_text("Full rule trace").click()
    expect(first_line.locator(".rule-id").first).to_be_visible()
    expect(page.get_by_test_id("proposal-messages")).to_be_visible()
    assert_accessible(page, step="the panel with its full rule trace open")

    # Shortening the psychotherapy under 16 minutes leaves the E/M alone (PT-2, CB-2).
    page.locator("#id_pt_end").fill("09:14")
    expect(_codes(page)).to_have_text(["99204"])
    expect(page.get_by_test_id("proposal-messages")).to_contain_text("PT-2")
    expect(page.get_by_test_id("proposal-messages")).to_be_visible()  # the trace stayed open
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "proposal_panel.png"), full_page=True)


RECORD_ANNOUNCEMENTS = """() => {
  const region = document.querySelector('[data-testid="proposal-announcement"]');
  window.announced = [];
  new MutationObserver(() => window.announced.push(region.textContent))
    .observe(region, {childList: true, characterData: true, subtree: true});
  window.panelSwaps = 0;
  document.body.addEventListener("htmx:afterSwap", () => { window.panelSwaps += 1; });
}"""


def test_screen_readers_hear_only_a_change_of_the_proposed_codes(
    page: Page, live_server, prescriber_with_patient
):
    """Issue 13: the whole panel was aria-live and re-read on every pause in typing."""
    _, patient = prescriber_with_patient
    _open_new_visit(page, live_server.url, patient)
    panel = page.locator("#proposal-panel")
    announcement = page.get_by_test_id("proposal-announcement")
    assert panel.get_attribute("aria-live") is None
    expect(panel.locator("[aria-live]")).to_have_count(0)
    expect(announcement).to_have_attribute("aria-live", "polite")
    expect(announcement).to_have_text("")  # the first panel of the page is not read out
    page.evaluate(RECORD_ANNOUNCEMENTS)

    page.locator("#id_pt_kind").select_option("individual")
    page.locator("#id_pt_start").fill("09:00")
    # The panel's refreshes post the form URL-encoded (bench/proposal_endpoint.py does too).
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith(PANEL)) as posted:
        page.locator("#id_pt_end").fill("09:30")
    assert posted.value.headers["content-type"] == "application/x-www-form-urlencoded"
    expect(_codes(page)).to_have_text(["90832"])
    expect(announcement).to_have_text("Proposed codes: 90832")

    # Typing the note refreshes the panel with the same codes: nothing new is announced.
    swaps = page.evaluate("() => window.panelSwaps")
    page.locator("#id_pt_note").fill("Reviewed the week's thought records.")
    page.wait_for_function("(before) => window.panelSwaps > before", arg=swaps)
    expect(_codes(page)).to_have_text(["90832"])
    assert page.evaluate("() => window.announced") == ["Proposed codes: 90832"]

    page.locator("#id_pt_end").fill("09:45")
    expect(_codes(page)).to_have_text(["90834"])
    expect(announcement).to_have_text("Proposed codes: 90834")
    assert page.evaluate("() => window.announced") == [
        "Proposed codes: 90832",
        "Proposed codes: 90834",
    ]
