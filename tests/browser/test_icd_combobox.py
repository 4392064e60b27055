"""The diagnosis field is a keyboard combobox, in Chromium: a prescriber types words,
moves through the suggested codes with the arrow keys and picks one with Enter, and the
form is not submitted; Escape closes the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from encounters.icd import icd_search
from encounters.models import Encounter
from tests.browser.helpers import log_in
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def patient(transactional_db):
    clinician = ClinicianFactory(credential="MD", user__username="dr.combobox")
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN515151")
    patient.clinicians.add(clinician)
    CoverageFactory(patient=patient, priority=1)
    icd_search("panic")  # build the search index before the page's clocks run
    return patient


def _open_new_visit(page: Page, url: str, patient) -> str:
    log_in(page, url, "dr.combobox")
    form_url = f"{url}/encounters/patients/{patient.pk}/encounters/new/"
    page.goto(form_url)
    expect(page.locator("#encounter-form")).to_be_visible()
    # A real submit would leave the page; this flag catches one that a handler cancels late.
    page.evaluate(
        "document.getElementById('encounter-form')"
        ".addEventListener('submit', () => { window.formSubmitted = true; })"
    )
    return form_url


def test_arrow_keys_and_enter_pick_a_code_without_submitting_the_form(
    page: Page, live_server, patient
):
    form_url = _open_new_visit(page, live_server.url, patient)
    field = page.locator("#id_diagnosis_1")
    expect(field).to_have_attribute("role", "combobox")
    expect(field).to_have_attribute("aria-expanded", "false")

    field.press_sequentially("depress", delay=30)
    options = page.locator('#dx-listbox-1 [role="option"]')
    expect(options.first).to_be_visible(timeout=15_000)
    expect(field).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_have_attribute("data-icd-code", re.compile(r"^F3[23]\."))
    first_code = options.first.get_attribute("data-icd-code")

    field.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", "dx-option-1-1")
    field.press("ArrowDown")
    expect(field).to_have_attribute("aria-activedescendant", "dx-option-1-2")
    expect(options.first).to_have_attribute("aria-selected", "false")
    field.press("ArrowUp")
    expect(field).to_have_attribute("aria-activedescendant", "dx-option-1-1")
    expect(field).to_be_focused()

    field.press("Enter")
    expect(field).to_have_value(first_code or "")
    assert first_code == "F32.9"
    expect(page.locator("#dx-desc-1")).to_contain_text("Major depressive disorder")
    expect(page.locator("#dx-listbox-1")).to_have_count(0)
    expect(field).to_have_attribute("aria-expanded", "false")
    expect(field).not_to_have_attribute("aria-activedescendant", re.compile(".*"))

    assert page.url == form_url
    assert page.evaluate("window.formSubmitted === undefined")
    assert not Encounter.objects.exists()


def test_escape_closes_the_list_and_enter_with_nothing_highlighted_does_not_submit(
    page: Page, live_server, patient
):
    form_url = _open_new_visit(page, live_server.url, patient)
    field = page.locator("#id_diagnosis_1")

    field.press_sequentially("generalized anxiety", delay=20)
    options = page.locator('#dx-listbox-1 [role="option"]')
    expect(options.first).to_have_attribute("data-icd-code", "F41.1", timeout=15_000)
    field.press("Escape")
    expect(page.locator("#dx-listbox-1")).to_have_count(0)
    expect(field).to_have_attribute("aria-expanded", "false")
    expect(field).to_have_value("generalized anxiety")

    field.press_sequentially(" disorder", delay=20)
    expect(options.first).to_have_attribute("data-icd-code", "F41.1", timeout=15_000)
    field.press("Enter")  # nothing highlighted: the list closes, the form stays
    expect(page.locator("#dx-listbox-1")).to_have_count(0)
    expect(field).to_have_value("generalized anxiety disorder")
    assert page.url == form_url
    assert page.evaluate("window.formSubmitted === undefined")
    assert not Encounter.objects.exists()
