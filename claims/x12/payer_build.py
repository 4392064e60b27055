"""Writers of the files payers send back: the 835 remittance, the 999 and the 277CA.

The practice never receives these from itself: they are written for the demo practice's
payer (``claims.demo_payer``) and for the tests, so the imports (``claims.era``,
``claims.acks``) read files shaped as a payer's. Each writer returns one interchange
pyx12 validates (005010X221A1, 005010X231A1, 005010X214); callers check with
``claims.x12.validate.x12_validate`` before they use it. Amounts are Decimal, text or int.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

PAYER_KEY = "1999999999"  # TRN03: 1 + the payer's tax id
PAYER_NAME = "ACME HEALTH PLAN"
PAYEE_NAME = "RIVERSIDE PSYCHIATRY PC"
PAYEE_NPI = "1234567893"
SENDER = "PAYERSENDER"
RECEIVER = "123456789"

Amount = Decimal | str | int


def _amt(value: Amount) -> str:
    text = f"{Decimal(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _name(text: str) -> str:
    """An X12 name element: upper case, no separators."""
    return "".join(c for c in text.upper() if c not in "*~:^")[:60]


def _interchange(
    body: list[str], *, gs_code: str, version: str, day: datetime.date, control: int = 1
) -> str:
    """ISA/GS ... GE/IEA around ``body`` (ST..SE)."""
    isa = (
        "ISA*00*          *00*          *ZZ*"
        + SENDER.ljust(15)
        + "*ZZ*"
        + RECEIVER.ljust(15)
        + f"*{day:%y%m%d}*1200*^*00501*{control:09d}*0*T*:"
    )
    return (
        "~\n".join(
            [
                isa,
                f"GS*{gs_code}*{SENDER}*{RECEIVER}*{day:%Y%m%d}*1200*{control}*X*{version}",
                *body,
                f"GE*1*{control}",
                f"IEA*1*{control:09d}",
            ]
        )
        + "~\n"
    )


def _transaction(st: str, segments: list[str]) -> list[str]:
    return [st, *segments, f"SE*{len(segments) + 2}*0001"]


def _today() -> datetime.date:
    return timezone.localdate()


@dataclass
class Adj:
    """One CAS adjustment: group (CO, PR, OA, PI, CR), reason code (CARC), amount."""

    group: str
    carc: str
    amount: Amount

    def segment(self) -> str:
        return f"CAS*{self.group}*{self.carc}*{_amt(self.amount)}"


@dataclass
class SvcLine:
    """One service line paid (SVC loop), with its line control number (REF*6R)."""

    code: str
    charge: Amount
    paid: Amount
    modifiers: tuple[str, ...] = ()
    units: int = 1
    date: datetime.date | None = None
    control: str = ""
    allowed: Amount | None = None
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
    """One claim payment (CLP loop): CLP02 status 1 paid, 4 denied, 22 reversal..."""

    claim_number: str
    status: str
    charge: Amount
    paid: Amount
    patient_responsibility: Amount = "0"
    payer_claim_number: str = "2026112000001"
    lines: list[SvcLine] = field(default_factory=list)
    adjustments: list[Adj] = field(default_factory=list)
    forwarded_to: str = ""
    patient_last: str = "DOE"
    patient_first: str = "JANE"
    member_id: str = "MEM123"

    def segments(self) -> list[str]:
        out = [
            f"CLP*{self.claim_number}*{self.status}*{_amt(self.charge)}*{_amt(self.paid)}*"
            f"{_amt(self.patient_responsibility)}*12*{self.payer_claim_number}*11*1"
        ]
        out += [a.segment() for a in self.adjustments]
        out.append(
            f"NM1*QC*1*{_name(self.patient_last)}*{_name(self.patient_first)}****MI*"
            f"{_name(self.member_id) or 'UNKNOWN'}"
        )
        if self.forwarded_to:
            out.append(f"NM1*TT*2*{self.forwarded_to}*****PI*SECOND1")
        for line in self.lines:
            out += line.segments()
        return out


def era_835(
    claims: list[ClaimPay],
    *,
    trace: str = "EFT0001",
    payer_key: str = PAYER_KEY,
    day: datetime.date | None = None,
    payer_name: str = PAYER_NAME,
    control: int = 1,
) -> str:
    """An 835 paying ``claims`` by one EFT numbered ``trace`` on ``day`` (default today)."""
    day = day or _today()
    total = sum((Decimal(str(c.paid)) for c in claims), Decimal("0"))
    header = [
        f"BPR*I*{_amt(total)}*C*ACH*CCP*01*999999992*DA*123456*{payer_key}**01*999988880*DA*98765"
        f"*{day:%Y%m%d}",
        f"TRN*1*{trace}*{payer_key}",
        f"DTM*405*{day:%Y%m%d}",
        f"N1*PR*{_name(payer_name)}",
        "N3*1 PAYER WAY",
        "N4*HARTFORD*CT*06101",
        "PER*BL*EDI SUPPORT*TE*8005550100",
        f"N1*PE*{PAYEE_NAME}*XX*{PAYEE_NPI}",
        "LX*1",
    ]
    body = [seg for c in claims for seg in c.segments()]
    return _interchange(
        _transaction("ST*835*0001", header + body),
        gs_code="HP",
        version="005010X221A1",
        day=day,
        control=control,
    )


def ack_999(
    *,
    group_control: int,
    accepted: bool,
    error_segment: str = "CLM",
    position: int = 23,
    day: datetime.date | None = None,
    control: int = 1,
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
        _transaction("ST*999*0001*005010X231A1", segs),
        gs_code="FA",
        version="005010X231A1",
        day=day or _today(),
        control=control,
    )


@dataclass
class ClaimStatus:
    """One claim's answer in a 277CA: STC category A1/A2 accepted, A3/A6/A7 rejected."""

    claim_number: str
    category: str
    code: str = "20"
    charge: Amount = "300"
    payer_claim_number: str = ""
    date: datetime.date | None = None  # the date of service; the file's day when None
    patient_last: str = "DOE"
    patient_first: str = "JANE"
    member_id: str = "MEM123"


