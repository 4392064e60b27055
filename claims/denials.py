"""Denials and underpayments: the billers' worklist of lines an 835 denied, partly denied or
paid below the fee schedule, and what a biller does about each (recorded as DenialAction).

A line is *denied* when its payment carries an adjustment beyond the contract's reduction
(CO-45/253) and the patient's share (PR), and nothing was paid; *partly denied* when such an
adjustment sits beside a payment. A line is *underpaid* when what the payer recognised (paid
plus the patient's share) is below the expected amount the fee schedule gave the line for
that payer and code when the claim was built (``ClaimLine.expected``).

Reads load everything in a fixed number of queries (``denial_worklist``); the appeal letter
shows the claim lines, diagnoses, rule ids and the clinician's override reason only: billers
never see note text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import access_record, access_record_list
from accounts.models import AccessAction, Clinician
from accounts.roles import Role, role_of
from coding.models import SignedProposal
from payers.models import Payer

from . import transitions
from .adjustment_codes import AdjustmentCode, adjustment_code
from .era import FULL_PAYMENT_CARCS
from .models import (
    AppealOutcome,
    Claim,
    ClaimState,
    DenialAction,
    DenialActionKind,
    LinePayment,
    PaymentAdjustment,
)

PAGE_SIZE = 50
AGE_BUCKETS = {"0-30": (0, 30), "31-60": (31, 60), "61-90": (61, 90), "90+": (91, None)}
# Actions that close a line on the worklist (an appeal waits for its outcome).
CLOSING = (
    DenialActionKind.CORRECT_RESUBMIT,
    DenialActionKind.BILL_PATIENT,
    DenialActionKind.WRITE_OFF,
    DenialActionKind.APPEAL_OUTCOME,
)
ZERO = Decimal("0.00")


def _require_biller(user: User) -> None:
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers work denials.")


def _denying_adjustments() -> Q:
    """An adjustment beyond the contract's reduction and the patient's share."""
    return ~Q(group="PR") & ~Q(group="CO", carc__in=FULL_PAYMENT_CARCS)


def is_denying(adjustment: PaymentAdjustment) -> bool:
    return adjustment.group != "PR" and not (
        adjustment.group == "CO" and adjustment.carc in FULL_PAYMENT_CARCS
    )


@dataclass(frozen=True)
class WorklistFilters:
    payer: int | None = None
    clinician: int | None = None
    carc: str = ""
    age: str = ""  # a key of AGE_BUCKETS
    underpaid: bool = False  # underpayments instead of denials
    closed: bool = False  # also the lines already worked


@dataclass
class WorklistRow:
    line: LinePayment
    kind: str  # "denied", "partly denied" or "underpaid"
    carcs: list[tuple[PaymentAdjustment, AdjustmentCode | None]]
    rarcs: list[tuple[str, AdjustmentCode | None]]
    rules: list[str]
    override_reason: str
    age_days: int
    appeal_deadline: datetime.date
    denied_amount: Decimal
    underpaid_by: Decimal
    actions: list[DenialAction] = field(default_factory=list)

    @property
    def claim(self) -> Claim:
        return self.line.payment.claim

    @property
    def appeal_overdue(self) -> bool:
        return self.appeal_deadline < timezone.localdate()

    @property
    def open(self) -> bool:
        return not any(a.kind in CLOSING for a in self.actions)

    @property
    def appeal_pending(self) -> DenialAction | None:
        appeals = [a for a in self.actions if a.kind == DenialActionKind.APPEAL]
        return appeals[-1] if appeals and self.open else None


def underpaid_by(line: LinePayment) -> Decimal:
    """How far below the fee schedule's expected amount the payer recognised the line."""
    claim_line = line.claim_line
    if claim_line is None or not claim_line.expected:
        return ZERO
    recognised = line.paid + line.patient_responsibility
    if line.paid <= 0 and line.patient_responsibility <= 0:
        return ZERO  # a denial, not an underpayment
    return max(ZERO, claim_line.expected - recognised)


def _answered_on(line: LinePayment) -> datetime.date:
    payment = line.payment
    return payment.paid_on or timezone.localdate(payment.posted_at)


