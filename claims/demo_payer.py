"""The demo practice's payer: answers the 837P files the demo exports, as a payer would.

A real practice gets its 835, 999 and 277CA files from its payers or clearinghouse; the
demo practice (``manage.py seed_demo``) and the browser journeys get them from here. Given
claims already exported, ``demo_era`` writes one 005010X221A1 835 paying, partly paying or
denying each claim line by line (CLP, SVC with REF*6R line control numbers, CAS group and
CARC, LQ*HE remark codes), ``demo_reversal`` takes a payment back (CLP02 22), ``demo_277ca``
and ``demo_999`` acknowledge. What each claim gets is drawn from ``seed`` and the claim's
number, so the same claims and seed always give the same file. Every file is checked with
pyx12 (``claims.x12.validate``) before it is returned: a file the app's own readers would
refuse raises ``DemoFileError``.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .models import Claim, ClaimLine, ExportBatch
from .x12 import payer_build
from .x12.build import line_control_number
from .x12.payer_build import Adj, ClaimPay, ClaimStatus, SvcLine
from .x12.validate import x12_validate

CENT = Decimal("0.01")
# What the payer allows when the fee schedule gave a line no expected amount.
ALLOWED_SHARE = Decimal("0.72")


class DemoFileError(RuntimeError):
    """pyx12 refused a file the demo payer wrote."""


class Answer(StrEnum):
    PAID = "paid"  # the allowed amount, the rest a contractual reduction (CO-45)
    PATIENT_SHARE = "patient_share"  # partly paid: deductible, coinsurance or copay (PR)
    LINE_DENIED = "line_denied"  # the first line paid, the last denied (partly paid)
    DENIED = "denied"  # every line denied (CLP02 4)


@dataclass(frozen=True)
class Denial:
    """A denial a behavioural health practice meets: the CARC and its remark code."""

    carc: str
    rarc: str
    group: str = "CO"


# Missing or invalid information, not medically necessary, bundled, no authorisation,
# coverage ended: the common behavioural health denials (claims/data/adjustment_codes.json).
DENIALS = (
    Denial("16", "M51"),
    Denial("50", "N115"),
    Denial("97", "M15"),
    Denial("197", "N54"),
    Denial("27", "N30"),
)
# How often each answer comes, by payer: Medicaid leaves no patient share.
WEIGHTS = {
    "medicaid": {
        Answer.PAID: 82,
        Answer.PATIENT_SHARE: 0,
        Answer.LINE_DENIED: 6,
        Answer.DENIED: 12,
    },
    "default": {
        Answer.PAID: 50,
        Answer.PATIENT_SHARE: 32,
        Answer.LINE_DENIED: 6,
        Answer.DENIED: 12,
    },
}


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _allowed(line: ClaimLine) -> Decimal:
    expected = Decimal(line.expected)
    if 0 < expected <= line.charge:
        return _money(expected)
    return _money(Decimal(line.charge) * ALLOWED_SHARE)


def _draw(claim: Claim, seed: int, what: str = "") -> random.Random:
    """The demo payer's dice for ``claim``: fixed by the seed and the visit (patient and day),
    not by the claim number, which follows the database's sequence and so differs between a
    fresh database and one that has held other claims."""
    patient = claim.patient
    key = f"{seed}:{patient.last_name}:{patient.first_name}:{patient.date_of_birth}"
    return random.Random(f"{key}:{claim.date_of_service}{what}")  # noqa: S311 - demo data


def demo_answer(claim: Claim, *, seed: int) -> Answer:
    """The answer the demo payer gives ``claim`` (fixed by the seed and the visit)."""
    rng = _draw(claim, seed)
    weights = WEIGHTS.get(claim.payer.slug if claim.payer else "", WEIGHTS["default"])
    answers = list(weights)
    chosen: Answer = rng.choices(answers, weights=[weights[a] for a in answers])[0]
    return chosen


def _patient_share(line: ClaimLine, allowed: Decimal, rng: random.Random, slug: str) -> Adj:
    """PR-1 deductible, PR-2 coinsurance (Medicare's 20%) or PR-3 copay, within ``allowed``."""
    if slug == "medicare":
        return Adj("PR", "2", _money(allowed * Decimal("0.2")))
    kind = rng.choice(["1", "2", "3", "3"])
    if kind == "1":
        return Adj("PR", "1", min(allowed, Decimal(rng.choice([50, 75, 100]))))
    if kind == "2":
        return Adj("PR", "2", _money(allowed * Decimal("0.2")))
    return Adj("PR", "3", min(allowed, Decimal(rng.choice([20, 25, 30]))))


def _line(claim: Claim, line: ClaimLine, *, denial: Denial | None, share: Adj | None) -> SvcLine:
    charge = _money(Decimal(line.charge))
    svc = SvcLine(
        line.code,
        charge,
        Decimal("0"),
        modifiers=tuple(line.modifiers),
        units=line.units,
        date=claim.date_of_service,
        control=line_control_number(claim.number, line.position),
    )
    if denial is not None:
        svc.adjustments = [Adj(denial.group, denial.carc, charge)]
        svc.rarcs = (denial.rarc,)
        return svc
    allowed = _allowed(line)
    svc.allowed = allowed
    if allowed < charge:
        svc.adjustments.append(Adj("CO", "45", charge - allowed))
    paid = allowed
    if share is not None:
        svc.adjustments.append(share)
        paid -= Decimal(share.amount)
    svc.paid = paid
    return svc


def demo_payment(
    claim: Claim, *, seed: int, day: datetime.date, answer: Answer | None = None
) -> ClaimPay:
    """The demo payer's CLP loop for ``claim``: ``answer``, else the one the seed draws."""
    answer = answer or demo_answer(claim, seed=seed)
    rng = _draw(claim, seed, ":lines")
    denial = rng.choice(DENIALS)
    slug = claim.payer.slug if claim.payer else ""
    lines = sorted(claim.lines.all(), key=lambda row: row.position)
    svcs = []
    for i, line in enumerate(lines):
        denied = answer == Answer.DENIED or (
            answer == Answer.LINE_DENIED and i == len(lines) - 1 and len(lines) > 1
        )
        share = None
        if answer == Answer.PATIENT_SHARE and i == 0:
            share = _patient_share(line, _allowed(line), rng, slug)
        svcs.append(_line(claim, line, denial=denial if denied else None, share=share))
    if answer == Answer.LINE_DENIED and len(lines) == 1:  # one line: the payer denies it
        answer = Answer.DENIED
        svcs = [_line(claim, lines[0], denial=denial, share=None)]
    charge = sum((Decimal(s.charge) for s in svcs), Decimal("0"))
    paid = sum((Decimal(s.paid) for s in svcs), Decimal("0"))
    owed = sum(
        (Decimal(a.amount) for s in svcs for a in s.adjustments if a.group == "PR"), Decimal("0")
    )
    patient = claim.patient
    return ClaimPay(
        claim.number,
        "4" if answer == Answer.DENIED else "1",
        charge,
        paid,
        patient_responsibility=owed,
        payer_claim_number=f"{day:%Y%m%d}{claim.number.lstrip('C')}",
        lines=svcs,
        patient_last=patient.last_name,
        patient_first=patient.first_name,
        member_id=claim.member_id,
    )


def demo_reversal(payment: ClaimPay) -> ClaimPay:
    """The payer taking ``payment`` back (CLP02 22): every amount negated."""

    def neg(value: payer_build.Amount) -> Decimal:
        return -Decimal(str(value))

    return ClaimPay(
        payment.claim_number,
        "22",
        neg(payment.charge),
        neg(payment.paid),
        patient_responsibility=neg(payment.patient_responsibility),
        payer_claim_number=payment.payer_claim_number,
        lines=[
            SvcLine(
                s.code,
                neg(s.charge),
                neg(s.paid),
                modifiers=s.modifiers,
                units=s.units,
                date=s.date,
                control=s.control,
                adjustments=[Adj(a.group, a.carc, neg(a.amount)) for a in s.adjustments],
            )
            for s in payment.lines
        ],
        patient_last=payment.patient_last,
        patient_first=payment.patient_first,
        member_id=payment.member_id,
    )


def checked(text: str, what: str) -> str:
    """``text`` once pyx12 finds nothing wrong in it; else DemoFileError naming the problems."""
    problems = x12_validate(text)
    if problems:
        raise DemoFileError(f"The demo payer's {what} does not validate: {'; '.join(problems)}")
    return text


def demo_era(
    payments: Iterable[ClaimPay],
    *,
    day: datetime.date,
    trace: str,
    payer_name: str = payer_build.PAYER_NAME,
    control: int = 1,
) -> str:
    """One 835 of ``payments`` (``demo_payment``, ``demo_reversal``), checked with pyx12."""
    text = payer_build.era_835(
        list(payments), trace=trace, day=day, payer_name=payer_name, control=control
    )
    return checked(text, "835")


def demo_era_for(
    claims: Iterable[Claim],
    *,
    seed: int,
    day: datetime.date,
    trace: str,
    answers: Mapping[str, Answer] | None = None,
) -> str:
    """The 835 answering ``claims`` (each its drawn answer, or ``answers[claim.number]``)."""
    answers = answers or {}
    return demo_era(
        [
            demo_payment(claim, seed=seed, day=day, answer=answers.get(claim.number))
            for claim in claims
        ],
        day=day,
        trace=trace,
    )


# 277CA rejections: invalid member id, missing information, entity not found.
REJECTIONS = (("A7", "164"), ("A6", "21"), ("A3", "33"))


def demo_277ca(
    claims: Iterable[Claim],
    *,
    day: datetime.date,
    rejected: Mapping[str, tuple[str, str]] | None = None,
    control: int = 1,
) -> str:
    """A 277CA accepting ``claims`` (A2:20, with the payer's claim number) except those in
    ``rejected`` (claim number -> STC category and status code), checked with pyx12."""
    rejected = rejected or {}
    answers = []
    for claim in claims:
        category, code = rejected.get(claim.number, ("A2", "20"))
        answers.append(
            ClaimStatus(
                claim.number,
                category,
                code,
                charge=claim.total_charge,
                date=claim.date_of_service,
                patient_last=claim.patient.last_name,
                patient_first=claim.patient.first_name,
                member_id=claim.member_id,
            )
        )
    return checked(payer_build.ack_277ca(answers, day=day, control=control), "277CA")


def demo_999(batch: ExportBatch, *, day: datetime.date, accepted: bool = True) -> str:
    """A 999 accepting (or rejecting) 837P ``batch``, checked with pyx12."""
    text = payer_build.ack_999(
        group_control=batch.control_number, accepted=accepted, day=day, control=batch.pk
    )
    return checked(text, "999")
