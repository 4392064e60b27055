"""A practice admin registers a patient with coverage, then edits a payer profile and a fee."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from encounters.models import Patient
from payers.models import PayerChange
from tests.browser.helpers import assert_accessible
from tests.factories import ClinicianFactory, UserFactory, payer

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def practice(transactional_db):
    UserFactory(username="office.admin", role="Practice admin")
    ClinicianFactory(credential="MD", user__first_name="Ana", user__last_name="Rivera")
    return payer("commercial")


def test_admin_registers_a_patient_and_edits_a_payer_with_its_history(
    page: Page, live_server, practice
):
    commercial = practice
    page.goto(f"{live_server.url}/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill("office.admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/encounters/patients/$"))
    assert_accessible(page)

    # A new patient: a missing field keeps what was typed and says what is missing.
    page.goto(f"{live_server.url}/encounters/patients/new/")
    assert_accessible(page)
    page.locator("#id_first_name").fill("Nora")
    page.locator("#id_last_name").fill("Quill")
    page.get_by_test_id("patient-save").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.locator("#id_first_name")).to_have_value("Nora")
    assert_accessible(page, step="the form with its errors")

    page.locator("#id_date_of_birth").fill("1984-05-06")
    page.locator("#id_sex").select_option("F")
    page.locator("#id_mrn").fill("MRN880001")
    page.locator("#id_address_line1").fill("12 Elm Street")
    page.locator("#id_city").fill("Albany")
    page.locator("#id_state").fill("NY")
    page.locator("#id_postal_code").fill("12207")
    page.locator("#id_coverages-0-payer").select_option(str(commercial.pk))
    page.locator("#id_coverages-0-member_id").fill("XJH000111")
    page.get_by_test_id("patient-save").click()
    expect(page.get_by_test_id("patient-name")).to_contain_text("Nora Quill")
    assert_accessible(page)
    patient = Patient.objects.get(mrn="MRN880001")
    assert patient.coverages.get().member_id == "XJH000111"

    # The payer profile: audio-only coverage off, and a fee for 90834; both in the history.
    page.goto(f"{live_server.url}/billing/payers/{commercial.pk}/")
    assert_accessible(page)
    page.get_by_label("Covers audio-only visits").uncheck()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_test_id("payer-history")).to_contain_text("audio_only_covered")
    assert_accessible(page)
    page.locator("[data-testid=fee-form] [name=code]").fill("90834")
    page.locator("[data-testid=fee-form] [name=charge]").fill("190.00")
    page.locator("[data-testid=fee-form] [name=allowed]").fill("120.00")
    page.get_by_role("button", name="Save fee").click()
    expect(page.get_by_test_id("fees")).to_contain_text("190.00")
    expect(page.get_by_test_id("payer-history")).to_contain_text("fee 90834")
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin_payer.png"), full_page=True)

    commercial.refresh_from_db()
    assert commercial.audio_only_covered is False
    assert PayerChange.objects.filter(payer=commercial, field="audio_only_covered").exists()
