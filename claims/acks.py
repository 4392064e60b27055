"""Acknowledgements of our 837P files: the 999 (the file's syntax) and the 277CA (each
claim's acceptance into the payer's adjudication).

``ack_import`` validates the file with pyx12, reads it (``claims.x12.ack_read``) and moves
each claim through the state table (``claims.transitions``): an accepted claim becomes
accepted; a rejected one goes back to the queue with the payer's reason, to be fixed and
sent again (it never reached adjudication, so it goes out again as an original). A 999
answers a whole file: its AK1 names our batch (GS06 = ``ExportBatch.control_number``).
A claim no longer waiting for that answer is left as it is (a repeated file changes nothing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import access_record
from accounts.models import AccessAction

from .era import payer_file_check, payer_file_create, require_biller
from .models import Claim, ClaimState, PayerFile, validate_payer_claim_number
from .transitions import transition_allowed, transition_record
from .x12.ack_read import ack_277ca_read, ack_999_read
from .x12.read import X12ReadError

S = ClaimState
WAITING = (S.SUBMITTED, S.ACCEPTED)
# STC01-1 claim status categories in our words, for the reason a rejected claim carries.
_CATEGORIES = {
    "A3": "returned as unprocessable",
    "A4": "not found by the payer",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "A8": "rejected for relational field errors",
}


@dataclass
class AckImportResult:
    kind: str
    accepted: int = 0
    rejected: int = 0
    unchanged: int = 0
    unmatched: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _answer(
    claim: Claim, *, user: User, accepted: bool, reason: str, result: AckImportResult, **fields: Any
) -> None:
    """Move one claim on the payer's acknowledgement, if it is still waiting for one."""
    if claim.state not in WAITING or (accepted and claim.state == S.ACCEPTED):
        result.unchanged += 1
        return
    to_state = S.ACCEPTED if accepted else S.QUEUED
    transition_allowed(claim, user=user, to_state=to_state, version=claim.version)
    transition_record(
        claim, user=user, to_state=to_state, version=claim.version, reason=reason, **fields
    )
    if accepted:
        result.accepted += 1
    else:
        result.rejected += 1


def _import_999(content: str, user: User, result: AckImportResult) -> None:
    for answer in ack_999_read(content):
        control = int(answer.group_control) if answer.group_control.isdigit() else -1
        claims = list(
            Claim.objects.select_for_update(of=("self",))
            .filter(batch__control_number=control)
            .order_by("id")
        )
        if not claims:
            result.unmatched.append(
                {"batch": answer.group_control, "reason": "No 837P file has this number."}
            )
            continue
        errors = "; ".join(answer.errors) or "no detail given"
        for claim in claims:
            _answer(
                claim,
                user=user,
                accepted=answer.accepted,
                result=result,
                reason=f"999 for 837P batch {control}: accepted"
                if answer.accepted
                else f"999 rejected 837P batch {control}: {errors}",
            )


def _import_277ca(content: str, user: User, result: AckImportResult) -> None:
    answers = ack_277ca_read(content)
    claims = {
        c.number: c
        for c in Claim.objects.select_for_update(of=("self",)).filter(
            number__in={a.claim_reference for a in answers}
        )
    }
    for answer in answers:
        claim = claims.get(answer.claim_reference)
        if claim is None:
            result.unmatched.append(
                {"claim": answer.claim_reference, "reason": "No claim has this number."}
            )
            continue
        fields: dict[str, Any] = {}
        try:
            if answer.payer_claim_number:
                validate_payer_claim_number(answer.payer_claim_number)
                fields["payer_claim_number"] = answer.payer_claim_number
        except ValidationError:
            pass
        category = answer.status.split(":")[0]
        if answer.accepted:
            reason = f"277CA: accepted by the payer ({answer.status})"
        else:
            what = _CATEGORIES.get(category, "rejected")
            reason = f"277CA: {what} (STC {answer.status}); fix the claim and approve it again"
        _answer(claim, user=user, accepted=answer.accepted, reason=reason, result=result, **fields)


@transaction.atomic
def ack_import(*, user: User, name: str, content: str) -> tuple[PayerFile, AckImportResult]:
    """Validate and apply a 999 or 277CA; returns the file kept and what changed."""
    require_biller(user)
    kind = payer_file_check(content, "ack")
    result = AckImportResult(kind=kind)
    try:
        if kind == "999":
            _import_999(content, user, result)
        else:
            _import_277ca(content, user, result)
    except X12ReadError as exc:
        raise ValidationError(str(exc)) from None
    payer_file = payer_file_create(user=user, kind=kind, name=name, content=content)
    payer_file.summary = result.to_dict()
    payer_file.save(update_fields=["summary"])
    access_record(user=user, obj=payer_file, action=AccessAction.CREATE)
    return payer_file, result