def ack_277ca(
    claims: list[ClaimStatus],
    *,
    day: datetime.date | None = None,
    payer_name: str = PAYER_NAME,
    control: int = 1,
) -> str:
    """A 277CA answering ``claims`` one by one."""
    day = day or _today()
    total = sum((Decimal(str(c.charge)) for c in claims), Decimal("0"))
    segs = [
        f"BHT*0085*08*277CA{control:04d}*{day:%Y%m%d}*1200*TH",
        "HL*1**20*1",
        f"NM1*PR*2*{_name(payer_name)}*****PI*ACME1",
        f"TRN*1*277CA{control:04d}",
        f"DTP*050*D8*{day:%Y%m%d}",
        f"DTP*009*D8*{day:%Y%m%d}",
        "HL*2*1*21*1",
        f"NM1*41*2*{PAYEE_NAME}*****46*{RECEIVER}",
        "TRN*2*1",
        f"STC*A1:19*{day:%Y%m%d}*WQ*{_amt(total)}",
        "HL*3*2*19*1",
        f"NM1*85*2*{PAYEE_NAME}*****XX*{PAYEE_NPI}",
        "TRN*1*0",
        f"STC*A1:19**WQ*{_amt(total)}",
    ]
    for n, c in enumerate(claims, start=4):
        action = "WQ" if c.category in ("A1", "A2") else "U"
        segs += [
            f"HL*{n}*3*PT",
            f"NM1*QC*1*{_name(c.patient_last)}*{_name(c.patient_first)}****MI*"
            f"{_name(c.member_id) or 'UNKNOWN'}",
            f"TRN*2*{c.claim_number}",
            f"STC*{c.category}:{c.code}*{day:%Y%m%d}*{action}*{_amt(c.charge)}",
        ]
        if c.payer_claim_number:
            segs.append(f"REF*1K*{c.payer_claim_number}")
        segs.append(f"DTP*472*D8*{(c.date or day):%Y%m%d}")
    return _interchange(
        _transaction("ST*277*0001*005010X214", segs),
        gs_code="HN",
        version="005010X214",
        day=day,
        control=control,
    )
