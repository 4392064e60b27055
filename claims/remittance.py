"""The payer's answer to a submitted claim typed by hand (a paper EOB): paid with the
amount, or denied with a reason.

The answer is a change of state in the table (``claims.transitions``); it also records the
payer's claim control number (ICN/DCN, 835 CLP07) that a correction or a void sends back.
It gets the checks an 835 gets: a payment above the claim's charge needs a reason the
biller confirms, and CARC and RARC codes come from the shipped lists
(``claims.adjustment_codes``, or texts the practice loaded from its licensed file).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from .adjustment_codes import unknown_codes
from .models import Claim, ClaimState
from .transitions import claim_transition, payer_claim_number_clean

S = ClaimState
_GROUP_PREFIX = re.compile(r"^(CO|PR|OA|PI|CR)[-\s]?(?=\w)")


def carc_clean(value: str) -> str:
    """A CARC as typed (``co-50``, `` 50``) normalised (``50``); unknown codes refused."""
    code = _GROUP_PREFIX.sub("", value.strip().upper())
    if code and unknown_codes("CARC", [code]):
        raise ValidationError(
            {"carc": [f"{code!r} is not a reason code (CARC) we know: check the payer's answer."]}
        )
    return code


def rarcs_clean(value: str) -> list[str]:
    """Remark codes (RARC) typed apart by spaces or commas; unknown codes refused."""
    codes = [c for c in re.split(r"[\s,;]+", value.strip().upper()) if c]
    unknown = unknown_codes("RARC", codes)
    if unknown:
        raise ValidationError(
            {"rarcs": [f"Not a remark code (RARC) we know: {', '.join(unknown)}."]}
        )
    return codes


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
    rarcs: str = "",
    over_charge_reason: str = "",
) -> Claim:
    """Record the payer's answer: paid with the amount, or denied with the reason code (CARC),
    and the payer's claim control number (ICN/DCN) a correction or void will need."""
    fields: dict[str, Any] = {}
    if payer_claim_number.strip():
        fields["payer_claim_number"] = payer_claim_number_clean(payer_claim_number)
    remarks = rarcs_clean(rarcs)
    remark_text = f" (RARC {', '.join(remarks)})" if remarks else ""
    if outcome == "paid":
        if amount is None or amount < 0:
            raise ValidationError({"amount": ["Enter the amount the payer paid."]})
        reason = note or f"Paid {amount}"
        if amount > claim.total_charge:
            if not over_charge_reason.strip():
                raise ValidationError(
                    {
                        "amount": [
                            f"{amount} is more than the claim's charge ({claim.total_charge}): "
                            "check the amount, or give the reason the payer paid more."
                        ]
                    }
                )
            reason += f"; above the charge of {claim.total_charge}: {over_charge_reason.strip()}"
        return claim_transition(
            user=user,
            claim=claim,
            to_state=S.PAID,
            version=version,
            reason=reason + remark_text,
            fields={"paid_amount": amount, **fields},
        )
    if outcome == "denied":
        carc = carc_clean(carc)
        if not carc:
            raise ValidationError({"carc": ["Enter the denial reason code (CARC), e.g. 16 or 50."]})
        return claim_transition(
            user=user,
            claim=claim,
            to_state=S.DENIED,
            version=version,
            reason=f"CARC {carc}" + remark_text + (f": {note}" if note else ""),
            fields={"denial_code": carc, **fields},
        )
    raise ValidationError({"outcome": ["Choose paid or denied."]})
