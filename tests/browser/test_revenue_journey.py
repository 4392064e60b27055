"""A biller closes the revenue loop: exports the approved claims as an 837P file, imports the
payer's 835 for it, works one denial to a corrected resubmission (sent again in the next file
as a replacement) and another to an appeal letter (a PDF naming the claim)."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from claims import figures
from claims.demo_payer import Answer, demo_era_for
from claims.models import Claim, ClaimFrequency, ClaimState
from claims.transitions import claim_transition
from tests.browser.helpers import assert_accessible, log_in
from tests.claims.helpers import signed_claim
from tests.factories import ClinicianFactory, PatientFactory, UserFactory
from tests.payers.helpers import default_fee_schedules

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
S = ClaimState


@pytest.fixture
def approved(transactional_db):
    """Three approved claims (99214 + 90833) of one prescriber, and the biller."""
    default_fee_schedules()  # an earlier transactional test's flush may have removed them
    doctor = ClinicianFactory(credential="MD", user__username="dr.rivera")
    biller = UserFactory(username="biller", role="Biller", first_name="Bill", last_name="Ing")
    claims = []
    for days_ago, name in ((9, "Adams"), (8, "Baker"), (7, "Castro")):
        claim = signed_claim(
            clinician=doctor, days_ago=days_ago, patient=PatientFactory(last_name=name)
        )
        claims.append(
            claim_transition(user=biller, claim=claim, to_state=S.APPROVED, version=claim.version)
        )
    return claims


def _pdf_text(pdf: bytes) -> str:
    """The text of an fpdf2 PDF: its page streams, inflated."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            out.append(stream.decode("latin-1"))
    return "".join(out)


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"revenue_{name}.png"), full_page=True)


def test_biller_exports_imports_the_era_corrects_one_denial_and_appeals_another(
    page: Page, live_server, approved, tmp_path, eager_tasks
):
    paid, line_denied, denied = approved
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, "biller", lands_on=r"/billing/$")

    # 1. The export page lists the approved claims; the biller writes the 837P file.
    page.goto(f"{live_server.url}/billing/exports/")
    expect(page.get_by_test_id("exportable").locator("tbody tr")).to_have_count(3)
    assert_accessible(page)
    _shot(page, "1_export")
    page.get_by_test_id("export").click()
    expect(page.get_by_test_id("batches").locator("li")).to_have_count(1)
    assert_accessible(page)
    assert set(Claim.objects.values_list("state", flat=True)) == {S.SUBMITTED}

    # 2. The payer answers the file: one claim paid, one with a line denied, one denied.
    claims = list(Claim.objects.filter(pk__in=[c.pk for c in approved]).order_by("id"))
    era = tmp_path / "era-for-batch-1.835"
    era.write_text(
        demo_era_for(
            claims,
            seed=1,
            day=paid.date_of_service,
            trace="EFT000001",
            answers={
                paid.number: Answer.PAID,
                line_denied.number: Answer.LINE_DENIED,
                denied.number: Answer.DENIED,
            },
        )
    )
    page.goto(f"{live_server.url}/billing/payer-files/")
    assert_accessible(page)
    page.get_by_label("835, 999, 277CA or 271 file").set_input_files(str(era))
    page.get_by_role("button", name="Import").click()
    result = page.get_by_test_id("import-result")
    expect(result).to_contain_text("Paid: 1")
    expect(result).to_contain_text("Partly paid: 1")
    expect(result).to_contain_text("Denied: 1")
    assert_accessible(page)
    _shot(page, "2_era_imported")

    # 3. The denials worklist: the denied claim's two lines and the other claim's one.
    page.goto(f"{live_server.url}/billing/denials/")
    rows = page.get_by_test_id("denial-row")
    expect(rows).to_have_count(3)
    assert_accessible(page)
    _shot(page, "3_denials")

    # 4. The denied claim: corrected, and sent again as a replacement of the payer's claim.
    rows.get_by_role("link", name=denied.number).first.click()
    assert_accessible(page)
    page.locator("#correct-reason").fill("Procedure code checked against the signed note.")
    page.get_by_role("button", name="Mark corrected").click()
    expect(page.get_by_text(f"Claim {denied.number}: correct recorded.")).to_be_visible()
    expect(page.get_by_test_id("denial-history")).to_contain_text("Corrected, to resubmit")
    assert_accessible(page)
    _shot(page, "4_corrected")
    page.goto(f"{live_server.url}/billing/exports/")
    listed = page.get_by_test_id("exportable").locator("tbody tr")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("Replacement of a prior claim")
    assert_accessible(page)
    page.get_by_test_id("export").click()
    expect(page.get_by_test_id("batches").locator("li")).to_have_count(2)
    assert_accessible(page)
    resent = Claim.objects.get(pk=denied.pk)
    assert (resent.state, resent.frequency_code) == (S.SUBMITTED, ClaimFrequency.REPLACEMENT)
    assert "REF*F8*" + resent.payer_claim_number in resent.batch.content

    # 5. The other claim's denied line: appealed, and its letter downloaded as a PDF.
    page.goto(f"{live_server.url}/billing/denials/")
    expect(rows).to_have_count(2)  # the corrected claim's other line is still listed
    assert_accessible(page)
    rows.get_by_role("link", name=line_denied.number).click()
    assert_accessible(page)
    page.locator("#appeal-reason").fill(
        "The psychotherapy add-on was separately documented with its own time."
    )
    page.get_by_role("button", name="Record the appeal").click()
    expect(page.get_by_text(f"Claim {line_denied.number}: appeal recorded.")).to_be_visible()
    assert_accessible(page)
    _shot(page, "5_appeal")
    with page.expect_download() as download:
        page.get_by_test_id("action-appeal").get_by_role("link", name="letter (PDF)").click()
    letter = Path(download.value.path()).read_bytes()
    assert letter.startswith(b"%PDF")
    text = _pdf_text(letter)
    assert f"Appeal of claim {line_denied.number}" in text
    assert "separately documented with its own time" in text
    assert download.value.suggested_filename == f"appeal-{line_denied.number}.pdf"

    # 6. The billing dashboard: the money measured over these claims, each figure a link to
    # the claims behind it.
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Billing dashboard")).to_be_visible()
    expect(page.get_by_test_id("figure-denial-rate")).to_be_visible()
    expect(page.get_by_test_id("aging-table")).to_be_visible()
    assert_accessible(page)
    _shot(page, "6_dashboard")
    in_ar = Claim.objects.filter(figures.in_ar()).count()
    assert in_ar >= 1  # the corrected claim is out again, unpaid
    page.get_by_test_id("figure-days-in-ar").get_by_role("link").last.click()
    expect(page.get_by_test_id("dashboard-filter")).to_contain_text("In A/R")
    expect(page.get_by_test_id("claim-row")).to_have_count(in_ar)
    expect(page.locator(f'[data-claim="{denied.number}"]')).to_be_visible()
    assert_accessible(page)
