"""Posting an 835 remittance (ERA): the payer's answer, claim by claim and line by line.

``era_import`` validates the file with pyx12, reads it (``claims.x12.era_read``) and posts
each claim payment (CLP loop) in one transaction:

- the claim is found by our claim number (CLP01 = the CLM01 we sent); its lines by the
  line control number we wrote (REF*6R, ``<claim number>-<position>``), then by code,
  modifiers and date, then by code and date alone (a payer that drops or adds a modifier);
- the payment, each line (allowed, paid, remark codes) and every CAS adjustment (group,
  CARC, amount) are stored (``ClaimPayment``, ``LinePayment``, ``PaymentAdjustment``), with
  the payer's claim number (CLP07) on the claim for a later correction or void;
- the claim's state follows (``claims.transitions``): paid, partly paid or denied
  (``era_outcome``); a reversal (CLP02 22) undoes the last posting and the claim waits
  for the payer's new answer again;
- a payment is posted once: the key (payer, check/EFT number, claim, reversal) is unique,
  so the same file again, or the same payment in a later file, counts as already posted;
- what matches no claim, or no line, goes to the unmatched list (``UnmatchedRemittance``)
  that a biller resolves (``unmatched_attach``, ``unmatched_dismiss``).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.access import access_record
from accounts.models import AccessAction
from accounts.roles import Role, role_of

from .models import (
    Claim,
    ClaimLine,
    ClaimPayment,
    ClaimState,
    LinePayment,
    PayerFile,
    PayerFileKind,
    PaymentAdjustment,
    UnmatchedRemittance,
    validate_payer_claim_number,
)
from .transitions import TRANSITIONS, transition_allowed, transition_record
from .x12.build import line_control_number
from .x12.era_read import DENIED, FORWARDED, SECONDARY, EraClaim, EraLine, era_read
from .x12.read import X12ReadError, transaction_kind, x12_segments
from .x12.validate import x12_validate

S = ClaimState
# Reductions that leave nothing owed by anyone: the contract's fee schedule, sequestration.
# A claim with only these is paid in full; any other adjustment makes it partly paid.
FULL_PAYMENT_CARCS = frozenset({"45", "253"})
MAX_PROBLEMS = 10


@dataclass
class EraImportResult:
    claims_paid: int = 0
    claims_partly_paid: int = 0
    claims_denied: int = 0
    reversed: int = 0
    already_posted: int = 0
    unmatched: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def count(self, outcome: str) -> None:
        if outcome == S.PAID:
            self.claims_paid += 1
        elif outcome == S.PARTLY_PAID:
            self.claims_partly_paid += 1
        elif outcome == S.DENIED:
            self.claims_denied += 1


def require_biller(user: User) -> None:
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers import the payers' files.")


def payer_file_check(content: str, expected: str | None = None) -> str:
    """The kind of a payer file ('835', '999', '277CA') once pyx12 validates it; otherwise a
    ValidationError naming the segments at fault."""
    try:
        kind = transaction_kind(x12_segments(content))
    except X12ReadError as exc:
        raise ValidationError(str(exc)) from None
    if kind == "271" or (
        expected and kind != expected and not (expected == "ack" and kind in ("999", "277CA"))
    ):
        wanted = "an 835 remittance" if expected == "835" else "a 999 or 277CA acknowledgement"
        raise ValidationError(f"This is a {kind} file, not {wanted}.")
    problems = x12_validate(content)
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS])
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        raise ValidationError(
            f"The {kind} file is not valid X12: {shown}{more}. Nothing was posted."
        )
    return kind


def payer_file_create(*, user: User, kind: str, name: str, content: str) -> PayerFile:
    return PayerFile.objects.create(
        kind=kind,
        name=name[:200],
        sha256=hashlib.sha256(content.encode()).hexdigest(),
        content=content,
        imported_by=user,
    )


def era_outcome(clp: EraClaim) -> str:
    """The claim's state after this payment: denied (CLP02 4, or nothing paid and nothing
    owed by the patient), partly paid (paid below the charge with adjustments beyond the
    contract's reduction), else paid."""
    if clp.status == DENIED or (clp.paid <= 0 and clp.patient_responsibility <= 0):
        return S.DENIED
    beyond_contract = [
        a
        for a in clp.all_adjustments()
        if a.amount and not (a.group == "CO" and a.carc in FULL_PAYMENT_CARCS)
    ]
    if clp.paid < clp.charge and beyond_contract:
        return S.PARTLY_PAID
    return S.PAID


def match_lines(
    claim: Claim, lines: Iterable[EraLine]
) -> list[tuple[EraLine, ClaimLine | None, str]]:
    """Each paid line with the claim line it answers and how it was matched: by line
    control number, then code + modifiers + date, then code + date (modifiers changed)."""
    paid = list(lines)
    free = {row.position: row for row in claim.lines.all()}
    found: dict[int, tuple[ClaimLine, str]] = {}

    def take(index: int, row: ClaimLine, how: str) -> None:
        found[index] = (row, how)
        del free[row.position]

    by_control = {line_control_number(claim.number, p): p for p in free}
    for i, line in enumerate(paid):
        position = by_control.get(line.control_number)
        if position is not None and position in free:
            take(i, free[position], LinePayment.MatchedBy.CONTROL_NUMBER)
    for exact in (True, False):
        for i, line in enumerate(paid):
            if i in found:
                continue
            if line.service_date and line.service_date != claim.date_of_service:
                continue
            row = next(
                (
                    r
                    for r in free.values()
                    if r.code == line.code
                    and (not exact or sorted(r.modifiers) == sorted(line.modifiers))
                ),
                None,
            )
            if row is not None:
                how = (
                    LinePayment.MatchedBy.CODE_DATE
                    if exact
                    else LinePayment.MatchedBy.CODE_DATE_MODIFIERS_DIFFER
                )
                take(i, row, how)
    return [
        (line, *found[i]) if i in found else (line, None, LinePayment.MatchedBy.UNMATCHED)
        for i, line in enumerate(paid)
    ]


@dataclass(frozen=True)
class _Payment:
    """One CLP loop with the check it came with."""

    payer_key: str
    trace_number: str
    paid_on: datetime.date | None
    clp: EraClaim

    def to_dict(self) -> dict[str, Any]:
        return {
            "payer_key": self.payer_key,
            "trace_number": self.trace_number,
            "paid_on": self.paid_on.isoformat() if self.paid_on else None,
            "claim": self.clp.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _Payment:
        paid_on = data.get("paid_on")
        return cls(
            data["payer_key"],
            data["trace_number"],
            datetime.date.fromisoformat(paid_on) if paid_on else None,
            EraClaim.from_dict(data["claim"]),
        )


class _Poster:
    """Posts the claim payments of one payer file; keeps the counts for its summary."""

    def __init__(self, *, user: User, payer_file: PayerFile, claims: dict[str, Claim]) -> None:
        self.user, self.payer_file, self.claims = user, payer_file, claims
        self.result = EraImportResult()
        ids = [c.pk for c in claims.values()]
        self.posted = set(
            ClaimPayment.objects.filter(claim_id__in=ids).values_list(
                "payer_key", "trace_number", "claim_id", "reversal"
            )
        )
        self.last_posting: dict[int, ClaimPayment] = {
            p.claim_id: p
            for p in ClaimPayment.objects.filter(
                claim_id__in=ids, reversal=False, reversed_by__isnull=True
            ).order_by("posted_at", "id")
        }

    def unmatched(self, payment: _Payment, reason: str, **extra: Any) -> None:
        UnmatchedRemittance.objects.create(
            payer_file=self.payer_file,
            claim_reference=payment.clp.claim_reference[:50],
            payer_key=payment.payer_key[:80],
            trace_number=payment.trace_number[:50],
            reversal=payment.clp.reversal,
            patient_name=payment.clp.patient_name[:120],
            reason=reason[:300],
            data=payment.to_dict(),
            **extra,
        )
        self.result.unmatched.append({"claim": payment.clp.claim_reference, "reason": reason})

    def _no_claim(self, payment: _Payment) -> None:
        """A payment no claim takes: listed once, however many files repeat it."""
        clp = payment.clp
        seen = (
            UnmatchedRemittance.objects.filter(
                payer_key=payment.payer_key[:80],
                trace_number=payment.trace_number[:50],
                claim_reference=clp.claim_reference[:50],
                reversal=clp.reversal,
                line_payment__isnull=True,
            )
            .exclude(payer_file=self.payer_file)
            .first()
        )
        if seen is None:
            self.unmatched(payment, f"No claim has the number {clp.claim_reference!r} (CLP01).")
        elif seen.status == UnmatchedRemittance.Status.OPEN:
            self.result.unmatched.append(
                {
                    "claim": clp.claim_reference,
                    "reason": "Already on the unmatched list (from an earlier file).",
                }
            )
        else:  # attached (so posted) or dismissed by a biller
            self.result.already_posted += 1

    def post(self, payment: _Payment) -> bool:
        """Post one claim payment; False when it was not (unmatched or already posted)."""
        clp = payment.clp
        claim = self.claims.get(clp.claim_reference)
        if claim is None:
            self._no_claim(payment)
            return False
        key = (payment.payer_key, payment.trace_number, claim.pk, clp.reversal)
        if key in self.posted:
            self.result.already_posted += 1
            return False
        if clp.reversal:
            return self._reverse(payment, claim)
        outcome = era_outcome(clp)
        secondary_after_paid = clp.status in SECONDARY and claim.state in (S.PAID, S.PARTLY_PAID)
        if (claim.state, outcome) not in TRANSITIONS and not secondary_after_paid:
            self.unmatched(
                payment,
                f"Claim {claim.number} is {claim.get_state_display().lower()}: it is not "
                f"waiting for a payer's answer, so the payment was not posted.",
                claim=claim,
            )
            return False
        row = self._store(payment, claim, outcome)
        self.posted.add(key)
        self.last_posting[claim.pk] = row
        self.result.count(outcome)
        if secondary_after_paid:
            return True
        fields: dict[str, Any] = {"paid_amount": clp.paid, "denial_code": _denial_code(clp)}
        if _valid_payer_number(clp.payer_claim_number):
            fields["payer_claim_number"] = clp.payer_claim_number
        transition_allowed(claim, user=self.user, to_state=outcome, version=claim.version)
        transition_record(
            claim,
            user=self.user,
            to_state=outcome,
            version=claim.version,
            reason=_reason(payment, outcome),
            **fields,
        )
        return True

    def _reverse(self, payment: _Payment, claim: Claim) -> bool:
        prior = self.last_posting.get(claim.pk)
        if prior is None or (claim.state, S.SUBMITTED) not in TRANSITIONS:
            self.unmatched(
                payment,
                f"A reversal (CLP02 22) for claim {claim.number}, which has no posted payment "
                "to undo.",
                claim=claim,
            )
            return False
        row = self._store(payment, claim, S.SUBMITTED)
        ClaimPayment.objects.filter(pk=prior.pk).update(reversed_by=row)
        del self.last_posting[claim.pk]
        self.posted.add((payment.payer_key, payment.trace_number, claim.pk, True))
        self.result.reversed += 1
        transition_allowed(claim, user=self.user, to_state=S.SUBMITTED, version=claim.version)
        transition_record(
            claim,
            user=self.user,
            to_state=S.SUBMITTED,
            version=claim.version,
            reason=f"835 {payment.trace_number}: the payer reversed its payment of "
            f"{prior.paid} ({prior.trace_number}); waiting for its new answer",
            paid_amount=None,
            denial_code="",
        )
        return True

    def _store(self, payment: _Payment, claim: Claim, outcome: str) -> ClaimPayment:
        clp = payment.clp
        row = ClaimPayment.objects.create(
            payer_file=self.payer_file,
            claim=claim,
            payer_key=payment.payer_key[:80],
            trace_number=payment.trace_number[:50],
            reversal=clp.reversal,
            status_code=clp.status[:2],
            charge=clp.charge,
            paid=clp.paid,
            patient_responsibility=clp.patient_responsibility,
            payer_claim_number=clp.payer_claim_number[:50],
            paid_on=payment.paid_on,
            forwarded_to=clp.forwarded_to[:80] if clp.status in FORWARDED else "",
            outcome=outcome,
        )
        matches = match_lines(claim, clp.lines)
        lines = LinePayment.objects.bulk_create(
            [
                LinePayment(
                    payment=row,
                    claim_line=claim_line,
                    matched_by=how,
                    control_number=line.control_number[:50],
                    code=line.code[:8],
                    modifiers=list(line.modifiers),
                    units=line.units,
                    service_date=line.service_date,
                    charge=line.charge,
                    allowed=line.allowed,
                    paid=line.paid,
                    patient_responsibility=line.patient_responsibility,
                    rarcs=list(line.rarcs),
                )
                for line, claim_line, how in matches
            ]
        )
        adjustments = [
            PaymentAdjustment(
                payment=row, group=a.group, carc=a.carc, amount=a.amount, quantity=a.quantity
            )
            for a in clp.adjustments
        ]
        for stored, (line, _, _) in zip(lines, matches, strict=True):
            adjustments += [
                PaymentAdjustment(
                    payment=row,
                    line=stored,
                    group=a.group,
                    carc=a.carc,
                    amount=a.amount,
                    quantity=a.quantity,
                )
                for a in line.adjustments
            ]
        PaymentAdjustment.objects.bulk_create(adjustments)
        for stored, (line, claim_line, _) in zip(lines, matches, strict=True):
            if claim_line is None and not clp.reversal:
                self.unmatched(
                    payment,
                    f"Line {line.code}{''.join(':' + m for m in line.modifiers)} of claim "
                    f"{claim.number} matches none of its lines.",
                    claim=claim,
                    line_payment=stored,
                )
        return row


def _valid_payer_number(number: str) -> bool:
    try:
        validate_payer_claim_number(number)
    except ValidationError:
        return False
    return True


def _denial_code(clp: EraClaim) -> str:
    """The first CARC beyond the contract's reduction and the patient's share, if any."""
    for a in clp.all_adjustments():
        if a.group != "PR" and not (a.group == "CO" and a.carc in FULL_PAYMENT_CARCS):
            return a.carc[:8]
    return ""


def _reason(payment: _Payment, outcome: str) -> str:
    clp = payment.clp
    text = f"835 {payment.trace_number}: {S(outcome).label.lower()}, paid {clp.paid}"
    if clp.patient_responsibility:
        text += f", patient owes {clp.patient_responsibility}"
    codes = sorted({f"{a.group}-{a.carc}" for a in clp.all_adjustments()})
    if codes:
        text += f" ({', '.join(codes)})"
    if clp.status in FORWARDED:
        text += f"; forwarded to {clp.forwarded_to or 'the next payer'}"
    return text


def _claims_by_number(numbers: Iterable[str]) -> dict[str, Claim]:
    return {
        c.number: c
        for c in Claim.objects.select_for_update(of=("self",))
        .filter(number__in=set(numbers))
        .prefetch_related("lines")
    }


@transaction.atomic
def era_import(*, user: User, name: str, content: str) -> tuple[PayerFile, EraImportResult]:
    """Validate and post an 835; returns the file kept and the counts of what happened."""
    require_biller(user)
    payer_file_check(content, "835")
    try:
        eras = era_read(content)
    except X12ReadError as exc:
        raise ValidationError(str(exc)) from None
    payer_file = payer_file_create(user=user, kind=PayerFileKind.ERA, name=name, content=content)
    payments = [
        _Payment(era.payer_key, era.trace_number, era.paid_on, clp)
        for era in eras
        for clp in era.claims
    ]
    poster = _Poster(
        user=user,
        payer_file=payer_file,
        claims=_claims_by_number(p.clp.claim_reference for p in payments),
    )
    for payment in payments:
        poster.post(payment)
    payer_file.summary = poster.result.to_dict()
    payer_file.save(update_fields=["summary"])
    access_record(user=user, obj=payer_file, action=AccessAction.CREATE)
    return payer_file, poster.result


# ----------------------------------------------------------------------------- unmatched
def unmatched_open(*, user: User) -> list[UnmatchedRemittance]:
    """The payments and lines no claim took, oldest first (at most 100); each recorded."""
    require_biller(user)
    items = list(
        UnmatchedRemittance.objects.filter(status=UnmatchedRemittance.Status.OPEN)
        .select_related("payer_file", "claim", "line_payment")
        .order_by("created_at", "id")[:100]
    )
    for item in items:
        access_record(user=user, obj=item, action=AccessAction.VIEW)
    return items


def _open_item(item_id: int) -> UnmatchedRemittance:
    item = (
        UnmatchedRemittance.objects.select_for_update()
        .filter(pk=item_id, status=UnmatchedRemittance.Status.OPEN)
        .first()
    )
    if item is None:
        raise Http404("No such unmatched payment to resolve.")
    return item


def _resolved(item: UnmatchedRemittance, *, user: User, status: str, note: str) -> None:
    item.status, item.resolved_by, item.resolved_at = status, user, timezone.now()
    item.resolution = note
    item.save(update_fields=["status", "resolved_by", "resolved_at", "resolution", "claim"])
    access_record(user=user, obj=item, action=AccessAction.UPDATE)


@transaction.atomic
def unmatched_attach(
    *, user: User, item_id: int, claim_number: str, position: int | None = None
) -> UnmatchedRemittance:
    """Attach an unmatched payment to the claim ``claim_number`` (posted as an import would),
    or an unmatched line to line ``position`` of its claim."""
    require_biller(user)
    item = _open_item(item_id)
    number = claim_number.strip().upper()
    if item.line_payment_id is not None:
        claim = item.claim
        if claim is None or number != claim.number:
            raise ValidationError(
                {"claim_number": [f"This line belongs to claim {claim.number if claim else '?'}."]}
            )
        row = claim.lines.filter(position=position).first() if position else None
        if row is None:
            raise ValidationError(
                {"position": ["Choose the line of the claim this payment is for."]}
            )
        LinePayment.objects.filter(pk=item.line_payment_id).update(
            claim_line=row, matched_by=LinePayment.MatchedBy.BY_HAND
        )
        _resolved(
            item, user=user, status=UnmatchedRemittance.Status.ATTACHED, note=f"Line {position}"
        )
        return item
    payment = _Payment.from_dict(item.data)
    claims = _claims_by_number([number])
    if number not in claims:
        raise ValidationError({"claim_number": [f"No claim has the number {number!r}."]})
    poster = _Poster(user=user, payer_file=item.payer_file, claims=claims)
    poster.claims = {payment.clp.claim_reference: claims[number]}
    if not poster.post(payment):
        if poster.result.already_posted:
            raise ValidationError(
                {"claim_number": ["This payment is already posted to that claim."]}
            )
        raise ValidationError({"claim_number": [poster.result.unmatched[-1]["reason"]]})
    item.claim = claims[number]
    _resolved(item, user=user, status=UnmatchedRemittance.Status.ATTACHED, note=f"Claim {number}")
    return item


@transaction.atomic
def unmatched_dismiss(*, user: User, item_id: int, reason: str) -> UnmatchedRemittance:
    """Close an unmatched payment without posting it, with the biller's reason."""
    require_biller(user)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why this payment is dismissed."]})
    item = _open_item(item_id)
    _resolved(item, user=user, status=UnmatchedRemittance.Status.DISMISSED, note=reason.strip())
    return item
