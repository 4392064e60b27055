"""The 005010X221A1 835 (remittance advice) read into plain dataclasses.

Pure Python: ``era_read(text)`` returns an ``Era`` per transaction set (one check or EFT):
the payer (TRN03 and N1*PR), the trace number (TRN02), the payment date (BPR16) and the
claim payments (CLP loops) with their adjustments (CAS), service lines (SVC: code,
modifiers, charge, paid, units, date DTP*472, line control number REF*6R, allowed amount
AMT*B6, remark codes LQ*HE) and the carrier a claim was forwarded to (NM1*TT).
``claims.era`` posts them.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from .read import Segment, X12ReadError, amount, date8, loops, quantity, x12_segments

REVERSAL = "22"
DENIED = "4"
FORWARDED = frozenset({"19", "20", "21"})
SECONDARY = frozenset({"2", "3"})


@dataclass(frozen=True)
class EraAdjustment:
    group: str  # CO, PR, OA, PI, CR
    carc: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True)
class EraLine:
    code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    units: Decimal
    service_date: datetime.date | None
    control_number: str = ""
    allowed: Decimal | None = None
    adjustments: tuple[EraAdjustment, ...] = ()
    rarcs: tuple[str, ...] = ()

    @property
    def patient_responsibility(self) -> Decimal:
        return sum((a.amount for a in self.adjustments if a.group == "PR"), Decimal("0"))


@dataclass(frozen=True)
class EraClaim:
    claim_reference: str  # CLP01: our claim number as we sent it (CLM01)
    status: str  # CLP02
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    payer_claim_number: str  # CLP07
    patient_name: str = ""
    service_date: datetime.date | None = None
    forwarded_to: str = ""
    adjustments: tuple[EraAdjustment, ...] = ()
    lines: tuple[EraLine, ...] = ()
    rarcs: tuple[str, ...] = ()  # MOA remark codes on the claim

    @property
    def reversal(self) -> bool:
        return self.status == REVERSAL

    def all_adjustments(self) -> list[EraAdjustment]:
        return [*self.adjustments, *(a for line in self.lines for a in line.adjustments)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: amounts and dates as text (kept with an unmatched payment)."""
        data: dict[str, Any] = _jsonable(asdict(self))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EraClaim:
        def adj(a: dict[str, Any]) -> EraAdjustment:
            qty = a.get("quantity")
            return EraAdjustment(
                a["group"], a["carc"], Decimal(a["amount"]), Decimal(qty) if qty else None
            )

        def line(ln: dict[str, Any]) -> EraLine:
            return EraLine(
                code=ln["code"],
                modifiers=tuple(ln["modifiers"]),
                charge=Decimal(ln["charge"]),
                paid=Decimal(ln["paid"]),
                units=Decimal(ln["units"]),
                service_date=_date(ln["service_date"]),
                control_number=ln["control_number"],
                allowed=Decimal(ln["allowed"]) if ln["allowed"] is not None else None,
                adjustments=tuple(adj(a) for a in ln["adjustments"]),
                rarcs=tuple(ln["rarcs"]),
            )

        return cls(
            claim_reference=data["claim_reference"],
            status=data["status"],
            charge=Decimal(data["charge"]),
            paid=Decimal(data["paid"]),
            patient_responsibility=Decimal(data["patient_responsibility"]),
            payer_claim_number=data["payer_claim_number"],
            patient_name=data["patient_name"],
            service_date=_date(data["service_date"]),
            forwarded_to=data["forwarded_to"],
            adjustments=tuple(adj(a) for a in data["adjustments"]),
            lines=tuple(line(ln) for ln in data["lines"]),
            rarcs=tuple(data["rarcs"]),
        )


@dataclass(frozen=True)
class Era:
    payer_key: str  # TRN03 (1 + the payer's tax id), else the payer's N1*PR id
    payer_name: str
    trace_number: str  # TRN02, the check or EFT number
    paid_on: datetime.date | None
    total_paid: Decimal
    claims: tuple[EraClaim, ...] = field(default=())


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal | datetime.date):
        return str(value)
    return value


def _cas(seg: Segment) -> list[EraAdjustment]:
    """CAS: a group and up to six (reason, amount, quantity) triplets."""
    group = seg.get(1)
    out = []
    for i in range(2, 20, 3):
        carc = seg.get(i)
        if not carc:
            continue
        out.append(
            EraAdjustment(
                group,
                carc,
                amount(seg.get(i + 1), f"CAS{i + 1:02d}"),
                quantity(seg.get(i + 2), f"CAS{i + 2:02d}"),
            )
        )
    return out


