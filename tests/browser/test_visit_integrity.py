"""What the prescriber chooses and types is what is kept and billed, in Chromium.

Each journey reproduces a finding of trying the app as a new user would: a panel
refresh in flight that replaced the chosen codes, Back and Sign again, overlapping
blocks that still got codes, and a browser in another time zone than the practice.
"""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

import coding.views
from claims.models import Claim
from encounters.icd import icd_search
from encounters.models import Encounter, EncounterStatus
from tests.browser.helpers import assert_accessible, fill_medication_row, log_in
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory
from tests.sqlite_locks import release_signed_locks

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def practice(transactional_db):
    clinician = ClinicianFactory(credential="MD", user__username="dr.integrity")
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN434343")
    patient.clinicians.add(clinician)
    CoverageFactory(patient=patient, priority=1)
    icd_search("panic")  # load the code set before the page's clocks run
    yield clinician, patient
    release_signed_locks()


def _login(page: Page, url: str) -> None:
    log_in(page, url, "dr.integrity")


def _new_visit(page: Page, url: str, patient) -> None:
    page.goto(f"{url}/encounters/patients/{patient.pk}/encounters/new/")
    expect(page.get_by_test_id("proposal-panel")).to_be_visible()
    assert_accessible(page)


def _document(page: Page, *, em_start: str = "09:40", em_end: str = "09:55") -> None:
    """A documented follow-up yesterday: 38 min psychotherapy, an E/M by moderate MDM."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.locator("#id_date_of_service").fill(yesterday.isoformat())
    page.get_by_label("Established patient").check()
    page.locator("#id_pt_kind").select_option("individual")
    page.locator("#id_pt_start").fill("09:00")
    page.locator("#id_pt_end").fill("09:38")
    page.locator("#id_em_start").fill(em_start)
    page.locator("#id_em_end").fill(em_end)
    page.locator("#id_pt_note").fill("Interoceptive exposure; practised breathing.")
    page.get_by_label(
        "chronic illness with exacerbation, progression or side effects of treatment"
    ).check()
    page.get_by_label(re.compile(r"prescription drug management \(named drug")).check()
    page.locator("#id_em_plan").fill("Increase sertraline to 100 mg.")
    fill_medication_row(page)
    page.locator("#id_diagnosis_1").fill("F41.0")
    page.locator("#id_diagnosis_1").evaluate("e => e.blur()")  # moving on: suggestions stay closed


def _panel_codes(page: Page):
    return page.get_by_test_id("proposal-code")


def test_a_panel_refresh_in_flight_never_replaces_the_codes_the_clinician_chose(
    page: Page, live_server, practice, monkeypatch
):
    _, patient = practice
    _login(page, live_server.url)
    _new_visit(page, live_server.url, patient)
    _document(page)
    expect(_panel_codes(page)).to_have_text(["99214", "90836"])

    real = coding.views.proposal_for_facts

    def slow(**kwargs):
        time.sleep(1.5)  # the panel answers late, as on a busy server
        return real(**kwargs)

    monkeypatch.setattr(coding.views, "proposal_for_facts", slow)
    with page.expect_response(re.compile(r"/coding/panel/$"), timeout=15_000):
        page.locator("#id_em_plan").press_sequentially(" Follow up in 4 weeks.", delay=5)
        page.wait_for_timeout(600)  # the refresh has left; it is in flight
        page.get_by_label("Other codes (a reason is required; billers see it)").check()
        page.locator("#coding-custom-codes").fill("99215, 90838")
        page.locator("#coding-override-reason").fill("Outside records reviewed at length")
    page.wait_for_timeout(200)  # the late answer has been swapped in
    expect(page.locator("#coding-option-custom")).to_be_checked()
    expect(page.locator("#coding-custom-codes")).to_have_value("99215, 90838")
    # Checked as the clinician sees the choices: in the middle of the window, not under the
    # corner where the session notice may sit.
    page.locator("#coding-option-0").evaluate("e => e.scrollIntoView({block: 'center'})")
    assert_accessible(page, step="other codes chosen, the late panel swapped in")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "panel_choice_after_late_refresh.png"), full_page=True)

    page.get_by_test_id("sign").click()
    # Sign waits for the slowed panel requests and any autosave still on its way.
    expect(page).to_have_url(re.compile(r"/encounters/\d+/$"), timeout=20_000)
    encounter = Encounter.objects.get(patient=patient)
    expect(page).to_have_url(re.compile(rf"/encounters/{encounter.pk}/$"))
    billed = page.get_by_test_id("billed-codes")
    expect(billed).to_contain_text("99215")
    expect(billed).to_contain_text("90838")
    expect(billed).to_contain_text("Other codes than proposed")
    assert_accessible(page)
    lines = Claim.objects.get(encounter=encounter).lines.all()
    assert [line.code for line in lines] == ["99215", "90838"]


def test_back_and_sign_again_makes_no_second_visit_or_claim(page: Page, live_server, practice):
    _, patient = practice
    _login(page, live_server.url)
    _new_visit(page, live_server.url, patient)
    _document(page)
    expect(_panel_codes(page)).to_have_text(["99214", "90836"])
    page.get_by_test_id("sign").click()
    expect(page).to_have_url(re.compile(r"/encounters/\d+/$"))
    encounter = Encounter.objects.get(patient=patient)
    expect(page).to_have_url(re.compile(rf"/encounters/{encounter.pk}/$"))
    assert_accessible(page)

    page.go_back()
    expect(page.get_by_test_id("sign")).to_be_visible()
    # The browser brings back what was typed; the panel follows it.
    expect(_panel_codes(page)).to_have_text(["99214", "90836"])
    assert_accessible(page, step="back on the form")
    page.get_by_test_id("sign").click()
    # The page posts the key it posted before: the signed visit answers, nothing is added.
    expect(page).to_have_url(re.compile(rf"/encounters/{encounter.pk}/$"))
    expect(page.get_by_role("alert").first).to_contain_text("already signed; nothing was changed")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "back_and_sign_again.png"), full_page=True)
    assert Encounter.objects.filter(patient=patient).count() == 1
    assert Claim.objects.filter(encounter__patient=patient).count() == 1


def test_overlapping_blocks_show_at_once_propose_nothing_and_still_save_as_a_draft(
    page: Page, live_server, practice
):
    _, patient = practice
    _login(page, live_server.url)
    _new_visit(page, live_server.url, patient)
    _document(page, em_start="09:30", em_end="09:50")
    conflict = page.get_by_test_id("proposal-time-problems")
    expect(conflict).to_contain_text("overlaps the psychotherapy block")
    expect(conflict).to_contain_text("PT-3")
    expect(_panel_codes(page)).to_have_count(0)
    assert_accessible(page, step="the panel says the blocks overlap")

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_role("alert").first).to_contain_text("Draft saved as typed")
    expect(page.locator("#id_em_start")).to_have_value("09:30")
    expect(page.locator("#id_pt_note")).to_have_value(
        "Interoceptive exposure; practised breathing."
    )
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert_accessible(page, step="saved as typed, with the errors")
    page.screenshot(path=str(ARTIFACTS / "overlap_saved_as_draft.png"), full_page=True)
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.status == EncounterStatus.DRAFT
    assert encounter.draft_form["em_start"] == ["09:30"]

    page.locator("#id_em_start").fill("09:40")
    page.locator("#id_em_end").fill("09:55")
    expect(_panel_codes(page)).to_have_text(["99214", "90836"])
    page.get_by_test_id("sign").click()
    expect(page).to_have_url(re.compile(rf"/encounters/{encounter.pk}/$"))
    expect(page.get_by_test_id("status-badge")).to_have_text("Signed — locked")
    assert_accessible(page)


def test_timers_fill_in_the_practice_time_from_a_browser_in_another_zone(
    browser: Browser, live_server, practice
):
    _, patient = practice
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    try:
        _login(page, live_server.url)
        _new_visit(page, live_server.url, patient)
        page.locator("#id_pt_kind").select_option("individual")
        before = timezone.localtime()
        page.get_by_test_id("pt-timer-start").click()
        started = page.locator("#id_pt_start").input_value()
        after = timezone.localtime()
        assert started in {f"{before:%H:%M}", f"{after:%H:%M}"}  # the practice's clock
        expect(page.get_by_test_id("proposal-time-problems")).to_have_count(0)
        page.get_by_test_id("save-draft").click()  # the timer still runs: a valid draft
        expect(page.get_by_role("alert").first).to_contain_text("Draft saved.")
        assert_accessible(page)
        encounter = Encounter.objects.get(patient=patient)
        assert f"{encounter.pt_start:%H:%M}" == started
        assert encounter.draft_form is None
    finally:
        context.close()


def test_the_codes_to_bill_stay_in_view_and_uncovered_as_the_form_scrolls(
    page: Page, live_server, practice
):
    """The panel and the "Other codes" card stay together beside the long form: the card
    never slides over the panel's choices (it did while only the panel was sticky)."""
    _, patient = practice
    _login(page, live_server.url)
    _new_visit(page, live_server.url, patient)
    _document(page)
    expect(_panel_codes(page)).to_have_text(["99214", "90836"])
    expect(page.locator("#coding-option-0")).to_be_visible()
    expect(page.locator("#proposal-panel.htmx-request")).to_have_count(0)  # no refresh left
    # What the first choice's middle shows, read afresh each time (a late refresh may swap
    # the panel): "" when it is the choice or its label.
    uncovered = """() => { const e = document.getElementById("coding-option-0");
        if (!e) return "missing";
        const r = e.getBoundingClientRect();
        if (r.bottom < 0 || r.top > window.innerHeight) return "out of view";
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const label = document.querySelector('label[for="coding-option-0"]');
        if (hit === e || (label && label.contains(hit))) return "";
        return hit ? hit.outerHTML.slice(0, 80) : "nothing"; }"""
    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height, 150):
        page.evaluate(f"window.scrollTo(0, {y})")
        on_top = page.evaluate(uncovered)
        if on_top == "missing":  # a refresh is being swapped in: read it once it is there
            expect(page.locator("#coding-option-0")).to_be_visible()
            on_top = page.evaluate(uncovered)
        assert on_top == "", f"scrolled to {y}px: the first choice is {on_top}"
    assert_accessible(page, step="scrolled to the foot of the form")