def _base_lines() -> QuerySet[LinePayment]:
    """Line payments still standing (not a reversal, not reversed) on a claim line."""
    return LinePayment.objects.filter(
        payment__reversal=False,
        payment__reversed_by__isnull=True,
        claim_line__isnull=False,
    )


def _filtered(lines: QuerySet[LinePayment], filters: WorklistFilters) -> QuerySet[LinePayment]:
    if filters.underpaid:
        lines = lines.filter(
            Q(paid__gt=0) | Q(patient_responsibility__gt=0),
            claim_line__expected__gt=F("paid") + F("patient_responsibility"),
        )
    else:
        denying = PaymentAdjustment.objects.filter(_denying_adjustments(), line=OuterRef("pk"))
        lines = lines.filter(Exists(denying))
    if filters.payer:
        lines = lines.filter(payment__claim__payer_id=filters.payer)
    if filters.clinician:
        lines = lines.filter(payment__claim__clinician_id=filters.clinician)
    if filters.carc:
        lines = lines.filter(adjustments__carc=filters.carc).distinct()
    if filters.age in AGE_BUCKETS:
        low, high = AGE_BUCKETS[filters.age]
        today = timezone.localdate()
        lines = lines.filter(payment__paid_on__lte=today - datetime.timedelta(days=low))
        if high is not None:
            lines = lines.filter(payment__paid_on__gte=today - datetime.timedelta(days=high))
    if not filters.closed:
        closing = DenialAction.objects.filter(line_payment=OuterRef("pk"), kind__in=CLOSING)
        lines = lines.filter(~Exists(closing))
    return lines


def _row(line: LinePayment, proposals: dict[int, SignedProposal]) -> WorklistRow:
    claim = line.payment.claim
    adjustments = list(line.adjustments.all())
    denying = [a for a in adjustments if is_denying(a)]
    denied_amount = sum((a.amount for a in denying), ZERO)
    kind = "underpaid"
    if denying:
        kind = "denied" if line.paid <= 0 else "partly denied"
    signed = proposals.get(claim.encounter_id)
    rules: list[str] = []
    if signed is not None:
        for proposed in signed.proposal.get("lines", []):
            if isinstance(proposed, dict) and proposed.get("code") == line.code:
                rules = [str(r) for r in proposed.get("rules", [])]
                break
    answered = _answered_on(line)
    payer_days = claim.payer.appeal_days if claim.payer else 180
    return WorklistRow(
        line=line,
        kind=kind,
        carcs=[(a, adjustment_code("CARC", a.carc)) for a in adjustments],
        rarcs=[(r, adjustment_code("RARC", r)) for r in line.rarcs],
        rules=rules,
        override_reason=signed.override_reason if signed is not None else "",
        age_days=(timezone.localdate() - answered).days,
        appeal_deadline=answered + datetime.timedelta(days=payer_days),
        denied_amount=denied_amount,
        underpaid_by=underpaid_by(line),
        actions=list(line.denial_actions.all()),
    )


def _rows(lines: list[LinePayment]) -> list[WorklistRow]:
    encounter_ids = {line.payment.claim.encounter_id for line in lines}
    proposals = {
        p.encounter_id: p
        for p in SignedProposal.objects.filter(encounter_id__in=encounter_ids).only(
            "encounter_id", "proposal", "override_reason"
        )
    }
    return [_row(line, proposals) for line in lines]


def _worklist_qs() -> QuerySet[LinePayment]:
    return (
        _base_lines()
        .select_related(
            "claim_line",
            "payment",
            "payment__claim",
            "payment__claim__payer",
            "payment__claim__patient",
            "payment__claim__clinician__user",
        )
        .prefetch_related(
            "adjustments",
            Prefetch("denial_actions", queryset=DenialAction.objects.select_related("user")),
        )
    )


@dataclass
class Worklist:
    page: Page[LinePayment]
    rows: list[WorklistRow]
    carcs: list[str]
    payers: list[tuple[int, str]]
    clinicians: list[tuple[int, str]]


