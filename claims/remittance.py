"""The payer's answer to a submitted claim: paid with the amount, or denied with a reason.

The answer is a change of state in the table (``claims.transitions``); it also records the
payer's claim control number (ICN/DCN, 835 CLP07) that a correction or a void sends back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Claim, ClaimState
from .transitions import claim_transition, payer_claim_number_clean

S = ClaimState


@transaction.atomic
def claim_payer_answer(
    *,
    user: User,
    claim: Claim,
    version: int,
    outcome: str,
    amount: Decimal | None = None,
    carc: str = "",
    note: str = "",
    payer_claim_number: str = "",
) -> Claim:
    """Record the payer's answer: paid with the amount, or denied with the reason code (CARC),
    and the payer's claim control number (ICN/DCN) a correction or void will need."""
    fields: dict[str, Any] = {}
    if payer_claim_number.strip():
        fields["payer_claim_number"] = payer_claim_number_clean(payer_claim_number)
    if outcome == "paid":
        if amount is None or amount < 0:
            raise ValidationError({"amount": ["Enter the amount the payer paid."]})
        return claim_transition(
            user=user,
            claim=claim,
            to_state=S.PAID,
            version=version,
            reason=note or f"Paid {amount}",
            fields={"paid_amount": amount, **fields},
        )
    if outcome == "denied":
        carc = carc.strip().upper()
        if not carc:
            raise ValidationError({"carc": ["Enter the denial reason code (CARC), e.g. 16 or 50."]})
        return claim_transition(
            user=user,
            claim=claim,
            to_state=S.DENIED,
            version=version,
            reason=f"CARC {carc}" + (f": {note}" if note else ""),
            fields={"denial_code": carc, **fields},
        )
    raise ValidationError({"outcome": ["Choose paid or denied."]})
