"""A prescriber writes a note template, then starts a visit from it (issue 13).

The template fills the psychotherapy note and the plan only while they are empty: text the
prescriber already typed is kept.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, log_in
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory

pytestmark = pytest.mark.browser

NOTE = "Supportive therapy; reviewed coping plan."
PLAN = "Continue current medications; return in 4 weeks."


@pytest.fixture
def prescriber_with_patient(transactional_db):
    clinician = ClinicianFactory(credential="MD", user__username="dr.templates")
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN616161")
    patient.clinicians.add(clinician)
    CoverageFactory(patient=patient, priority=1)
    return clinician, patient


def test_a_template_fills_the_empty_note_and_keeps_typed_text(
    page: Page, live_server, prescriber_with_patient
):
    _clinician, patient = prescriber_with_patient
    log_in(page, live_server.url, "dr.templates")

    page.get_by_role("link", name="Note templates").click()
    expect(page.get_by_role("heading", name="My note templates")).to_be_visible()
    assert_accessible(page, step="the template list, empty")
    page.get_by_test_id("template-add").click()
    expect(page.get_by_role("heading", name="Add a note template")).to_be_visible()
    assert_accessible(page, step="the template form")
    page.get_by_label("Name").fill("Follow-up")
    page.get_by_label("Psychotherapy note").fill(NOTE)
    page.get_by_label("Plan").fill(PLAN)
    page.get_by_test_id("template-submit").click()
    expect(page.get_by_test_id("template-row")).to_contain_text("Follow-up")
    assert_accessible(page, step="the template list, one template")

    page.goto(f"{live_server.url}/encounters/patients/{patient.pk}/encounters/new/")
    expect(page.locator("#encounter-form")).to_be_visible()
    assert_accessible(page, step="the encounter form with a template select")
    select = page.get_by_label("Start from a template")
    expect(select).to_be_visible()

    # The plan was typed first: the template fills only the empty note.
    page.locator("#id_em_plan").fill("My own plan.")
    select.select_option(label="Follow-up")
    expect(page.locator("#id_pt_note")).to_have_value(NOTE)
    expect(page.locator("#id_em_plan")).to_have_value("My own plan.")

    # Picking again never overwrites: the note (now edited) stays, the emptied plan fills.
    page.locator("#id_pt_note").fill("Edited by hand.")
    page.locator("#id_em_plan").fill("")
    select.select_option(value="")
    select.select_option(label="Follow-up")
    expect(page.locator("#id_pt_note")).to_have_value("Edited by hand.")
    expect(page.locator("#id_em_plan")).to_have_value(PLAN)
