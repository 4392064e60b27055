"""271 eligibility responses as a payer would send them, for the eligibility tests.

``response_271`` writes one 005010X279A1 interchange from a list of ``Benefits``: each
patient's TRN (the trace our 270 sent), active or inactive coverage, plan dates, and the
mental-health benefits a payer lists as EB loops (B copay, A coinsurance, C deductible and
what remains, F with HSD*VS for the visit limit, R with loop 2120C for a carve-out).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from claims.x12.eligibility import trace_for


@dataclass(frozen=True)
class Benefits:
    coverage: object  # encounters.Coverage
    visit_date: datetime.date
    active: bool = True
    copay: Decimal | None = Decimal("30")
    telehealth_copay: Decimal | None = None
    coinsurance: Decimal | None = None  # a fraction, as EB08 carries it (0.2)
    deductible: Decimal | None = Decimal("500")
    remaining: Decimal | None = Decimal("350")
    visits: int | None = 20
    carve_out: str = ""
    service_type: str = "MH"
    trace: str | None = None  # None: our trace; "" none at all


def _patient_loops(b: Benefits, hl: int) -> tuple[list[str], int]:
    """The patient's loops from HL ``hl``; returns them and the last HL id used. A dependent
    (coverage relation other than self) is answered in 2000D under the subscriber."""
    patient, coverage = b.coverage.patient, b.coverage
    trace = trace_for(coverage.pk, b.visit_date) if b.trace is None else b.trace
    st = b.service_type
    member = f"****MI*{coverage.member_id}"
    if coverage.relation != "18":
        sub = f"{coverage.subscriber_last_name.upper()}*{coverage.subscriber_first_name.upper()}"
        out = [f"HL*{hl}*2*22*1", f"NM1*IL*1*{sub}{member}", f"HL*{hl + 1}*{hl}*23*0"]
        hl += 1
        name = f"NM1*03*1*{patient.last_name.upper()}*{patient.first_name.upper()}"
    else:
        out = [f"HL*{hl}*2*22*0"]
        name = f"NM1*IL*1*{patient.last_name.upper()}*{patient.first_name.upper()}{member}"
    if trace:
        out.append(f"TRN*2*{trace}*9123456789")
    out += [
        name,
        f"DMG*D8*{patient.date_of_birth:%Y%m%d}*{patient.sex}",
        f"DTP*346*D8*{b.visit_date.year}0101",
        f"DTP*347*D8*{b.visit_date.year}1231",
    ]
    if not b.active:
        out.append("EB*6*IND*30")
        return out, hl
    out.append("EB*1*IND*30**GOLD PPO")
    if b.copay is not None:
        out.append(f"EB*B*IND*{st}***27*{b.copay}")
    if b.telehealth_copay is not None:
        out += [f"EB*B*IND*{st}***27*{b.telehealth_copay}", "MSG*TELEHEALTH VISITS"]
    if b.coinsurance is not None:
        out.append(f"EB*A*IND*{st}****{b.coinsurance}")
    if b.deductible is not None:
        out.append(f"EB*C*IND*{st}***23*{b.deductible}")
    if b.remaining is not None:
        out.append(f"EB*C*IND*{st}***29*{b.remaining}")
    if b.visits is not None:
        out += [f"EB*F*IND*{st}", f"HSD*VS*{b.visits}***22"]
    if b.carve_out:
        out += [f"EB*R*IND*{st}", "LS*2120", f"NM1*PR*2*{b.carve_out}*****PI*77777", "LE*2120"]
    return out, hl


def response_271(answers: list[Benefits], *, payer_id: str = "COMM1") -> str:
    body = [
        "ST*271*0001*005010X279A1",
        "BHT*0022*11*R1*20261130*1200",
        "HL*1**20*1",
        f"NM1*PR*2*COMMERCIAL PLAN*****PI*{payer_id}",
        "HL*2*1*21*1",
        "NM1*1P*2*RIVERSIDE PSYCHIATRY PC*****XX*1234567893",
    ]
    hl = 2
    for b in answers:
        loops, hl = _patient_loops(b, hl + 1)
        body += loops
    body.append(f"SE*{len(body) + 1}*0001")
    isa = (
        "ISA*00*          *00*          *ZZ*PAYER          *ZZ*123456789      "
        "*261130*1200*^*00501*000000001*0*P*:"
    )
    envelope = [isa, "GS*HB*PAYER*123456789*20261130*1200*1*X*005010X279A1", *body]
    envelope += ["GE*1*1", "IEA*1*000000001"]
    return "~\n".join(envelope) + "~\n"