def _line(segs: list[Segment]) -> EraLine:
    svc = segs[0]
    procedure = svc.components(1)
    if len(procedure) < 2 or not procedure[1]:
        raise X12ReadError(f"SVC01 at segment {svc.position} names no procedure code.")
    adjustments: list[EraAdjustment] = []
    control, allowed, rarcs, when = "", None, [], None
    for seg in segs[1:]:
        if seg.id == "CAS":
            adjustments += _cas(seg)
        elif seg.id == "REF" and seg.get(1) == "6R":
            control = seg.get(2)
        elif seg.id == "AMT" and seg.get(1) == "B6":
            allowed = amount(seg.get(2), "AMT02")
        elif seg.id == "LQ" and seg.get(1) == "HE":
            rarcs.append(seg.get(2))
        elif seg.id == "DTM" and seg.get(1) in ("472", "150"):
            when = when or date8(seg.get(2))
    units = svc.get(5)  # units paid
    return EraLine(
        code=procedure[1].upper(),
        modifiers=tuple(m.upper() for m in procedure[2:6] if m),
        charge=amount(svc.get(2), "SVC02"),
        paid=amount(svc.get(3), "SVC03"),
        units=quantity(units, "SVC05") or Decimal("1"),
        service_date=when,
        control_number=control,
        allowed=allowed,
        adjustments=tuple(adjustments),
        rarcs=tuple(rarcs),
    )


def _claim(segs: list[Segment]) -> EraClaim:
    clp = segs[0]
    head = []
    for seg in segs[1:]:
        if seg.id == "SVC":
            break
        head.append(seg)
    adjustments: list[EraAdjustment] = []
    patient, forwarded, when, rarcs = "", "", None, []
    for seg in head:
        if seg.id == "CAS":
            adjustments += _cas(seg)
        elif seg.id == "NM1" and seg.get(1) == "QC":
            patient = " ".join(p for p in (seg.get(4), seg.get(3)) if p)
        elif seg.id == "NM1" and seg.get(1) == "TT":
            forwarded = seg.get(3) or seg.get(9)
        elif seg.id == "DTM" and seg.get(1) == "232":
            when = date8(seg.get(2))
        elif seg.id == "MOA":
            rarcs += [seg.get(i) for i in range(3, 8) if seg.get(i)]
    lines = [_line(group) for group in loops(segs, "SVC", frozenset())]
    return EraClaim(
        claim_reference=clp.get(1),
        status=clp.get(2),
        charge=amount(clp.get(3), "CLP03"),
        paid=amount(clp.get(4), "CLP04"),
        patient_responsibility=amount(clp.get(5), "CLP05"),
        payer_claim_number=clp.get(7),
        patient_name=patient,
        service_date=when,
        forwarded_to=forwarded,
        adjustments=tuple(adjustments),
        lines=tuple(lines),
        rarcs=tuple(rarcs),
    )


def era_read(text: str) -> list[Era]:
    """The 835 transaction sets of ``text`` (usually one), each with its claim payments."""
    segments = x12_segments(text)
    out = []
    for st in loops(segments, "ST", frozenset({"GE", "IEA"})):
        if st[0].get(1) != "835":
            raise X12ReadError(f"Transaction set {st[0].get(1)} is not an 835 remittance.")
        bpr = next((s for s in st if s.id == "BPR"), None)
        trn = next((s for s in st if s.id == "TRN"), None)
        if bpr is None or trn is None or not trn.get(2):
            raise X12ReadError("The 835 has no BPR payment or TRN check/EFT number.")
        n1 = next((s for s in st if s.id == "N1" and s.get(1) == "PR"), None)
        payer_key = trn.get(3) or (n1.get(4) if n1 else "")
        if not payer_key:
            raise X12ReadError("The 835 names no payer (TRN03 and N1*PR are empty).")
        claims = tuple(_claim(group) for group in loops(st, "CLP", frozenset({"PLB", "SE", "LX"})))
        out.append(
            Era(
                payer_key=payer_key,
                payer_name=n1.get(2) if n1 else "",
                trace_number=trn.get(2),
                paid_on=date8(bpr.get(16)),
                total_paid=amount(bpr.get(2), "BPR02"),
                claims=claims,
            )
        )
    if not out:
        raise X12ReadError("The file holds no 835 transaction set.")
    return out
