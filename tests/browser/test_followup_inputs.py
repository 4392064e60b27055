"""A typical follow-up visit from the prescriber's day page, counting the inputs it needs.

Issue 13: carry forward from the last signed visit, 45 minutes of psychotherapy, a
med-management block with one medication continued and one changed, then sign, in at most
12 inputs (about 28 before carry forward). Every input (a fill, a click on a form control or
a link, a key pressed in a picker) goes through :class:`Inputs`, which counts it; the count
is printed and kept in the README.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from encounters.models import Encounter, EncounterStatus, ScheduledVisit
from tests.browser.helpers import assert_accessible, log_in
from tests.factories import (
    ClinicianFactory,
    CoverageFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
    PatientFactory,
)
from tests.sqlite_locks import release_signed_locks

pytestmark = pytest.mark.browser

MAX_INPUTS = 12


def _hhmm(moment: datetime.datetime) -> str:
    return f"{moment:%H:%M}"


# The practice's clock reads noon today for this test (the server runs in this process), so
# the visit, an hour before, always fits in today and ends before "now": signing refuses a
# block ending later than now.
NOW = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
START_AT = NOW - datetime.timedelta(minutes=65)
START = START_AT.time()


class Inputs:
    """The clinician's inputs, each counted with what it was for."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def fill(self, locator: Locator, value: str, why: str) -> None:
        locator.fill(value)
        self.log.append(f"fill {why}")

    def click(self, locator: Locator, why: str) -> None:
        locator.click()
        self.log.append(f"click {why}")

    def check(self, locator: Locator, why: str) -> None:
        locator.check()
        self.log.append(f"tick {why}")

    def select(self, locator: Locator, value: str, why: str) -> None:
        locator.select_option(value)
        self.log.append(f"pick {why}")

    @property
    def count(self) -> int:
        return len(self.log)


@pytest.fixture
def follow_up(transactional_db, monkeypatch):
    """A patient seen a month ago (signed), on today's schedule an hour ago."""
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(datetime.UTC))
    assert START_AT.date() == NOW.date(), "the visit must fit in today before now"
    clinician = ClinicianFactory(
        credential="MD",
        user__username="dr.rivera",
        user__first_name="Sam",
        user__last_name="Rivera",
    )
    patient = PatientFactory(first_name="Ada", last_name="Quinn", mrn="MRN515151")
    patient.clinicians.add(clinician)
    coverage = CoverageFactory(patient=patient, priority=1)
    today = timezone.localdate()
    last = EncounterFactory(
        clinician=clinician,
        patient=patient,
        coverage=coverage,
        date_of_service=today - datetime.timedelta(days=28),
        pt_note="Last month's session: exposure work.",
        em_plan="Increase sertraline to 100 mg.",
    )
    EncounterDiagnosisFactory(encounter=last, position=1, code="F33.1")
    EncounterDiagnosisFactory(encounter=last, position=2, code="F41.1", description="GAD")
    MedicationReviewFactory(encounter=last, name="Sertraline", dose="100 mg", change="increased")
    MedicationReviewFactory(
        encounter=last, name="Bupropion XL", dose="150 mg", change="continued", change_reason=""
    )
    last.status = EncounterStatus.SIGNED
    last.signed_by = clinician.user
    last.signed_at = timezone.now()
    last.save()
    ScheduledVisit.objects.create(
        patient=patient,
        clinician=clinician,
        date=today,
        time=START,
        setting="in_person",
        created_by=clinician.user,
    )
    yield clinician, patient, last
    release_signed_locks()


