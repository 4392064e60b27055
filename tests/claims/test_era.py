"""Posting 835 remittances: paid, partly paid, denied, reversed, unmatched, repeated."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from claims.era import era_import, unmatched_attach, unmatched_dismiss
from claims.export import claim_batch_export
from claims.models import (
    Claim,
    ClaimPayment,
    ClaimState,
    LinePayment,
    PaymentAdjustment,
    UnmatchedRemittance,
)
from claims.transitions import claim_transition
from claims.x12.validate import x12_validate
from tests.claims.helpers import signed_claim
from tests.claims.payer_files import Adj, ClaimPay, SvcLine, era_835

pytestmark = pytest.mark.django_db
S = ClaimState


def submitted(prescriber, biller, **kwargs) -> Claim:
    """A claim signed, approved and sent in an 837P file (99214 $200 + 90833 $100)."""
    claim = signed_claim(clinician=prescriber.clinician, **kwargs)
    claim_transition(user=biller, claim=claim, to_state=S.APPROVED, version=claim.version)
    claim_batch_export(user=biller, claim_ids=[claim.pk])
    claim.refresh_from_db()
    assert claim.state == S.SUBMITTED
    return claim


def paid_in_full(claim: Claim, **kwargs) -> ClaimPay:
    """The payer allows 170 + 80 and pays it all (CO-45 takes the rest)."""
    dos = claim.date_of_service
    return ClaimPay(
        claim.number,
        "1",
        "300",
        "250",
        lines=[
            SvcLine(
                "99214",
                "200",
                "170",
                date=dos,
                control=f"{claim.number}-1",
                allowed="170",
                adjustments=[Adj("CO", "45", "30")],
            ),
            SvcLine(
                "90833",
                "100",
                "80",
                date=dos,
                control=f"{claim.number}-2",
                allowed="80",
                adjustments=[Adj("CO", "45", "20")],
            ),
        ],
        **kwargs,
    )


def imported(biller, text: str, name: str = "era.835"):
    assert x12_validate(text) == []  # the builder writes what a payer would
    return era_import(user=biller, name=name, content=text)


def test_a_paid_claim_is_posted_line_by_line_with_its_adjustments(prescriber, biller):
    claim = submitted(prescriber, biller)
    _, result = imported(biller, era_835([paid_in_full(claim)]))
    assert result.claims_paid == 1
    assert result.unmatched == []
    claim.refresh_from_db()
    assert claim.state == S.PAID
    assert claim.paid_amount == Decimal("250.00")
    assert claim.payer_claim_number == "2026112000001"  # CLP07, kept for a correction
    payment = ClaimPayment.objects.get(claim=claim)
    assert (payment.trace_number, payment.status_code, payment.paid) == ("EFT0001", "1", 250)
    lines = list(LinePayment.objects.filter(payment=payment).order_by("id"))
    assert [(ln.claim_line.position, ln.allowed, ln.paid, ln.matched_by) for ln in lines] == [
        (1, Decimal("170.00"), Decimal("170.00"), "control"),
        (2, Decimal("80.00"), Decimal("80.00"), "control"),
    ]
    adjustments = PaymentAdjustment.objects.filter(payment=payment).order_by("id")
    assert [(a.line.code, a.group, a.carc, a.amount) for a in adjustments] == [
        ("99214", "CO", "45", Decimal("30.00")),
        ("90833", "CO", "45", Decimal("20.00")),
    ]
    assert claim.transitions.last().reason.startswith("835 EFT0001: paid, paid 250")


def test_a_claim_with_patient_responsibility_is_partly_paid(prescriber, biller):
    claim = submitted(prescriber, biller)
    pay = paid_in_full(claim, patient_responsibility="30")
    pay.paid = "220"
    pay.lines[0].paid = "140"
    pay.lines[0].adjustments.append(Adj("PR", "2", "30"))
    pay.lines[0].rarcs = ("N130",)
    _, result = imported(biller, era_835([pay]))
    assert result.claims_partly_paid == 1
    claim.refresh_from_db()
    assert claim.state == S.PARTLY_PAID
    line = LinePayment.objects.get(claim_line__position=1)
    assert line.patient_responsibility == Decimal("30.00")
    assert line.rarcs == ["N130"]
    assert {(a.group, a.carc) for a in line.adjustments.all()} == {("CO", "45"), ("PR", "2")}


def test_a_denied_claim_keeps_the_carc_and_the_payers_claim_number(prescriber, biller):
    claim = submitted(prescriber, biller)
    pay = ClaimPay(
        claim.number,
        "4",
        "300",
        "0",
        payer_claim_number="ICN777",
        lines=[
            SvcLine(
                "99214",
                "200",
                "0",
                date=claim.date_of_service,
                adjustments=[Adj("CO", "50", "200")],
                rarcs=("N56",),
            ),
            SvcLine(
                "90833",
                "100",
                "0",
                date=claim.date_of_service,
                adjustments=[Adj("CO", "50", "100")],
            ),
        ],
    )
    _, result = imported(biller, era_835([pay]))
    assert result.claims_denied == 1
    claim.refresh_from_db()
    assert (claim.state, claim.denial_code, claim.payer_claim_number) == (S.DENIED, "50", "ICN777")
    # matched by code and date: this payer does not return our line control numbers
    assert set(LinePayment.objects.values_list("matched_by", flat=True)) == {"code_date"}


def test_a_line_whose_modifier_the_payer_dropped_still_matches_its_line(prescriber, biller):
    claim = submitted(prescriber, biller, setting="video", patient_at_home=True)
    billed = {ln.code: ln.modifiers for ln in claim.lines.all()}
    assert billed["90833"]  # billed with a telehealth modifier (95)
    pay = paid_in_full(claim)
    for line in pay.lines:
        line.control = ""  # no REF*6R back, and the modifier dropped
        line.modifiers = ()
    _, result = imported(biller, era_835([pay]))
    assert result.unmatched == []
    matched = dict(LinePayment.objects.values_list("code", "matched_by"))
    assert matched["90833"] == "modifiers"
    assert LinePayment.objects.get(code="90833").claim_line.code == "90833"


def test_the_same_file_twice_is_posted_once_and_the_second_import_says_so(prescriber, biller):
    claim = submitted(prescriber, biller)
    text = era_835([paid_in_full(claim)])
    imported(biller, text)
    _, again = imported(biller, text, name="era-again.835")
    assert again.already_posted == 1
    assert again.claims_paid == 0
    assert ClaimPayment.objects.filter(claim=claim).count() == 1
    assert claim.transitions.filter(to_state=S.PAID).count() == 1


def test_the_same_payment_in_a_later_file_is_not_posted_again(prescriber, biller):
    first = submitted(prescriber, biller)
    second = submitted(prescriber, biller)
    imported(biller, era_835([paid_in_full(first)]))
    # the payer re-sends the same EFT with another claim added
    _, later = imported(biller, era_835([paid_in_full(first), paid_in_full(second)]))
    assert (later.already_posted, later.claims_paid) == (1, 1)
    assert ClaimPayment.objects.count() == 2


def test_the_database_refuses_a_second_posting_of_one_payment(prescriber, biller):
    from django.db import IntegrityError, transaction

    claim = submitted(prescriber, biller)
    imported(biller, era_835([paid_in_full(claim)]))
    row = ClaimPayment.objects.get()
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_a_reversal_undoes_the_posting_and_a_new_payment_follows(prescriber, biller):
    claim = submitted(prescriber, biller)
    imported(biller, era_835([paid_in_full(claim)]))
    reversal = paid_in_full(claim)
    reversal.status, reversal.charge, reversal.paid = "22", "-300", "-250"
    for line in reversal.lines:
        line.charge, line.paid = f"-{line.charge}", f"-{line.paid}"
        line.adjustments = [Adj("CO", "45", f"-{a.amount}") for a in line.adjustments]
    corrected = paid_in_full(claim)
    corrected.paid = "240"
    corrected.patient_responsibility = "10"
    corrected.lines[1].paid = "70"
    corrected.lines[1].adjustments.append(Adj("PR", "3", "10"))
    _, result = imported(biller, era_835([reversal, corrected], trace="EFT0002"))
    assert (result.reversed, result.claims_partly_paid) == (1, 1)
    claim.refresh_from_db()
    assert claim.state == S.PARTLY_PAID
    assert claim.paid_amount == Decimal("240.00")
    first, undo, new = ClaimPayment.objects.order_by("id")
    assert first.reversed_by == undo
    assert undo.reversal
    assert not new.reversal
    states = list(claim.transitions.values_list("to_state", flat=True))
    assert states[-3:] == [S.PAID, S.SUBMITTED, S.PARTLY_PAID]


def test_a_reversal_of_nothing_posted_goes_to_the_unmatched_list(prescriber, biller):
    claim = submitted(prescriber, biller)
    reversal = paid_in_full(claim)
    reversal.status = "22"
    _, result = imported(biller, era_835([reversal]))
    assert result.reversed == 0
    assert "no posted payment" in result.unmatched[0]["reason"]
    claim.refresh_from_db()
    assert claim.state == S.SUBMITTED


def test_an_unknown_claim_goes_to_the_unmatched_list_and_a_biller_attaches_it(prescriber, biller):
    claim = submitted(prescriber, biller)
    pay = paid_in_full(claim)
    pay.claim_number = "PATIENT-ACCT-9"  # the payer keyed its own number
    _, result = imported(biller, era_835([pay]))
    assert result.unmatched[0]["claim"] == "PATIENT-ACCT-9"
    item = UnmatchedRemittance.objects.get()
    assert item.status == "open"
    assert item.patient_name == "JANE DOE"
    unmatched_attach(user=biller, item_id=item.pk, claim_number=claim.number)
    claim.refresh_from_db()
    assert claim.state == S.PAID
    item.refresh_from_db()
    assert (item.status, item.claim, item.resolved_by) == ("attached", claim, biller)
    assert ClaimPayment.objects.get().trace_number == "EFT0001"


def test_an_unmatched_line_is_listed_and_attached_to_a_line_by_hand(prescriber, biller):
    claim = submitted(prescriber, biller)
    pay = paid_in_full(claim)
    pay.lines[1].code, pay.lines[1].control = "90836", ""  # a code we did not bill
    _, result = imported(biller, era_835([pay]))
    assert "90836" in result.unmatched[0]["reason"]
    item = UnmatchedRemittance.objects.get()
    assert item.claim == claim
    assert item.line_payment.claim_line is None
    with pytest.raises(ValidationError):
        unmatched_attach(user=biller, item_id=item.pk, claim_number=claim.number)
    unmatched_attach(user=biller, item_id=item.pk, claim_number=claim.number, position=2)
    item.line_payment.refresh_from_db()
    assert item.line_payment.claim_line.position == 2
    assert item.line_payment.matched_by == "by_hand"


def test_a_dismissal_needs_a_reason(prescriber, biller):
    claim = submitted(prescriber, biller)
    pay = paid_in_full(claim)
    pay.claim_number = "NOT-OURS"
    imported(biller, era_835([pay]))
    item = UnmatchedRemittance.objects.get()
    with pytest.raises(ValidationError):
        unmatched_dismiss(user=biller, item_id=item.pk, reason=" ")
    unmatched_dismiss(user=biller, item_id=item.pk, reason="Another practice's patient")
    item.refresh_from_db()
    assert (item.status, item.resolution) == ("dismissed", "Another practice's patient")


def test_a_payment_for_a_claim_not_yet_sent_is_not_posted(prescriber, biller):
    claim = signed_claim(clinician=prescriber.clinician)  # queued
    _, result = imported(biller, era_835([paid_in_full(claim)]))
    assert "not waiting" in result.unmatched[0]["reason"]
    assert Claim.objects.get(pk=claim.pk).state == S.QUEUED
    assert not ClaimPayment.objects.exists()


def test_an_invalid_835_posts_nothing_and_names_the_segment(prescriber, biller):
    claim = submitted(prescriber, biller)
    text = era_835([paid_in_full(claim)]).replace(
        f"CLP*{claim.number}*1*", f"CLP*{claim.number}*Q*"
    )
    with pytest.raises(ValidationError, match="CLP02"):
        era_import(user=biller, name="bad.835", content=text)
    assert not ClaimPayment.objects.exists()
    with pytest.raises(ValidationError, match="not an X12 file"):
        era_import(user=biller, name="x.txt", content="hello")


def test_only_billers_import(prescriber, biller):
    claim = submitted(prescriber, biller)
    with pytest.raises(PermissionDenied):
        era_import(user=prescriber, name="era.835", content=era_835([paid_in_full(claim)]))


def test_import_era_command_prints_one_json_object(prescriber, biller, tmp_path, capsys):
    claim = submitted(prescriber, biller)
    denied = submitted(prescriber, biller)
    deny = ClaimPay(denied.number, "4", "300", "0", adjustments=[Adj("CO", "197", "300")])
    path = tmp_path / "era.835"
    path.write_text(era_835([paid_in_full(claim), deny]))
    call_command("import_era", str(path), user=biller.username)
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "claims_paid": 1,
        "claims_partly_paid": 0,
        "claims_denied": 1,
        "reversed": 0,
        "already_posted": 0,
        "unmatched": [],
    }
    call_command("import_era", str(path), user=biller.username)
    assert json.loads(capsys.readouterr().out)["already_posted"] == 2


def test_the_import_runs_a_fixed_number_of_queries(prescriber, biller, django_assert_num_queries):
    claims = [submitted(prescriber, biller) for _ in range(3)]
    text = era_835([paid_in_full(c) for c in claims])
    # savepoint (2), the file and its summary (2), claims + lines (2), posted keys and last
    # postings (2), the file's access record (1); per claim: payment, lines, adjustments,
    # claim update, transition, access record (6), however many lines and adjustments.
    with django_assert_num_queries(9 + 6 * 3):
        era_import(user=biller, name="era.835", content=text)


def test_a_claim_forwarded_to_a_secondary_payer_is_paid_and_says_where(prescriber, biller):
    claim = submitted(prescriber, biller)
    pay = paid_in_full(claim, forwarded_to="MEDICAID OF NY")
    pay.status = "19"
    _, result = imported(biller, era_835([pay]))
    assert result.claims_paid == 1
    payment = ClaimPayment.objects.get()
    assert (payment.status_code, payment.forwarded_to) == ("19", "MEDICAID OF NY")
    assert "forwarded to MEDICAID OF NY" in claim.transitions.last().reason


def test_a_secondary_payment_on_a_paid_claim_is_stored_without_a_state_change(prescriber, biller):
    claim = submitted(prescriber, biller)
    first = paid_in_full(claim, patient_responsibility="30")
    first.paid = "220"
    first.lines[0].paid = "140"
    first.lines[0].adjustments.append(Adj("PR", "2", "30"))
    imported(biller, era_835([first]))
    secondary = ClaimPay(claim.number, "2", "300", "30", payer_claim_number="SEC1")
    _, result = imported(biller, era_835([secondary], trace="CHK555", payer_key="1888888888"))
    assert result.claims_paid == 1
    claim.refresh_from_db()
    assert claim.state == S.PARTLY_PAID
    assert ClaimPayment.objects.filter(claim=claim).count() == 2


def test_era_outcome_rules():
    from claims.era import era_outcome
    from claims.x12.era_read import EraAdjustment, EraClaim

    def clp(status, paid, pr="0", adjustments=()):
        return EraClaim(
            "C1",
            status,
            Decimal("300"),
            Decimal(paid),
            Decimal(pr),
            "X",
            adjustments=tuple(adjustments),
        )

    co45 = EraAdjustment("CO", "45", Decimal("50"))
    assert era_outcome(clp("1", "250", adjustments=[co45])) == S.PAID
    assert era_outcome(clp("1", "300")) == S.PAID
    assert (
        era_outcome(clp("1", "200", "50", [co45, EraAdjustment("PR", "1", Decimal("50"))]))
        == S.PARTLY_PAID
    )
    assert (
        era_outcome(clp("1", "0", "300", [EraAdjustment("PR", "1", Decimal("300"))]))
        == S.PARTLY_PAID
    )
    assert (
        era_outcome(clp("4", "0", adjustments=[EraAdjustment("CO", "50", Decimal("300"))]))
        == S.DENIED
    )
    assert (
        era_outcome(clp("1", "0", adjustments=[EraAdjustment("CO", "97", Decimal("300"))]))
        == S.DENIED
    )


def test_an_unmatched_payment_repeated_in_a_later_file_is_listed_once(prescriber, biller):
    claim = submitted(prescriber, biller)
    stray = paid_in_full(claim)
    stray.claim_number = "PAYER-OWN-7"
    text = era_835([stray])
    imported(biller, text)
    _, again = imported(biller, text)
    assert again.unmatched == [
        {"claim": "PAYER-OWN-7", "reason": "Already on the unmatched list (from an earlier file)."}
    ]
    assert UnmatchedRemittance.objects.count() == 1
    # once a biller attached it, the payment is posted: a third file says so
    unmatched_attach(
        user=biller, item_id=UnmatchedRemittance.objects.get().pk, claim_number=claim.number
    )
    _, third = imported(biller, text)
    assert (third.already_posted, third.unmatched) == (1, [])
    assert ClaimPayment.objects.count() == 1
