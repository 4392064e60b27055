"""A Medicare follow-up with continuing care, two scored instruments and a long-acting
injection: the prescriber documents it, the panel proposes 99214-25, 90833, 96127 x2, 96372
and J2426 x234 with JZ, says why G2211 is left out (VC-2), and the signed claim carries
those lines.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from claims.models import Claim
from encounters.models import Encounter, EncounterStatus
from tests.browser.helpers import assert_accessible, fill_medication_row, log_in
from tests.factories import (
    ClinicianFactory,
    CoverageFactory,
    PatientFactory,
    UserFactory,
    instrument,
    payer,
    seed_instruments,
)
from tests.payers.helpers import default_fee_schedules

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

JOURNEY_CODES = ["99214", "90833", "96127", "96372", "J2426"]


@pytest.fixture
def practice(transactional_db):
    """A prescriber, a biller, and an established Medicare patient on the care team."""
    default_fee_schedules()  # an earlier transactional test's flush may have removed them
    seed_instruments()
    clinician = ClinicianFactory(
        credential="MD",
        user__username="dr.okafor",
        user__first_name="Ngozi",
        user__last_name="Okafor",
    )
    patient = PatientFactory(first_name="Ray", last_name="Tolliver", mrn="MRN626262")
    patient.clinicians.add(clinician)
    CoverageFactory(patient=patient, priority=1, payer=payer("medicare"))
    UserFactory(username="biller", role="Biller")
    return clinician, patient


def test_medicare_follow_up_with_instruments_and_an_injection_is_signed_and_billed(
    page: Page, live_server, practice
):
    clinician, patient = practice
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ARTIFACTS.mkdir(exist_ok=True)

    log_in(page, live_server.url, "dr.okafor")
    page.goto(f"{live_server.url}/encounters/patients/{patient.pk}/encounters/new/")
    expect(page.get_by_test_id("proposal-panel")).to_be_visible()
    assert_accessible(page)

    page.locator("#id_date_of_service").fill(yesterday.isoformat())
    page.get_by_label("Established patient").check()
    # The diagnosis first: every later change refreshes the panel with it.
    page.locator("#id_diagnosis_1").fill("F20.9")
    page.locator("#id_pt_kind").select_option("individual")
    page.locator("#id_pt_start").fill("09:00")
    page.locator("#id_pt_end").fill("09:30")
    page.locator("#id_pt_modality").select_option("supportive")
    page.locator("#id_pt_note").fill("Supportive therapy on returning to work.")
    page.locator("#id_em_start").fill("09:30")
    page.locator("#id_em_end").fill("09:50")
    # Time without the patient today, and continuing care of the schizophrenia (G2211).
    page.locator("#id_em_other_minutes").fill("10")
    expect(page.get_by_test_id("em-other-minutes")).to_contain_text("coordinating care")
    page.get_by_label(re.compile(r"continuing care \(G2211\)", re.I)).check()
    page.get_by_label(
        "chronic illness with exacerbation, progression or side effects of treatment"
    ).check()
    page.get_by_label(re.compile(r"prescription drug management \(named drug")).check()
    page.locator("#id_em_plan").fill("Continue paliperidone 234 mg monthly; next dose in 4 weeks.")
    fill_medication_row(
        page, name="Paliperidone palmitate", dose="234 mg", change="continued", reason=""
    )

    # Two instruments scored: PHQ-9 and GAD-7 (two units of 96127, BA-1).
    page.locator("#id_instruments-0-instrument").select_option(str(instrument("PHQ-9").pk))
    page.locator("#id_instruments-0-score").fill("14")
    page.get_by_test_id("instrument-add").click()
    page.locator("#id_instruments-1-instrument").select_option(str(instrument("GAD-7").pk))
    page.locator("#id_instruments-1-score").fill("9")

    # Paliperidone 234 mg from a 234 mg syringe the practice bought.
    page.get_by_test_id("injection-add").click()
    page.locator("#id_injections-0-drug").select_option("J2426")
    page.locator("#id_injections-0-dose_mg").fill("234")
    page.locator("#id_injections-0-container_mg").fill("234")
    page.locator("#id_injections-0-supplied").select_option("practice")
    page.locator("#id_injections-0-lot").fill("LOT7781")
    page.locator("#id_injections-0-ndc").fill("50458-0564-01")
    page.locator("#id_injections-0-ndc_quantity").fill("1")
    page.locator("#id_injections-0-ndc_unit").select_option("UN")

    # The panel: total E/M time, the lines with units and modifiers, and why no G2211.
    codes = page.get_by_test_id("proposal-code")
    expect(codes).to_have_text(JOURNEY_CODES)
    lines = page.get_by_test_id("proposal-lines")
    expect(lines.locator("tr", has_text="99214")).to_contain_text("25")
    expect(lines.locator("tr", has_text="J2426")).to_contain_text("×234")
    expect(lines.locator("tr", has_text="J2426")).to_contain_text("JZ")
    expect(lines.locator("tr", has_text="96127")).to_contain_text("×2")
    expect(page.get_by_test_id("proposal-em-time")).to_contain_text(
        "20 min in the block + 10 min other = 30 min total"
    )
    messages = page.get_by_test_id("proposal-messages")
    expect(messages).to_contain_text("VC-2")
    expect(messages).to_contain_text("G2211 not added: 99214 carries modifier 25")
    expect(page.locator('[data-testid="documentation-check"][data-met="no"]')).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "engine2_encounter.png"), full_page=True)
    assert_accessible(page)  # the form with instruments, the injection and the panel

    page.get_by_test_id("sign").click()
    encounter = Encounter.objects.get(patient=patient)
    expect(page).to_have_url(re.compile(rf"/encounters/{encounter.pk}/$"))
    expect(page.get_by_test_id("status-badge")).to_have_text("Signed — locked")
    billed = page.get_by_test_id("billed-codes")
    expect(billed).to_contain_text("99214-25 + 90833 + 96127 ×2 + 96372 + J2426 ×234-JZ")
    expect(billed).to_contain_text("VC-2")
    # The chart shows the scores, the injection and the time.
    expect(page.get_by_test_id("instrument-score")).to_have_count(2)
    expect(page.get_by_test_id("instrument-table")).to_contain_text("PHQ-9")
    expect(page.get_by_test_id("instrument-table")).to_contain_text("14")
    expect(page.get_by_test_id("injection")).to_contain_text("LOT7781")
    expect(page.get_by_test_id("em-total-minutes")).to_have_text("30 min total")
    expect(page.get_by_test_id("continuing-care")).to_contain_text("yes")
    assert_accessible(page)

    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.SIGNED
    assert encounter.signed_by == clinician.user
    claim = Claim.objects.get(encounter=encounter)
    assert [(ln.code, ln.units, list(ln.modifiers)) for ln in claim.lines.order_by("position")] == [
        ("99214", 1, ["25"]),
        ("90833", 1, []),
        ("96127", 2, []),
        ("96372", 1, []),
        ("J2426", 234, ["JZ"]),
    ]

    # The biller sees the same lines on the claim.
    page.context.clear_cookies()
    log_in(page, live_server.url, "biller", lands_on=r"/billing/")
    page.goto(live_server.url + reverse("claims:claim-detail", kwargs={"claim_id": claim.pk}))
    expect(page.get_by_test_id("claim-lines").locator("tbody tr")).to_have_count(5)
    assert_accessible(page)
    for position, (code, units, modifiers) in enumerate(
        [
            ("99214", "1", "25"),
            ("90833", "1", ""),
            ("96127", "2", ""),
            ("96372", "1", ""),
            ("J2426", "234", "JZ"),
        ],
        start=1,
    ):
        expect(page.get_by_label(f"Code of line {position}", exact=True)).to_have_value(code)
        expect(page.get_by_label(f"Units of line {position}", exact=True)).to_have_value(units)
        expect(page.get_by_label(f"Modifiers of line {position}", exact=True)).to_have_value(
            modifiers
        )
    page.screenshot(path=str(ARTIFACTS / "engine2_claim.png"), full_page=True)