def test_a_follow_up_from_the_day_page_takes_at_most_12_inputs(page: Page, live_server, follow_up):
    clinician, patient, last = follow_up
    inputs = Inputs()
    log_in(page, live_server.url, "dr.rivera")
    expect(page.get_by_test_id("scheduled-row")).to_contain_text("Quinn, Ada")

    inputs.click(page.get_by_test_id("start-visit"), "Start visit")
    expect(page.locator("#encounter-form")).to_be_visible()
    expect(page.get_by_test_id("proposal-panel")).to_be_visible()
    assert_accessible(page, step="the follow-up, carried forward")
    expect(page.get_by_test_id("carried-from")).to_contain_text(f"{last.date_of_service:%Y-%m-%d}")
    # Carried: diagnoses in order, both medications (marked continued), status, coverage.
    expect(page.locator("#id_diagnosis_1")).to_have_value("F33.1")
    expect(page.locator("#id_diagnosis_2")).to_have_value("F41.1")
    expect(page.locator("#id_medications-0-name")).to_have_value("Sertraline")
    expect(page.locator("#id_medications-1-name")).to_have_value("Bupropion XL")
    expect(page.locator("#id_medications-1-change")).to_have_value("continued")
    expect(page.get_by_test_id("medication-carried")).to_have_count(2)
    expect(page.locator("#id_pt_start")).to_have_value(_hhmm(START_AT))  # from the schedule
    expect(page.locator("#id_pt_note")).to_have_value("")  # no note text carried
    expect(page.locator("#id_em_plan")).to_have_value("")

    # 45 minutes of psychotherapy, then the med-management block.
    at = START_AT
    inputs.fill(page.locator("#id_pt_end"), _hhmm(at + datetime.timedelta(minutes=45)), "pt end")
    expect(page.get_by_test_id("pt-minutes")).to_have_text("45 min")
    em_start, em_end = (_hhmm(at + datetime.timedelta(minutes=m)) for m in (46, 61))
    inputs.fill(page.locator("#id_em_start"), em_start, "med management start")
    inputs.fill(page.locator("#id_em_end"), em_end, "med management end")
    expect(page.get_by_test_id("em-minutes")).to_have_text("15 min")

    inputs.check(
        page.get_by_label(
            "chronic illness with exacerbation, progression or side effects of treatment"
        ),
        "MDM problem",
    )
    inputs.check(
        page.get_by_label(re.compile(r"prescription drug management \(named drug")),
        "MDM risk",
    )
    expect(page.get_by_test_id("mdm-level")).to_have_text("Moderate")

    # Bupropion stays as carried (continued); sertraline goes up.
    inputs.select(page.locator("#id_medications-0-change"), "increased", "sertraline: increased")
    inputs.fill(page.locator("#id_medications-0-dose"), "150 mg", "sertraline: new dose")
    inputs.fill(
        page.locator("#id_medications-0-change_reason"),
        "Partial response at 100 mg",
        "sertraline: reason",
    )
    inputs.fill(page.locator("#id_pt_note"), "CBT for worry; practised exposure.", "note")
    inputs.fill(
        page.locator("#id_em_plan"), "Increase sertraline to 150 mg; follow up in 4 weeks.", "plan"
    )
    expect(page.locator('[data-testid="documentation-check"][data-met="no"]')).to_have_count(0)
    assert_accessible(page, step="the follow-up, filled in")

    inputs.click(page.get_by_test_id("sign"), "Sign")
    # The signed page is reached first: the click returns before the server has answered.
    expect(page).to_have_url(re.compile(r"/encounters/\d+/$"), timeout=20_000)
    encounter = Encounter.objects.exclude(pk=last.pk).get(patient=patient)
    expect(page).to_have_url(re.compile(rf"/encounters/{encounter.pk}/$"))
    expect(page.get_by_test_id("status-badge")).to_have_text("Signed — locked")
    assert_accessible(page)

    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.SIGNED
    assert [d.code for d in encounter.diagnoses.all()] == ["F33.1", "F41.1"]
    decisions = {m.name: (m.change, m.dose) for m in encounter.medication_reviews.all()}
    assert decisions == {
        "Sertraline": ("increased", "150 mg"),
        "Bupropion XL": ("continued", "150 mg"),
    }
    assert encounter.pt_minutes == 45
    print(f"\nFollow-up visit: {inputs.count} inputs: " + "; ".join(inputs.log))
    assert inputs.count <= MAX_INPUTS


def test_the_prescriber_puts_a_visit_on_the_schedule_and_finds_it_on_the_day_page(
    page: Page, live_server, follow_up
):
    clinician, patient, _last = follow_up
    ScheduledVisit.objects.all().delete()
    log_in(page, live_server.url, "dr.rivera")
    expect(page.get_by_test_id("schedule-table")).to_contain_text("Nothing scheduled today.")
    page.goto(f"{live_server.url}/encounters/patients/{patient.pk}/")
    assert_accessible(page)
    page.get_by_test_id("schedule-visit").click()
    expect(page.get_by_label("Clinician")).to_have_value(str(clinician.pk))
    assert_accessible(page)
    page.get_by_test_id("schedule-submit").click()  # no time yet
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.locator("#id_time_error")).to_contain_text("This field is required.")
    assert_accessible(page, step="the schedule form with its error")
    page.get_by_label("Time").fill("16:30")
    page.get_by_label("Setting").select_option("video")
    page.get_by_test_id("schedule-submit").click()
    expect(page).to_have_url(re.compile(r"/encounters/$"))
    expect(page.get_by_role("alert")).to_contain_text("is scheduled with")
    row = page.get_by_test_id("scheduled-row")
    expect(row).to_contain_text("16:30")
    expect(row).to_contain_text("Video")
    assert_accessible(page, step="the day page with the new visit")
