"""X12 005010X222A1 837P (professional claims) for a batch of approved claims.

The writer takes claims with their patient, payer, clinician, coverage and lines loaded
(``claim_batch_export`` fetches them) and returns the interchange as text, one segment a
line. Loops: ISA/GS/ST/BHT, 1000A submitter, 1000B receiver, 2000A billing provider
(2010AA), per claim 2000B subscriber (2010BA, 2010BB payer), 2000C patient when the patient
is not the subscriber, 2300 claim (CLM, HI), 2310B rendering provider, 2400 lines (SV1
with diagnosis pointers, DTP 472), then SE/GE/IEA.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings

SEGMENT = "~"
ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
SELF = "18"
_UNSAFE = re.compile(r"[*~:^\r\n]")


def _clean(value: Any, limit: int | None = None) -> str:
    text = _UNSAFE.sub(" ", str(value or "")).strip().upper()
    return text[:limit] if limit else text


def _amount(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _seg(*elements: Any) -> str:
    parts = [str(e) for e in elements]
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return ELEMENT.join(parts) + SEGMENT


def _address(line1: str, city: str, state: str, postal: str) -> list[str]:
    return [
        _seg("N3", _clean(line1, 55)),
        _seg("N4", _clean(city, 30), _clean(state, 2), _digits(postal)[:9]),
    ]


def _name(qualifier: str, entity: str, last: str, first: str, id_qual: str, ident: str) -> str:
    return _seg(
        "NM1", qualifier, entity, _clean(last, 60), _clean(first, 35), "", "", "", id_qual, ident
    )


def _sender_id() -> str:
    return _digits(settings.PRACTICE_TAX_ID) or "SENDER"


def _billing_provider() -> list[str]:
    return [
        _seg("PRV", "BI", "PXC", settings.PRACTICE_TAXONOMY),
        _seg(
            "NM1",
            "85",
            "2",
            _clean(settings.PRACTICE_NAME, 60),
            "",
            "",
            "",
            "",
            "XX",
            settings.PRACTICE_NPI,
        ),
        *_address(
            settings.PRACTICE_ADDRESS,
            settings.PRACTICE_CITY,
            settings.PRACTICE_STATE,
            settings.PRACTICE_POSTAL_CODE,
        ),
        _seg("REF", "EI", _digits(settings.PRACTICE_TAX_ID)),
    ]


def _claim_segments(claim: Any, hl: int, parent: int) -> tuple[list[str], int]:
    """The 2000B (and 2000C) loops of one claim; returns the segments and the last HL id."""
    patient = claim.patient
    sub = claim.subscriber or {}
    is_self = sub.get("relation", SELF) == SELF
    payer = claim.payer
    out = [
        _seg("HL", hl, parent, "22", "0" if is_self else "1"),
        _seg(
            "SBR",
            "P",
            SELF if is_self else "",
            _clean(sub.get("group_number"), 50),
            "",
            "",
            "",
            "",
            "",
            payer.claim_filing_indicator if payer else "CI",
        ),
        _name(
            "IL",
            "1",
            sub.get("last_name") or patient.last_name,
            sub.get("first_name") or patient.first_name,
            "MI",
            _clean(claim.member_id, 80),
        ),
    ]
    if is_self:
        out += _address(patient.address_line1, patient.city, patient.state, patient.postal_code)
        out.append(_seg("DMG", "D8", f"{patient.date_of_birth:%Y%m%d}", patient.sex or "U"))
    out.append(
        _seg(
            "NM1",
            "PR",
            "2",
            _clean(payer.name if payer else "UNKNOWN PAYER", 60),
            "",
            "",
            "",
            "",
            "PI",
            _clean(payer.payer_id if payer else "UNKNOWN", 80),
        )
    )
    last = hl
    if not is_self:
        last = hl + 1
        out += [
            _seg("HL", last, hl, "23", "0"),
            _seg("PAT", sub.get("relation") or "G8"),
            _name("QC", "1", patient.last_name, patient.first_name, "", ""),
            *_address(patient.address_line1, patient.city, patient.state, patient.postal_code),
            _seg("DMG", "D8", f"{patient.date_of_birth:%Y%m%d}", patient.sex or "U"),
        ]
    lines = list(claim.lines.all())
    total = sum((ln.charge for ln in lines), Decimal("0"))
    pos = claim.place_of_service or "11"
    out.append(
        _seg(
            "CLM",
            _clean(claim.number, 38),
            _amount(total),
            "",
            "",
            COMPONENT.join([pos, "B", "1"]),
            "Y",
            "A",
            "Y",
            "Y",
        )
    )
    codes = [c.replace(".", "").upper() for c in claim.diagnoses[:12]]
    if codes:
        out.append(
            _seg("HI", *[("ABK" if i == 0 else "ABF") + COMPONENT + c for i, c in enumerate(codes)])
        )
    clinician = claim.clinician
    out += [
        _name(
            "82",
            "1",
            clinician.user.last_name or clinician.user.username,
            clinician.user.first_name,
            "XX",
            claim.rendering_npi,
        ),
        _seg("PRV", "PE", "PXC", clinician.taxonomy_code),
    ]
    for number, line in enumerate(lines, start=1):
        procedure = COMPONENT.join(["HC", line.code, *line.modifiers[:4]])
        pointers = COMPONENT.join(str(p) for p in line.pointers[:4])
        out += [
            _seg("LX", number),
            _seg("SV1", procedure, _amount(line.charge), "UN", line.units, "", "", pointers),
            _seg("DTP", "472", "D8", f"{claim.date_of_service:%Y%m%d}"),
        ]
    return out, last


def build_837p(claims: Sequence[Any], *, control_number: int, now: datetime.datetime) -> str:
    """The 837P interchange of ``claims`` (at least one), numbered by ``control_number``."""
    sender = _sender_id()
    receiver = _clean(getattr(settings, "X12_RECEIVER_ID", "") or "CLEARINGHOUSE", 15)
    control = f"{control_number:09d}"
    body: list[str] = [
        _seg("ST", "837", "0001", "005010X222A1"),
        _seg("BHT", "0019", "00", control, f"{now:%Y%m%d}", f"{now:%H%M}", "CH"),
        _seg("NM1", "41", "2", _clean(settings.PRACTICE_NAME, 60), "", "", "", "", "46", sender),
        _seg("PER", "IC", "BILLING OFFICE", "TE", "2125550100"),
        _seg("NM1", "40", "2", receiver, "", "", "", "", "46", receiver),
        _seg("HL", "1", "", "20", "1"),
        *_billing_provider(),
    ]
    hl = 1
    for claim in claims:
        segments, hl = _claim_segments(claim, hl + 1, 1)
        body += segments
    body.append(_seg("SE", len(body) + 1, "0001"))
    isa = (
        ELEMENT.join(
            [
                "ISA",
                "00",
                " " * 10,
                "00",
                " " * 10,
                "ZZ",
                sender.ljust(15),
                "ZZ",
                receiver.ljust(15),
                f"{now:%y%m%d}",
                f"{now:%H%M}",
                REPETITION,
                "00501",
                control,
                "0",
                "P",
                COMPONENT,
            ]
        )
        + SEGMENT
    )
    envelope = [
        isa,
        _seg(
            "GS",
            "HC",
            sender,
            receiver,
            f"{now:%Y%m%d}",
            f"{now:%H%M}",
            control_number,
            "X",
            "005010X222A1",
        ),
        *body,
        _seg("GE", "1", control_number),
        _seg("IEA", "1", control),
    ]
    return "\n".join(envelope) + "\n"


def segments(text: str) -> Iterable[list[str]]:
    """The segments of an interchange as lists of elements (for reading a file back)."""
    for raw in text.split(SEGMENT):
        raw = raw.strip()
        if raw:
            yield raw.split(ELEMENT)
