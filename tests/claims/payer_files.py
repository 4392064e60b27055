"""A small builder of the files payers send back (835, 999, 277CA), for the tests.

Each builder writes an interchange pyx12 validates (005010X221A1, 005010X231A1,
005010X214), so the import under test sees files shaped as a payer's. Amounts are given
as text or Decimal; lines are ``SvcLine`` values.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

PAYER_KEY = "1999999999"  # TRN03: 1 + the payer's tax id
DAY = datetime.date(2026, 11, 20)


def _amt(value: Decimal | str | int) -> str:
    text = f"{Decimal(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _interchange(body: list[str], *, gs_code: str, version: str, control: int = 1) -> str:
    """ISA/GS ... GE/IEA around ``body`` (ST..SE)."""
    isa = (
        "ISA*00*          *00*          *ZZ*"
        + "PAYERSENDER".ljust(15)
        + "*ZZ*"
        + "123456789".ljust(15)
        + f"*{DAY:%y%m%d}*1200*^*00501*{control:09d}*0*T*:"
    )
    return (
        "~\n".join(
            [
                isa,
                f"GS*{gs_code}*PAYERSENDER*123456789*{DAY:%Y%m%d}*1200*{control}*X*{version}",
                *body,
                f"GE*1*{control}",
                f"IEA*1*{control:09d}",
            ]
        )
        + "~\n"
    )


def _transaction(st: str, segments: list[str]) -> list[str]:
    return [st, *segments, f"SE*{len(segments) + 2}*0001"]


@dataclass
class Adj:
    group: str
    carc: str
    amount: Decimal | str

    def segment(self) -> str:
        return f"CAS*{self.group}*{self.carc}*{_amt(self.amount)}"


@dataclass
class SvcLine:
    code: str
    charge: Decimal | str
    paid: Decimal | str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    date: datetime.date | None = None
    control: str = ""
    allowed: Decimal | str | None = None
    adjustments: list[Adj] = field(default_factory=list)
    rarcs: tuple[str, ...] = ()

    def segments(self) -> list[str]:
        procedure = ":".join(["HC", self.code, *self.modifiers])
        out = [f"SVC*{procedure}*{_amt(self.charge)}*{_amt(self.paid)}**{self.units}"]
        if self.date:
            out.append(f"DTM*472*{self.date:%Y%m%d}")
        out += [a.segment() for a in self.adjustments]
        if self.control:
            out.append(f"REF*6R*{self.control}")
        if self.allowed is not None:
            out.append(f"AMT*B6*{_amt(self.allowed)}")
        out += [f"LQ*HE*{r}" for r in self.rarcs]
        return out


@dataclass
class ClaimPay:
    claim_number: str
    status: str
    charge: Decimal | str
    paid: Decimal | str
    patient_responsibility: Decimal | str = "0"
    payer_claim_number: str = "2026112000001"
    lines: list[SvcLine] = field(default_factory=list)
    adjustments: list[Adj] = field(default_factory=list)
    forwarded_to: str = ""

    def segments(self) -> list[str]:
        out = [
            f"CLP*{self.claim_number}*{self.status}*{_amt(self.charge)}*{_amt(self.paid)}*"
            f"{_amt(self.patient_responsibility)}*12*{self.payer_claim_number}*11*1"
        ]
        out += [a.segment() for a in self.adjustments]
        out.append("NM1*QC*1*DOE*JANE****MI*MEM123")
        if self.forwarded_to:
            out.append(f"NM1*TT*2*{self.forwarded_to}*****PI*SECOND1")
        for line in self.lines:
            out += line.segments()
        return out


def era_835(claims: list[ClaimPay], *, trace: str = "EFT0001", payer_key: str = PAYER_KEY) -> str:
    """An 835 paying ``claims`` by one EFT numbered ``trace``."""
    total = sum((Decimal(str(c.paid)) for c in claims), Decimal("0"))
    header = [
        f"BPR*I*{_amt(total)}*C*ACH*CCP*01*999999992*DA*123456*{payer_key}**01*999988880*DA*98765"
        f"*{DAY:%Y%m%d}",
        f"TRN*1*{trace}*{payer_key}",
        f"DTM*405*{DAY:%Y%m%d}",
        "N1*PR*ACME HEALTH PLAN",
        "N3*1 PAYER WAY",
        "N4*HARTFORD*CT*06101",
        "PER*BL*EDI SUPPORT*TE*8005550100",
        "N1*PE*RIVERSIDE PSYCHIATRY PC*XX*1234567893",
        "LX*1",
    ]
    body = [seg for c in claims for seg in c.segments()]
    return _interchange(
        _transaction("ST*835*0001", header + body), gs_code="HP", version="005010X221A1"
    )


def ack_999(
    *, group_control: int, accepted: bool, error_segment: str = "CLM", position: int = 23
) -> str:
    """A 999 answering our 837P group ``group_control`` (its one transaction set)."""
    segs = [f"AK1*HC*{group_control}*005010X222A1", "AK2*837*0001*005010X222A1"]
    if accepted:
        segs.append("IK5*A")
        segs.append("AK9*A*1*1*1")
    else:
        segs += [f"IK3*{error_segment}*{position}**8", "IK4*2**7*XX", "IK5*R*5"]
        segs.append("AK9*R*1*1*0")
    return _interchange(
        _transaction("ST*999*0001*005010X231A1", segs), gs_code="FA", version="005010X231A1"
    )


@dataclass
class ClaimStatus:
    claim_number: str
    category: str  # A1 / A2 accepted, A3 / A6 / A7 rejected
    code: str = "20"
    charge: Decimal | str = "300"
    payer_claim_number: str = ""
    date: datetime.date = DAY


def ack_277ca(claims: list[ClaimStatus]) -> str:
    """A 277CA answering ``claims`` one by one."""
    segs = [
        f"BHT*0085*08*277CA0001*{DAY:%Y%m%d}*1200*TH",
        "HL*1**20*1",
        "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1",
        "TRN*1*277CA0001",
        f"DTP*050*D8*{DAY:%Y%m%d}",
        f"DTP*009*D8*{DAY:%Y%m%d}",
        "HL*2*1*21*1",
        "NM1*41*2*RIVERSIDE PSYCHIATRY PC*****46*123456789",
        "TRN*2*1",
        f"STC*A1:19*{DAY:%Y%m%d}*WQ*300",
        "HL*3*2*19*1",
        "NM1*85*2*RIVERSIDE PSYCHIATRY PC*****XX*1234567893",
        "TRN*1*0",
        "STC*A1:19**WQ*300",
    ]
    for n, c in enumerate(claims, start=4):
        action = "WQ" if c.category in ("A1", "A2") else "U"
        segs += [
            f"HL*{n}*3*PT",
            "NM1*QC*1*DOE*JANE****MI*MEM123",
            f"TRN*2*{c.claim_number}",
            f"STC*{c.category}:{c.code}*{DAY:%Y%m%d}*{action}*{_amt(c.charge)}",
        ]
        if c.payer_claim_number:
            segs.append(f"REF*1K*{c.payer_claim_number}")
        segs.append(f"DTP*472*D8*{c.date:%Y%m%d}")
    return _interchange(
        _transaction("ST*277*0001*005010X214", segs), gs_code="HN", version="005010X214"
    )
