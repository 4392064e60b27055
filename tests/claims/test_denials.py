"""The denial worklist: denied, partly denied and underpaid lines, and what billers do."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import AccessRecord
from claims.adjustment_codes import adjustment_code
from claims.models import ClaimState, DenialAction, LinePayment
from tests.claims.payer_files import DAY, Adj, ClaimPay, SvcLine, era_835
from tests.claims.test_era import imported, paid_in_full, submitted
from tests.factories import ClinicianFactory

pytestmark = pytest.mark.django_db
S = ClaimState
WORKLIST = reverse("claims:denial-worklist")


def denied(claim, carc: str = "50", rarcs: tuple[str, ...] = ("N56",)) -> ClaimPay:
    dos = claim.date_of_service
    return ClaimPay(
        claim.number,
        "4",
        "300",
        "0",
        payer_claim_number="ICN777",
        lines=[
            SvcLine(
                "99214", "200", "0", date=dos, adjustments=[Adj("CO", carc, "200")], rarcs=rarcs
            ),
            SvcLine("90833", "100", "0", date=dos, adjustments=[Adj("CO", carc, "100")]),
        ],
    )


def partly_denied(claim) -> ClaimPay:
    """99214 paid at the contract; 90833 paid 40 of 80 allowed, CO-97 takes the rest."""
    pay = paid_in_full(claim)
    pay.paid = "210"
    pay.lines[1].paid = "40"
    pay.lines[1].adjustments.append(Adj("CO", "97", "40"))
    return pay


def underpaid(claim) -> ClaimPay:
    """99214 allowed and paid 120 (the fee schedule expects 150); 90833 as expected."""
    pay = paid_in_full(claim)
    pay.paid = "200"
    pay.lines[0].paid = "120"
    pay.lines[0].allowed = "120"
    pay.lines[0].adjustments = [Adj("CO", "45", "80")]
    return pay


def rows(response):
    return response.context["worklist"].rows


def test_the_worklist_shows_denied_lines_with_codes_explained_rules_and_deadline(
    client_for, prescriber, biller
):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([denied(claim)]))
    response = client_for(biller).get(WORKLIST)
    assert response.status_code == 200
    found = rows(response)
    assert [(r.line.code, r.kind, r.denied_amount) for r in found] == [
        ("99214", "denied", Decimal("200.00")),
        ("90833", "denied", Decimal("100.00")),
    ]
    first = found[0]
    assert first.rules  # the engine's rule ids behind 99214, from the signed proposal
    assert all("-" in rule for rule in first.rules)
    assert first.appeal_deadline == DAY + datetime.timedelta(days=claim.payer.appeal_days)
    assert first.age_days == (timezone.localdate() - DAY).days
    body = response.content.decode()
    assert "CO-50" in body
    assert escape(adjustment_code("CARC", "50").explanation) in body
    assert "N56" in body
    assert claim.patient.last_name in body


def test_a_payer_with_fewer_days_to_appeal_moves_the_deadline(client_for, prescriber, biller):
    claim = submitted(prescriber, biller)
    claim.payer.appeal_days = 30
    claim.payer.save(update_fields=["appeal_days"])
    imported(biller, era_835([denied(claim)]))
    row = rows(client_for(biller).get(WORKLIST))[0]
    assert row.appeal_deadline == DAY + datetime.timedelta(days=30)


def test_a_partly_denied_line_is_listed_and_the_contract_reduction_is_not(
    client_for, prescriber, biller
):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([partly_denied(claim)]))
    found = rows(client_for(biller).get(WORKLIST))
    assert [(r.line.code, r.kind, r.denied_amount) for r in found] == [
        ("90833", "partly denied", Decimal("40.00"))
    ]


def test_a_paid_claim_puts_nothing_on_the_worklist(client_for, prescriber, biller):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([paid_in_full(claim)]))
    assert rows(client_for(biller).get(WORKLIST)) == []
    assert rows(client_for(biller).get(WORKLIST, {"show": "underpaid"})) == []


def test_an_underpaid_line_is_flagged_with_the_difference_on_the_worklist_and_claim_page(
    client_for, prescriber, biller
):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([underpaid(claim)]))
    client = client_for(biller)
    assert rows(client.get(WORKLIST)) == []  # not a denial
    found = rows(client.get(WORKLIST, {"show": "underpaid"}))
    assert [(r.line.code, r.kind, r.underpaid_by) for r in found] == [
        ("99214", "underpaid", Decimal("30.00"))
    ]
    page = client.get(reverse("claims:claim-detail", args=[claim.pk]))
    assert page.context["underpayments"] == {claim.lines.get(position=1).pk: Decimal("30.00")}
    assert 'data-testid="underpaid-1"' in page.content.decode()


def test_filters_by_payer_clinician_carc_and_age(client_for, prescriber, biller):
    first = submitted(prescriber, biller)
    other = submitted(ClinicianFactory(credential="MD").user, biller, payer_slug="medicaid")
    imported(biller, era_835([denied(first, "50"), denied(other, "16", rarcs=())]))
    client = client_for(biller)

    def numbers(**query):
        return {r.claim.number for r in rows(client.get(WORKLIST, query))}

    assert numbers() == {first.number, other.number}
    assert numbers(payer=other.payer_id) == {other.number}
    assert numbers(clinician=first.clinician_id) == {first.number}
    assert numbers(carc="16") == {other.number}
    age = (timezone.localdate() - DAY).days
    bucket = "0-30" if age <= 30 else "31-60" if age <= 60 else "61-90" if age <= 90 else "90+"
    assert numbers(age=bucket) == {first.number, other.number}
    assert numbers(age="90+" if bucket != "90+" else "0-30") == set()
    assert numbers(payer="not-a-number") == {first.number, other.number}


def test_the_worklist_query_count_does_not_grow_with_its_rows(client_for, prescriber, biller):
    client = client_for(biller)
    claim = submitted(prescriber, biller)
    imported(biller, era_835([denied(claim)]), name="one.835")
    client.get(WORKLIST)  # the first request after sign-in writes the idle clock
    with CaptureQueriesContext(connection) as few:
        assert len(rows(client.get(WORKLIST))) == 2
    more = [submitted(ClinicianFactory(credential="MD").user, biller) for _ in range(4)]
    imported(biller, era_835([denied(c) for c in more], trace="EFT0002"), name="more.835")
    with CaptureQueriesContext(connection) as many:
        assert len(rows(client.get(WORKLIST))) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_worklist_writes_one_access_record_naming_its_patients(client_for, prescriber, biller):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([denied(claim)]))
    last = AccessRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    client_for(biller).get(WORKLIST)
    record = AccessRecord.objects.get(id__gt=last)
    assert record.patient_ids == [claim.patient_id]


def test_prescribers_cannot_open_the_worklist_or_a_line(client_for, prescriber, biller):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([denied(claim)]))
    line = LinePayment.objects.first()
    client = client_for(prescriber)
    assert client.get(WORKLIST).status_code == 403
    assert client.get(reverse("claims:denial-line", args=[line.pk])).status_code == 403


def _line(claim, code="99214") -> LinePayment:
    return LinePayment.objects.get(payment__claim=claim, code=code)


def test_write_off_needs_a_reason_and_is_recorded(client_for, prescriber, biller):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([denied(claim)]))
    line = _line(claim)
    url = reverse("claims:denial-action", args=[line.pk, "write-off"])
    client = client_for(biller)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "A reason is required" in response.content.decode()
    assert not DenialAction.objects.exists()
    client.post(url, {"reason": "Past the payer's filing limit"})
    action = DenialAction.objects.get()
    assert (action.kind, action.user, action.amount, action.reason) == (
        "write_off",
        biller,
        Decimal("200.00"),
        "Past the payer's filing limit",
    )
    assert [r.line.code for r in rows(client.get(WORKLIST))] == ["90833"]
    assert len(rows(client.get(WORKLIST, {"show": "all"}))) == 2
    again = client.post(url, {"reason": "twice"})
    assert again.status_code == 400
    assert "worked already" in again.content.decode()


def test_bill_the_patient_records_the_amount_within_what_is_unpaid(client_for, prescriber, biller):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([partly_denied(claim)]))
    line = _line(claim, "90833")
    url = reverse("claims:denial-action", args=[line.pk, "bill-patient"])
    client = client_for(biller)
    too_much = client.post(url, {"amount": "90.00"})
    assert too_much.status_code == 400
    assert "At most 60.00" in too_much.content.decode()
    assert client.post(url, {"amount": "abc"}).status_code == 400
    client.post(url, {"amount": "40.00", "reason": "Out-of-network share"})
    action = DenialAction.objects.get()
    assert (action.kind, action.amount) == ("bill_patient", Decimal("40.00"))


def test_correct_and_resubmit_reuses_the_corrected_claim_flow(client_for, prescriber, biller):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([denied(claim, "4")]))
    claim.refresh_from_db()
    line = _line(claim)
    url = reverse("claims:denial-action", args=[line.pk, "correct"])
    client = client_for(biller)
    missing = client.post(url, {"version": claim.version, "reason": ""})
    assert missing.status_code == 400
    client.post(url, {"version": claim.version, "reason": "Added modifier 25"})
    claim.refresh_from_db()
    assert (claim.state, claim.frequency_code, claim.payer_claim_number) == (
        S.CORRECTED,
        "7",
        "ICN777",
    )
    assert claim.transitions.last().reason == "Added modifier 25"
    action = DenialAction.objects.get()
    assert (action.kind, action.user, action.reason) == (
        "correct_resubmit",
        biller,
        "Added modifier 25",
    )


def test_an_appeal_is_recorded_its_letter_is_a_pdf_without_note_text_and_its_outcome_closes_it(
    client_for, prescriber, biller
):
    claim = submitted(prescriber, biller, pt_note="SECRET-NOTE-TEXT about the session")
    imported(biller, era_835([denied(claim)]))
    line = _line(claim)
    client = client_for(biller)
    letter_url = reverse("claims:denial-appeal-letter", args=[line.pk])
    assert client.get(letter_url).status_code == 302  # no appeal yet
    appeal = reverse("claims:denial-action", args=[line.pk, "appeal"])
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    bad = client.post(appeal, {"reason": "Necessary", "sent_on": future})
    assert bad.status_code == 400
    assert "future" in bad.content.decode()
    client.post(appeal, {"reason": "The visit was medically necessary", "sent_on": str(DAY)})
    sent = DenialAction.objects.get()
    assert (sent.kind, sent.sent_on) == ("appeal", DAY)
    response = client.get(letter_url)
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert b"SECRET-NOTE-TEXT" not in pdf
    assert [r.line.code for r in rows(client.get(WORKLIST))] == ["99214", "90833"]  # waiting
    outcome = reverse("claims:denial-action", args=[line.pk, "appeal-outcome"])
    assert client.post(outcome, {"outcome": "maybe"}).status_code == 400
    client.post(outcome, {"outcome": "won", "reason": "Reprocessed"})
    assert DenialAction.objects.last().outcome == "won"
    assert [r.line.code for r in rows(client.get(WORKLIST))] == ["90833"]


def test_the_line_page_shows_the_history_and_writes_an_access_record(
    client_for, prescriber, biller
):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([denied(claim)]))
    line = _line(claim)
    client = client_for(biller)
    client.post(reverse("claims:denial-action", args=[line.pk, "write-off"]), {"reason": "Small"})
    last = AccessRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    page = client.get(reverse("claims:denial-line", args=[line.pk]))
    assert "Written off" in page.content.decode()
    assert AccessRecord.objects.get(id__gt=last).patient_ids == [claim.patient_id]


def test_a_line_paid_as_expected_has_no_denial_page(client_for, prescriber, biller):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([paid_in_full(claim)]))
    line = _line(claim)
    client = client_for(biller)
    assert client.get(reverse("claims:denial-line", args=[line.pk])).status_code == 404
    write_off = reverse("claims:denial-action", args=[line.pk, "write-off"])
    assert client.post(write_off, {"reason": "No"}).status_code == 404
    assert not DenialAction.objects.exists()


def _pdf_text(pdf: bytes) -> str:
    """The text of an fpdf2 PDF: its page streams, inflated."""
    import re
    import zlib

    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            out.append(stream.decode("latin-1"))
    return "".join(out)


def test_the_appeal_letter_carries_the_claim_lines_diagnoses_and_rule_ids(
    client_for, prescriber, biller
):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([denied(claim)]))
    line = _line(claim)
    client = client_for(biller)
    client.post(
        reverse("claims:denial-action", args=[line.pk, "appeal"]),
        {"reason": "Documented MDM supports 99214", "sent_on": str(DAY)},
    )
    row = rows(client.get(WORKLIST))[0]
    text = _pdf_text(client.get(reverse("claims:denial-appeal-letter", args=[line.pk])).content)
    assert f"Appeal of claim {claim.number}" in text
    assert "Documented MDM supports 99214" in text
    assert claim.diagnoses[0] in text
    assert "CO-50" in text
    assert row.rules
    assert all(rule in text for rule in row.rules)