def denial_worklist(
    *, user: User, filters: WorklistFilters, page_number: int | str = 1, path: str = ""
) -> Worklist:
    """One page of the worklist, oldest answer first, in a fixed number of queries; recorded."""
    _require_biller(user)
    lines = _filtered(_worklist_qs(), filters).order_by("payment__paid_on", "id")
    page = Paginator(lines, PAGE_SIZE).get_page(page_number)
    rows = _rows(list(page.object_list))
    carcs = sorted(
        set(
            PaymentAdjustment.objects.filter(_denying_adjustments(), line__isnull=False)
            .values_list("carc", flat=True)
            .distinct()
        ),
        key=lambda c: (len(c), c),
    )
    payers = list(Payer.objects.order_by("name").values_list("pk", "name"))
    clinicians = [
        (c.pk, c.user.get_full_name() or c.user.username)
        for c in Clinician.objects.select_related("user").order_by("user__last_name", "pk")
    ]
    access_record_list(
        user=user, rows=LinePayment, patient_ids=[r.claim.patient_id for r in rows], path=path
    )
    return Worklist(page=page, rows=rows, carcs=carcs, payers=payers, clinicians=clinicians)


def denial_line_get(
    *, user: User, line_id: int, path: str = "", record: bool = True
) -> WorklistRow:
    """One worked line for a biller (else 403/404); recorded."""
    _require_biller(user)
    line = _worklist_qs().filter(pk=line_id).first()
    if line is None:
        raise Http404("No such remittance line.")
    row = _rows([line])[0]
    if row.kind == "underpaid" and row.underpaid_by <= 0:
        raise Http404("The payer paid this line as expected: nothing to work.")
    if record:
        access_record(user=user, obj=line.payment.claim, action=AccessAction.VIEW, path=path)
    return row


def claim_underpayments(claim_id: int) -> dict[int, Decimal]:
    """{claim line id: how much it was underpaid} for the claim page."""
    out: dict[int, Decimal] = {}
    lines = _base_lines().filter(payment__claim_id=claim_id).select_related("claim_line")
    for line in lines:
        short = underpaid_by(line)
        if short > 0 and line.claim_line_id is not None:
            out[line.claim_line_id] = out.get(line.claim_line_id, ZERO) + short
    return out


# ----------------------------------------------------------------------------- actions
def _open_row(user: User, line_id: int) -> WorklistRow:
    row = denial_line_get(user=user, line_id=line_id, record=False)
    if not row.open:
        raise ValidationError("This line has been worked already: see its history.")
    return row


def _record(row: WorklistRow, *, user: User, kind: str, **fields: object) -> DenialAction:
    action = DenialAction(line_payment=row.line, claim=row.claim, kind=kind, user=user, **fields)
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def denial_correct_resubmit(
    *, user: User, line_id: int, version: int, reason: str, payer_claim_number: str = ""
) -> DenialAction:
    """Mark the claim corrected (frequency 7, REF*F8 on the next 837P) and record why."""
    row = _open_row(user, line_id)
    transitions.claim_transition(
        user=user,
        claim=row.claim,
        to_state=ClaimState.CORRECTED,
        version=version,
        reason=reason,
        payer_claim_number=payer_claim_number,
    )
    return _record(row, user=user, kind=DenialActionKind.CORRECT_RESUBMIT, reason=reason.strip())


@transaction.atomic
def denial_appeal(*, user: User, line_id: int, reason: str, sent_on: datetime.date) -> DenialAction:
    """Record an appeal sent to the payer (its letter is ``appeal_letter_pdf``)."""
    row = _open_row(user, line_id)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["Say why the payer should pay: this is required."]
    if sent_on > timezone.localdate():
        errors["sent_on"] = ["The day the appeal was sent cannot be in the future."]
    if row.appeal_pending is not None:
        errors["reason"] = ["An appeal is already waiting for the payer's outcome."]
    if errors:
        raise ValidationError(errors)
    return _record(
        row, user=user, kind=DenialActionKind.APPEAL, reason=reason.strip(), sent_on=sent_on
    )


@transaction.atomic
def denial_appeal_outcome(
    *, user: User, line_id: int, outcome: str, reason: str = ""
) -> DenialAction:
    """Record the payer's answer to the appeal; this closes the line."""
    row = _open_row(user, line_id)
    if row.appeal_pending is None:
        raise ValidationError("No appeal was sent for this line: record the appeal first.")
    if outcome not in AppealOutcome.values:
        raise ValidationError({"outcome": ["Choose the outcome: won, partly won or lost."]})
    return _record(
        row, user=user, kind=DenialActionKind.APPEAL_OUTCOME, outcome=outcome, reason=reason.strip()
    )


