"""Claim states: every allowed change, who may make it, reasons, history, stale versions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import Claim, ClaimFrequency, ClaimState, ClaimTransition
from claims.remittance import claim_payer_answer
from claims.transitions import (
    TRANSITIONS,
    StaleClaimError,
    claim_clinician_answer,
    claim_transition,
)
from encounters.models import Addendum

pytestmark = pytest.mark.django_db
S = ClaimState


ICN = "2026123456789"  # a payer's claim control number (835 CLP07)
BY_HAND = sorted(k for k, t in TRANSITIONS.items() if not t.export and not t.payer_file)


def _in_state(claim: Claim, state: str, icn: str = ICN) -> Claim:
    """``claim`` put in ``state``; a claim the payer answered has its claim number."""
    Claim.objects.filter(pk=claim.pk).update(state=state, payer_claim_number=icn)
    claim.refresh_from_db()
    return claim


def _actor(role, prescriber, biller):
    return prescriber if role == "Prescriber" else biller


@pytest.mark.parametrize(("from_state", "to_state"), BY_HAND, ids=lambda v: str(v))
def test_each_allowed_transition_is_made_by_its_role_and_recorded(
    claim, prescriber, biller, from_state, to_state
):
    rule = TRANSITIONS[(from_state, to_state)]
    claim = _in_state(claim, from_state)
    user = _actor(rule.role, prescriber, biller)
    claim_transition(
        user=user, claim=claim, to_state=to_state, version=claim.version, reason="because"
    )
    claim.refresh_from_db()
    assert claim.state == to_state
    last = claim.transitions.last()
    assert (last.from_state, last.to_state, last.user, last.reason) == (
        from_state,
        to_state,
        user,
        "because",
    )


@pytest.mark.parametrize(("from_state", "to_state"), sorted(TRANSITIONS), ids=lambda v: str(v))
def test_each_transition_is_refused_to_the_other_roles(
    claim, prescriber, biller, compliance, practice_admin, from_state, to_state
):
    rule = TRANSITIONS[(from_state, to_state)]
    claim = _in_state(claim, from_state)
    others = [
        u
        for u in (prescriber, biller, compliance, practice_admin)
        if u != _actor(rule.role, prescriber, biller)
    ]
    for user in others:
        with pytest.raises(PermissionDenied):
            claim_transition(
                user=user, claim=claim, to_state=to_state, version=claim.version, reason="x"
            )
    assert Claim.objects.get(pk=claim.pk).state == from_state


def test_a_transition_not_in_the_table_is_refused(claim, biller):
    with pytest.raises(ValidationError, match="cannot become paid"):
        claim_transition(user=biller, claim=claim, to_state=S.PAID, version=claim.version)
    assert (S.QUEUED, S.PAID) not in TRANSITIONS


def test_only_the_encounters_own_clinician_answers_a_returned_claim(
    claim, biller, other_prescriber
):
    claim_transition(
        user=biller, claim=claim, to_state=S.RETURNED, version=1, reason="Which time is right?"
    )
    with pytest.raises(PermissionDenied):
        claim_transition(
            user=other_prescriber, claim=claim, to_state=S.QUEUED, version=2, reason="yes"
        )


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [k for k, t in sorted(TRANSITIONS.items()) if t.reason_prompt],
    ids=lambda v: str(v),
)
def test_transitions_that_need_a_reason_refuse_a_blank_one(
    claim, prescriber, biller, from_state, to_state
):
    rule = TRANSITIONS[(from_state, to_state)]
    claim = _in_state(claim, from_state)
    with pytest.raises(ValidationError) as caught:
        claim_transition(
            user=_actor(rule.role, prescriber, biller),
            claim=claim,
            to_state=to_state,
            version=claim.version,
            reason="  ",
        )
    assert "reason" in caught.value.message_dict


def test_approval_is_refused_while_the_scrubber_reports_errors(claim, biller):
    Claim.objects.filter(pk=claim.pk).update(has_errors=True, scrub_status="flagged")
    claim.refresh_from_db()
    with pytest.raises(ValidationError, match="errors from the scrubber"):
        claim_transition(user=biller, claim=claim, to_state=S.APPROVED, version=claim.version)


def test_a_flagged_claim_with_warnings_only_may_be_approved(claim, biller):
    Claim.objects.filter(pk=claim.pk).update(scrub_status="flagged", has_errors=False)
    claim.refresh_from_db()
    claim_transition(user=biller, claim=claim, to_state=S.APPROVED, version=claim.version)
    assert Claim.objects.get(pk=claim.pk).state == S.APPROVED


def test_a_stale_version_is_refused_with_who_changed_it_and_when(claim, biller, other_biller):
    opened_at = claim.version
    claim_transition(
        user=other_biller,
        claim=claim,
        to_state=S.ON_HOLD,
        version=opened_at,
        reason="Waiting for the payer's new id",
    )
    stale = Claim.objects.get(pk=claim.pk)
    stale.state = S.QUEUED  # as the first biller's page still shows it
    with pytest.raises(StaleClaimError, match=r"changed by Bea Second at \d{4}-\d\d-\d\d"):
        claim_transition(user=biller, claim=stale, to_state=S.APPROVED, version=opened_at)
    assert ClaimTransition.objects.filter(claim=claim, to_state=S.APPROVED).count() == 0


def test_each_change_bumps_the_version(claim, biller):
    assert claim.version == 1
    claim_transition(user=biller, claim=claim, to_state=S.ON_HOLD, version=1, reason="wait")
    claim_transition(user=biller, claim=claim, to_state=S.QUEUED, version=2)
    assert Claim.objects.get(pk=claim.pk).version == 3


def test_clinician_answer_puts_the_claim_back_in_the_queue(claim, biller, prescriber):
    claim_transition(
        user=biller, claim=claim, to_state=S.RETURNED, version=1, reason="Was the visit by video?"
    )
    claim_clinician_answer(user=prescriber, claim=claim, version=2, answer="In person.")
    claim.refresh_from_db()
    assert claim.state == S.QUEUED
    last = claim.transitions.last()
    assert (last.from_state, last.to_state, last.user, last.reason) == (
        S.RETURNED,
        S.QUEUED,
        prescriber,
        "In person.",
    )


def test_clinician_may_answer_with_an_addendum(claim, biller, prescriber):
    claim_transition(user=biller, claim=claim, to_state=S.RETURNED, version=1, reason="Times?")
    claim_clinician_answer(
        user=prescriber,
        claim=claim,
        version=2,
        answer="",
        addendum_text="Psychotherapy 09:00-09:30.",
        addendum_reason="Billing question",
    )
    addendum = Addendum.objects.get(encounter=claim.encounter)
    assert addendum.text == "Psychotherapy 09:00-09:30."
    # the history billers read says an addendum was added, never its reason or text
    assert claim.transitions.last().reason == "An addendum was added to the signed note."


def test_payer_answer_paid_records_the_amount(claim, biller):
    claim = _in_state(claim, S.SUBMITTED)
    claim_payer_answer(
        user=biller, claim=claim, version=claim.version, outcome="paid", amount=Decimal("201.50")
    )
    claim.refresh_from_db()
    assert (claim.state, claim.paid_amount) == (S.PAID, Decimal("201.50"))


def test_payer_answer_denied_needs_a_carc_and_records_it(claim, biller):
    claim = _in_state(claim, S.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        claim_payer_answer(user=biller, claim=claim, version=claim.version, outcome="denied")
    assert "carc" in caught.value.message_dict
    claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome="denied",
        carc="co-16 ",
        note="missing info",
    )
    claim.refresh_from_db()
    # the group (CO) is not part of the reason code: the CARC is 16, as an 835 posts it
    assert (claim.state, claim.denial_code) == (S.DENIED, "16")
    assert claim.transitions.last().reason == "CARC 16: missing info"


def test_payer_answer_paid_without_an_amount_is_refused(claim, biller):
    claim = _in_state(claim, S.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        claim_payer_answer(user=biller, claim=claim, version=claim.version, outcome="paid")
    assert "amount" in caught.value.message_dict


# ----------------------------------------------------------------------------- corrections
# Review issue 8 item 8: corrected claims went out as originals (frequency 1, no payer
# claim number) and payers denied them as duplicates.


def _denied(claim: Claim, biller, icn: str = ICN) -> Claim:
    claim = _in_state(claim, S.SUBMITTED, icn="")
    return claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome="denied",
        carc="16",
        payer_claim_number=icn,
    )


@pytest.mark.parametrize("outcome", ["paid", "denied"])
def test_payer_answer_records_the_payer_claim_control_number(claim, biller, outcome):
    claim = _in_state(claim, S.SUBMITTED)
    claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome=outcome,
        amount=Decimal("90.00"),
        carc="16",
        payer_claim_number=" 2026-0001a ",
    )
    claim.refresh_from_db()
    assert claim.payer_claim_number == "2026-0001A"


@pytest.mark.parametrize("icn", ["12~REF*F8*9", "12 34", "1" * 51])
def test_payer_answer_refuses_a_malformed_payer_claim_number(claim, biller, icn):
    claim = _in_state(claim, S.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        claim_payer_answer(
            user=biller,
            claim=claim,
            version=claim.version,
            outcome="paid",
            amount=Decimal("1"),
            payer_claim_number=icn,
        )
    assert "payer_claim_number" in caught.value.message_dict
    assert Claim.objects.get(pk=claim.pk).state == S.SUBMITTED


def test_a_correction_goes_out_as_a_replacement_of_the_payers_claim(claim, biller):
    claim = _denied(claim, biller)
    claim_transition(
        user=biller, claim=claim, to_state=S.CORRECTED, version=claim.version, reason="fixed"
    )
    claim.refresh_from_db()
    assert (claim.state, claim.frequency_code, claim.payer_claim_number) == (
        S.CORRECTED,
        ClaimFrequency.REPLACEMENT,
        ICN,
    )


def test_a_correction_without_the_payer_claim_number_is_refused_then_takes_it_typed(claim, biller):
    claim = _denied(claim, biller, icn="")
    with pytest.raises(ValidationError) as caught:
        claim_transition(
            user=biller, claim=claim, to_state=S.CORRECTED, version=claim.version, reason="fixed"
        )
    assert "claim control number" in caught.value.message_dict["payer_claim_number"][0]
    claim_transition(
        user=biller,
        claim=claim,
        to_state=S.CORRECTED,
        version=claim.version,
        reason="fixed",
        payer_claim_number="ICN-77",
    )
    claim.refresh_from_db()
    assert (claim.state, claim.payer_claim_number) == (S.CORRECTED, "ICN-77")


def test_a_payer_claim_number_is_refused_on_a_change_that_does_not_send_it(claim, biller):
    with pytest.raises(ValidationError) as caught:
        claim_transition(
            user=biller, claim=claim, to_state=S.APPROVED, version=1, payer_claim_number="X1"
        )
    assert "payer_claim_number" in caught.value.message_dict


@pytest.mark.parametrize("answered", [S.PAID, S.DENIED, S.CORRECTED])
def test_a_claim_the_payer_has_is_voided_at_the_payer_as_frequency_8(claim, biller, answered):
    claim = _in_state(claim, answered)
    claim_transition(
        user=biller,
        claim=claim,
        to_state=S.VOID_PENDING,
        version=claim.version,
        reason="Billed for the wrong patient",
    )
    claim.refresh_from_db()
    assert (claim.state, claim.frequency_code) == (S.VOID_PENDING, ClaimFrequency.VOID)
    assert (answered, S.VOID) not in TRANSITIONS  # never only here: the payer must hear it


def test_export_changes_are_refused_by_hand(claim, biller):
    for (from_state, to_state), rule in TRANSITIONS.items():
        if not rule.export:
            continue
        claim = _in_state(claim, from_state)
        with pytest.raises(ValidationError, match="837P export"):
            claim_transition(user=biller, claim=claim, to_state=to_state, version=claim.version)
        assert Claim.objects.get(pk=claim.pk).state == from_state
