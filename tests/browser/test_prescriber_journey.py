"""A prescriber documents a visit with both time blocks, signs it, and finds it locked."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from encounters.icd import icd_search
from encounters.models import Encounter, EncounterStatus
from tests.browser.helpers import assert_accessible
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory
from tests.sqlite_locks import release_signed_locks

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def practice(transactional_db):
    """A prescriber with one care-team patient who has commercial coverage."""
    clinician = ClinicianFactory(
        credential="MD",
        user__username="dr.rivera",
        user__first_name="Sam",
        user__last_name="Rivera",
    )
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN424242")
    patient.clinicians.add(clinician)
    CoverageFactory(patient=patient, priority=1)
    icd_search("panic")  # load the code set once, before the clock of the autocomplete runs
    yield clinician, patient
    release_signed_locks()


def test_prescriber_times_both_blocks_codes_a_diagnosis_signs_and_the_note_locks(
    page: Page, live_server, practice
):
    clinician, patient = practice
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill("dr.rivera")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/encounters/$"))
    assert_accessible(page)

    page.get_by_role("link", name="Patients").click()
    expect(page).to_have_url(re.compile(r"/encounters/patients/$"))
    assert_accessible(page)
    page.get_by_test_id("patient-search").fill("Quinn")
    expect(page.get_by_test_id("patient-link")).to_have_count(1)
    assert_accessible(page, step="the search's results")
    page.get_by_test_id("patient-link").click()
    expect(page.get_by_test_id("patient-name")).to_contain_text("Ada Quinn")
    assert_accessible(page)
    page.get_by_test_id("new-encounter").click()
    expect(page.locator("#encounter-form")).to_be_visible()
    expect(page.get_by_test_id("status-suggestion")).to_contain_text("new")
    # The page's scripts have run once htmx has filled the panel: the timers answer clicks.
    expect(page.get_by_test_id("proposal-panel")).to_be_visible()
    assert_accessible(page, step="the new visit with its panel")

    # Timers: Start fills the start time and runs a clock, Stop fills the end time.
    for block in ("pt", "em"):
        page.get_by_test_id(f"{block}-timer-start").click()
        expect(page.locator(f"#id_{block}_start")).to_have_value(re.compile(r"^\d\d:\d\d$"))
        expect(page.locator(f"[data-testid={block}-block] [data-timer-clock]")).to_have_text(
            re.compile(r"^\d\d:\d\d$")
        )
        page.get_by_test_id(f"{block}-timer-stop").click()
        expect(page.locator(f"#id_{block}_end")).to_have_value(re.compile(r"^\d\d:\d\d$"))

    # Then realistic times on yesterday's visit; the minutes follow as they are typed.
    page.locator("#id_date_of_service").fill(yesterday.isoformat())
    page.locator("#id_pt_kind").select_option("individual")
    page.locator("#id_pt_start").fill("09:00")
    page.locator("#id_pt_end").fill("09:38")
    expect(page.get_by_test_id("pt-minutes")).to_have_text("38 min")
    page.locator("#id_em_start").fill("09:40")
    page.locator("#id_em_end").fill("09:56")
    expect(page.get_by_test_id("em-minutes")).to_have_text("16 min")
    page.locator("#id_pt_modality").select_option("cbt")
    page.locator("#id_pt_focus").fill("Panic attacks on the subway")
    page.locator("#id_pt_note").fill("Interoceptive exposure; practised breathing.")

    # MDM as the clinician thinks; the levels come back from the server.
    page.get_by_label(
        "chronic illness with exacerbation, progression or side effects of treatment"
    ).check()
    page.get_by_label(re.compile(r"prescription drug management \(named drug")).check()
    page.locator("#id_mdm_notes_reviewed").fill("1")
    expect(page.get_by_test_id("mdm-level")).to_have_text("Moderate")
    page.locator("#id_em_plan").fill("Increase sertraline to 100 mg; follow up in 4 weeks.")
    # The panel says what the note must show for what the MDM claims (EM-2).
    data_check = page.get_by_test_id("documentation-check").filter(has_text="note(s) reviewed")
    expect(data_check).to_have_attribute("data-met", "no")
    page.locator("#id_mdm_data_detail").fill("Discharge summary of the March admission")
    expect(data_check).to_have_attribute("data-met", "yes")
    assert_accessible(page, step="the panel with E/M, its checks and the codes to bill")

    page.locator("#id_medications-0-name").fill("Sertraline")
    page.locator("#id_medications-0-dose").fill("100 mg")
    page.locator("#id_medications-0-frequency").fill("daily")
    page.locator("#id_medications-0-adherence").select_option("full")
    page.locator("#id_medications-0-effect").select_option("partial")
    page.locator("#id_medications-0-change").select_option("increased")
    page.locator("#id_medications-0-change_reason").fill("Partial response at 50 mg")

    # A diagnosis through the autocomplete.
    page.locator("#id_diagnosis_1").press_sequentially("panic disor", delay=20)
    suggestion = page.locator('#dx-suggest-1 [data-icd-code="F41.0"]')
    expect(suggestion).to_be_visible(timeout=15_000)
    assert_accessible(page, step="the ICD-10-CM suggestions open")
    suggestion.click()
    expect(page.locator("#id_diagnosis_1")).to_have_value("F41.0")
    expect(page.locator("#dx-desc-1")).to_contain_text("Panic disorder")

    expect(page.locator('[data-testid="documentation-check"][data-met="no"]')).to_have_count(0)
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Draft saved.")
    expect(page.locator("#id_diagnosis_1")).to_have_value("F41.0")
    expect(page.get_by_test_id("pt-minutes")).to_have_text("38 min")
    assert_accessible(page, step="the saved draft")
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.status == EncounterStatus.DRAFT
    page.screenshot(path=str(ARTIFACTS / "prescriber_encounter.png"), full_page=True)

    page.get_by_test_id("sign").click()
    expect(page).to_have_url(re.compile(rf"/encounters/{encounter.pk}/$"))
    expect(page.get_by_test_id("status-badge")).to_have_text("Signed — locked")
    expect(page.get_by_test_id("signed-by")).to_contain_text("Sam Rivera")
    expect(page.get_by_test_id("pt-minutes")).to_have_text("38 min")
    expect(page.get_by_test_id("diagnosis-list")).to_contain_text("F41.0")
    expect(page.get_by_test_id("edit")).to_have_count(0)
    assert_accessible(page)

    page.goto(f"{live_server.url}/encounters/{encounter.pk}/edit/")
    expect(page).to_have_url(re.compile(rf"/encounters/{encounter.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text("signed and locked")
    expect(page.locator("#encounter-form")).to_have_count(0)
    assert_accessible(page)

    page.get_by_label("Addendum").fill("Patient called: mild nausea since the increase.")
    page.get_by_label("Why it is added").fill("Information after signing")
    page.get_by_test_id("addendum-submit").click()
    expect(page.get_by_test_id("addendum-list")).to_contain_text("mild nausea")
    assert_accessible(page)
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.SIGNED
    assert encounter.signed_by == clinician.user