def _outstanding(row: WorklistRow) -> Decimal:
    return max(ZERO, row.line.charge - row.line.paid)


@transaction.atomic
def denial_bill_patient(
    *, user: User, line_id: int, amount: Decimal, reason: str = ""
) -> DenialAction:
    """Record the patient's responsibility billed to the patient for this line."""
    row = _open_row(user, line_id)
    if amount <= 0:
        raise ValidationError({"amount": ["The amount billed to the patient is above zero."]})
    if amount > _outstanding(row):
        raise ValidationError(
            {"amount": [f"At most {_outstanding(row)}: the charge less what the payer paid."]}
        )
    return _record(
        row, user=user, kind=DenialActionKind.BILL_PATIENT, amount=amount, reason=reason.strip()
    )


@transaction.atomic
def denial_write_off(*, user: User, line_id: int, reason: str) -> DenialAction:
    """Write off what the payer did not pay on this line, with the reason."""
    row = _open_row(user, line_id)
    if not reason.strip():
        raise ValidationError({"reason": ["Why write this off? A reason is required."]})
    amount = max(ZERO, _outstanding(row) - row.line.patient_responsibility)
    return _record(
        row, user=user, kind=DenialActionKind.WRITE_OFF, amount=amount, reason=reason.strip()
    )


# ----------------------------------------------------------------------------- appeal letter
def _latin1(text: object) -> str:
    replaced = str(text).replace("–", "-").replace("—", "-").replace("’", "'")
    return replaced.encode("latin-1", "replace").decode("latin-1")


def appeal_letter_pdf(row: WorklistRow, *, reason: str, signed_by: str) -> bytes:
    """The appeal letter: the claim, its lines and diagnoses, the payer's codes, the engine's
    rule ids and the clinician's override reason. No note text (billers never see it)."""
    from fpdf import FPDF

    claim = row.claim
    patient = claim.patient
    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, _latin1(f"Appeal of claim {claim.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)

    def para(text: str) -> None:
        pdf.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    payer = claim.payer.name if claim.payer else "the payer"
    para(f"To: {payer}   Date: {timezone.localdate():%Y-%m-%d}")
    para(
        f"Patient: {patient.last_name}, {patient.first_name} (date of birth "
        f"{patient.date_of_birth:%Y-%m-%d}), member id {claim.member_id or '-'}."
    )
    para(
        f"Date of service {claim.date_of_service:%Y-%m-%d}; your claim number "
        f"{row.line.payment.payer_claim_number or claim.payer_claim_number or '-'}; "
        f"rendering NPI {claim.rendering_npi}."
    )
    line = row.line
    mods = "".join(f"-{m}" for m in line.modifiers)
    para(
        f"Line appealed: {line.code}{mods} x{line.units:g}, charge {line.charge}, paid "
        f"{line.paid}. Your adjustment codes: "
        + ", ".join(f"{a.group}-{a.carc} {a.amount}" for a, _ in row.carcs)
        + (f"; remarks {', '.join(r for r, _ in row.rarcs)}" if row.rarcs else "")
        + "."
    )
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Claim lines", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for claim_line in claim.lines.all():
        lm = "".join(f"-{m}" for m in claim_line.modifiers)
        pointers = ", ".join(str(p) for p in claim_line.pointers)
        para(
            f"{claim_line.position}. {claim_line.code}{lm} x{claim_line.units}, "
            f"charge {claim_line.charge}, diagnosis pointers {pointers}"
        )
    para("Diagnoses (ICD-10-CM): " + ", ".join(claim.diagnoses))
    para(
        "Coding support: the code was proposed by the practice's coding rules "
        + (", ".join(row.rules) if row.rules else "(chosen by the clinician)")
        + "."
    )
    if row.override_reason:
        para(f"The clinician's reason for the codes chosen: {row.override_reason}")
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Why this line should be paid", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    para(reason)
    para(f"Sincerely, {signed_by}")
    return bytes(pdf.output())
