"""Manual payer answers (paper EOBs) get the checks an ERA gets: no payment above the
charge without a confirmed reason, CARC and RARC codes from the shipped lists."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.models import AdjustmentCodeText, ClaimState
from claims.remittance import claim_payer_answer
from tests.claims.test_era import submitted

pytestmark = pytest.mark.django_db
S = ClaimState


def test_a_payment_of_99999_on_a_300_claim_is_refused(prescriber, biller):
    claim = submitted(prescriber, biller)
    with pytest.raises(ValidationError) as caught:
        claim_payer_answer(
            user=biller,
            claim=claim,
            version=claim.version,
            outcome="paid",
            amount=Decimal("99999"),
        )
    assert "more than the claim's charge" in caught.value.message_dict["amount"][0]
    claim.refresh_from_db()
    assert (claim.state, claim.paid_amount) == (S.SUBMITTED, None)


def test_a_payment_above_the_charge_is_taken_with_a_confirmed_reason(prescriber, biller):
    claim = submitted(prescriber, biller)
    claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome="paid",
        amount=Decimal("310.00"),
        over_charge_reason="Interest on a late payment (CARC 225)",
    )
    claim.refresh_from_db()
    assert (claim.state, claim.paid_amount) == (S.PAID, Decimal("310.00"))
    assert "Interest on a late payment" in claim.transitions.last().reason


def test_the_carc_zzz_is_refused(prescriber, biller):
    claim = submitted(prescriber, biller)
    with pytest.raises(ValidationError) as caught:
        claim_payer_answer(
            user=biller, claim=claim, version=claim.version, outcome="denied", carc="ZZZ"
        )
    assert "ZZZ" in caught.value.message_dict["carc"][0]
    assert claim.__class__.objects.get(pk=claim.pk).state == S.SUBMITTED


def test_a_shipped_carc_and_rarc_are_taken(prescriber, biller):
    claim = submitted(prescriber, biller)
    claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome="denied",
        carc="co-50",
        rarcs="N56 m76",
    )
    claim.refresh_from_db()
    assert (claim.state, claim.denial_code) == (S.DENIED, "50")
    assert "RARC N56, M76" in claim.transitions.last().reason


def test_an_unknown_rarc_is_refused_and_a_licensed_one_is_taken(prescriber, biller):
    claim = submitted(prescriber, biller)
    with pytest.raises(ValidationError) as caught:
        claim_payer_answer(
            user=biller,
            claim=claim,
            version=claim.version,
            outcome="denied",
            carc="16",
            rarcs="N999",
        )
    assert "N999" in caught.value.message_dict["rarcs"][0]
    AdjustmentCodeText.objects.create(kind="RARC", code="N999", text="Loaded by the admin")
    claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome="denied",
        carc="16",
        rarcs="N999",
    )


def test_the_payer_answer_form_shows_the_errors_not_a_500(prescriber, biller, client):
    claim = submitted(prescriber, biller)
    client.force_login(biller)
    url = reverse("claims:claim-payer-answer", kwargs={"claim_id": claim.pk})
    response = client.post(url, {"version": claim.version, "outcome": "paid", "amount": "99999"})
    assert response.status_code == 200
    assert "more than the claim&#x27;s charge" in response.content.decode()
    response = client.post(url, {"version": claim.version, "outcome": "denied", "carc": "ZZZ"})
    assert response.status_code == 200
    assert "ZZZ" in response.content.decode()
    assert claim.__class__.objects.get(pk=claim.pk).state == S.SUBMITTED


def test_a_claim_accepted_by_a_277ca_is_answered_on_paper_too(prescriber, biller, client):
    from claims.acks import ack_import
    from tests.claims.payer_files import ClaimStatus, ack_277ca

    claim = submitted(prescriber, biller)
    ack_import(user=biller, name="ack", content=ack_277ca([ClaimStatus(claim.number, "A2")]))
    claim.refresh_from_db()
    client.force_login(biller)
    page = client.get(reverse("claims:claim-detail", kwargs={"claim_id": claim.pk}))
    assert 'data-testid="payer-answer"' in page.content.decode()
    claim_payer_answer(
        user=biller, claim=claim, version=claim.version, outcome="paid", amount=Decimal("250")
    )
    claim.refresh_from_db()
    assert claim.state == S.PAID
