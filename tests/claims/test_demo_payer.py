"""The demo payer's files (claims.demo_payer) validate and post as a payer's would; and a
hand-written 835 (not from our writer) posts too, so the reader is not tested only against
our own files."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from claims.acks import ack_import
from claims.demo_payer import (
    Answer,
    demo_277ca,
    demo_999,
    demo_answer,
    demo_era,
    demo_era_for,
    demo_payment,
    demo_reversal,
)
from claims.era import era_import
from claims.models import Claim, ClaimPayment, ClaimState, LinePayment, PaymentAdjustment
from claims.x12.validate import x12_validate
from tests.claims.test_era import submitted

pytestmark = pytest.mark.django_db
S = ClaimState
DAY = datetime.date(2026, 11, 20)
HANDWRITTEN = Path(__file__).parent / "data" / "era-handwritten.835"


def posted(biller, claim: Claim, answer: Answer) -> Claim:
    text = demo_era_for([claim], seed=1, day=DAY, trace="EFT1", answers={claim.number: answer})
    assert x12_validate(text) == []
    era_import(user=biller, name="demo.835", content=text)
    claim.refresh_from_db()
    return claim


def test_paid_in_full_leaves_only_the_contract_reduction(prescriber, biller):
    claim = posted(biller, submitted(prescriber, biller), Answer.PAID)
    assert claim.state == S.PAID
    groups = set(PaymentAdjustment.objects.values_list("group", "carc"))
    assert groups <= {("CO", "45")}
    assert claim.paid_amount == sum(line.expected for line in claim.lines.all())
    assert set(LinePayment.objects.values_list("matched_by", flat=True)) == {"control"}


def test_the_patients_share_makes_the_claim_partly_paid(prescriber, biller):
    claim = posted(biller, submitted(prescriber, biller), Answer.PATIENT_SHARE)
    assert claim.state == S.PARTLY_PAID
    payment = ClaimPayment.objects.get()
    assert payment.patient_responsibility > 0
    share = PaymentAdjustment.objects.get(group="PR")
    assert share.carc in {"1", "2", "3"}
    assert share.amount == payment.patient_responsibility


def test_a_denied_line_beside_a_paid_one_is_partly_paid_with_its_carc_and_remark(
    prescriber, biller
):
    claim = posted(biller, submitted(prescriber, biller), Answer.LINE_DENIED)
    assert claim.state == S.PARTLY_PAID
    first, last = LinePayment.objects.order_by("claim_line__position")
    assert first.paid > 0
    assert last.paid == 0
    assert last.rarcs
    assert claim.denial_code in {"16", "50", "97", "197", "27"}


def test_a_denied_claim_keeps_its_carc(prescriber, biller):
    claim = posted(biller, submitted(prescriber, biller), Answer.DENIED)
    assert claim.state == S.DENIED
    assert claim.denial_code in {"16", "50", "97", "197", "27"}
    assert claim.payer_claim_number.startswith("20261120")


def test_a_reversal_takes_the_payment_back_and_the_new_answer_posts(prescriber, biller):
    claim = posted(biller, submitted(prescriber, biller), Answer.PAID)
    first = demo_payment(claim, seed=1, day=DAY, answer=Answer.PAID)
    again = demo_payment(claim, seed=1, day=DAY, answer=Answer.PATIENT_SHARE)
    text = demo_era([demo_reversal(first), again], day=DAY, trace="EFT2")
    _, result = era_import(user=biller, name="r.835", content=text)
    assert (result.reversed, result.claims_partly_paid) == (1, 1)
    assert Claim.objects.get(pk=claim.pk).state == S.PARTLY_PAID


def test_the_same_seed_and_claims_give_the_same_file_and_answers_vary(prescriber, biller):
    claims = [submitted(prescriber, biller) for _ in range(6)]
    one = demo_era_for(claims, seed=7, day=DAY, trace="EFT9")
    assert demo_era_for(claims, seed=7, day=DAY, trace="EFT9") == one
    answers = {demo_answer(c, seed=s) for c in claims for s in range(20)}
    assert answers == set(Answer)


def test_the_277ca_rejects_the_claims_named_and_the_999_accepts_the_file(prescriber, biller):
    good, bad = submitted(prescriber, biller), submitted(prescriber, biller)
    text = demo_277ca([good, bad], day=DAY, rejected={bad.number: ("A7", "164")})
    _, result = ack_import(user=biller, name="a.277", content=text)
    assert (result.accepted, result.rejected) == (1, 1)
    assert Claim.objects.get(pk=bad.pk).state == S.QUEUED
    _, result = ack_import(user=biller, name="a.999", content=demo_999(good.batch, day=DAY))
    assert (result.kind, result.unchanged) == ("999", 1)


def test_a_hand_written_835_with_other_separators_posts(prescriber, biller):
    """Written by hand after a payer's companion guide: | and > separators, REF*EV, N3/N4 of
    the payee, claim dates; one claim paid with coinsurance, one denied CO-16 with M51."""
    paid, denied = submitted(prescriber, biller), submitted(prescriber, biller)
    text = (
        HANDWRITTEN.read_text()
        .replace("{PAID}", paid.number)
        .replace("{DENIED}", denied.number)
        .replace("{DOS}", f"{paid.date_of_service:%Y%m%d}")
    )
    assert x12_validate(text) == []
    _, result = era_import(user=biller, name=HANDWRITTEN.name, content=text)
    assert (result.claims_partly_paid, result.claims_denied, result.unmatched) == (1, 1, [])
    paid.refresh_from_db()
    denied.refresh_from_db()
    assert (paid.state, paid.paid_amount) == (S.PARTLY_PAID, Decimal("151.20"))
    assert paid.payer_claim_number == "ESHP2026111800017"
    assert ClaimPayment.objects.get(claim=paid).patient_responsibility == Decimal("37.80")
    assert (denied.state, denied.denial_code) == (S.DENIED, "16")
    assert set(
        LinePayment.objects.filter(payment__claim=denied).values_list("matched_by", flat=True)
    ) == {"control"}
    assert all(lp.rarcs == ["M51"] for lp in LinePayment.objects.filter(payment__claim=denied))
