"""X12 005010X222A1 837P (professional claims) for a batch of approved claims.

No value can add or break a segment: every element goes through ``_seg``, which refuses
(``X12ValueError``, naming the claim and the element, e.g. ``SV101-3``) a value holding a
separator (~ * : ^) or a control or non-ASCII character. Codes, modifiers and ids are
refused, never altered; free text (names, addresses) is sanitised first by ``_text``.

The writer takes claims with their patient, payer, clinician, coverage and lines loaded
(``claim_batch_export`` fetches them) and returns the interchange as text, one segment a
line. Loops: ISA/GS/ST/BHT, 1000A submitter, 1000B receiver, 2000A billing provider
(2010AA), per claim 2000B subscriber (2010BA, 2010BB payer), 2000C patient when the patient
is not the subscriber, 2300 claim (CLM with its frequency code, REF*G1 with the prior authorization
number when the claim bills under one, REF*F8 with the payer's claim number on a
replacement (7) or void (8), HI), 2310B rendering provider, 2400 lines (SV1
with diagnosis pointers, DTP 472, REF*6R line control number) each with its 2410 drug
identification when it carries an NDC (LIN N4, CTP), then SE/GE/IEA.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

SEGMENT = "~"
ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
SEPARATORS = frozenset(SEGMENT + ELEMENT + COMPONENT + REPETITION)
SELF = "18"
ORIGINAL = "1"  # CLM05-3; 7 replaces and 8 voids the payer's claim named in REF*F8

# Names of the elements a biller may have to fix, for the refusal message.
_ELEMENT_NAMES = {
    "CLM01": "claim number",
    "SBR03": "group number",
    "SV101-2": "procedure code",
    **{f"SV101-{n}": "modifier" for n in range(3, 7)},
    **{f"HI{n:02d}-2": "diagnosis code" for n in range(1, 13)},
    "PAT01": "relationship to the subscriber",
    "DMG03": "sex",
    "PRV03": "taxonomy code",
    "LIN03": "NDC",
    "CTP05-1": "NDC unit",
}
_NM109_NAMES = {
    "IL": "member id",
    "PR": "payer id",
    "82": "rendering NPI",
    "85": "billing NPI",
    "41": "submitter id",
    "40": "receiver id",
}
_REF02_NAMES = {
    "F8": "payer claim control number",
    "EI": "tax id",
    "G1": "prior authorization number",
}


class X12ValueError(ValueError):
    """A value the 837P cannot carry (a separator or control character in a code, modifier
    or id; a missing payer claim number). The writer refuses rather than alters it;
    ``claim`` is the claim number, ``element`` names the element (``SV101-3 (modifier)``)."""

    def __init__(self, element: str, problem: str, claim: str = "") -> None:
        self.element, self.problem, self.claim = element, problem, claim
        where = f"Claim {claim}" if claim else "837P header"
        super().__init__(f"{where}: {element} {problem}.")

    def for_claim(self, claim: str) -> X12ValueError:
        return X12ValueError(self.element, self.problem, claim)


def _refused(element: str, value: str, reason: str) -> X12ValueError:
    return X12ValueError(
        element,
        f"{value!r} holds {reason}, which an 837P cannot carry; fix the value and export again",
    )


def _unsafe(text: str) -> str | None:
    """Why ``text`` cannot be an element or component value; None when it can."""
    for ch in text:
        if ch in SEPARATORS:
            return f"{ch!r}, a separator X12 reserves ({' '.join(sorted(SEPARATORS))})"
        if not " " <= ch <= "~":
            return "a control or non-ASCII character"
    return None


def _element_name(segment_id: str, elements: Sequence[Any], ref: str) -> str:
    if ref == "NM109":
        name = _NM109_NAMES.get(str(elements[0]), "identifier")
    elif ref == "REF02":
        name = _REF02_NAMES.get(str(elements[0]), "reference")
    else:
        name = _ELEMENT_NAMES.get(ref, "")
    return f"{ref} ({name})" if name else ref


_TEXT_SPACES = {code: " " for code in [*range(32), 127, *map(ord, SEPARATORS)]}


def _text(value: Any, limit: int | None = None) -> str:
    """Free text (names, addresses) made safe to send: accents dropped (Pérez -> PEREZ),
    separators, control and other non-ASCII characters turned into spaces, runs of spaces
    collapsed, upper-cased and cut to ``limit``. Codes and ids never come through here:
    ``_seg`` refuses them when unsafe."""
    text = str(value or "")
    if text.isascii():  # nothing to decompose: control characters and separators become spaces
        kept = text.translate(_TEXT_SPACES)
    else:
        kept = "".join(
            ch if " " <= ch <= "~" and ch not in SEPARATORS else " "
            for ch in unicodedata.normalize("NFKD", text)
            if not unicodedata.combining(ch)
        )
    text = " ".join(kept.split()).upper()
    return text[:limit].rstrip() if limit else text


def _id(value: Any) -> str:
    """A code or id as stored, trimmed and upper-cased (``_seg`` refuses it when unsafe)."""
    return str(value or "").strip().upper()


def _amount(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _digits(value: str) -> str:
    return re.sub(r"[^0-9]", "", value or "")


# A character no element may hold: a separator, a control or a non-ASCII character.
_UNSAFE = re.compile(r"[~*:^]|[^ -~]")


def _seg(segment_id: str, *elements: Any) -> str:
    """One segment. An element is a value or a tuple of components (a composite); a value
    holding a separator or a control character raises X12ValueError naming the element
    (``SV101-3``), so no value can end a segment or add one. Every value is checked with
    one search over them all; only a refused segment is looked at element by element."""
    parts = []
    values = []
    for element in elements:
        if isinstance(element, tuple):
            components = [str(c) for c in element]
            values += components
            parts.append(COMPONENT.join(components))
        else:
            text = str(element)
            values.append(text)
            parts.append(text)
    if _UNSAFE.search("".join(values)):
        _refuse(segment_id, elements)
    while parts and parts[-1] == "":
        parts.pop()
    return ELEMENT.join([segment_id, *parts]) + SEGMENT


def _refuse(segment_id: str, elements: Sequence[Any]) -> None:
    """Raise X12ValueError for the first unsafe value of a segment, naming its element."""
    for position, element in enumerate(elements, start=1):
        ref = f"{segment_id}{position:02d}"
        if isinstance(element, tuple):
            for index, component in enumerate((str(c) for c in element), start=1):
                reason = _unsafe(component)
                if reason:
                    name = _element_name(segment_id, elements, f"{ref}-{index}")
                    raise _refused(name, component, reason)
        else:
            text = str(element)
            reason = _unsafe(text)
            if reason:
                raise _refused(_element_name(segment_id, elements, ref), text, reason)


def _address(line1: str, city: str, state: str, postal: str) -> list[str]:
    return [
        _seg("N3", _text(line1, 55)),
        _seg("N4", _text(city, 30), _text(state, 2), _digits(postal)[:9]),
    ]


def _name(qualifier: str, entity: str, last: str, first: str, id_qual: str, ident: str) -> str:
    return _seg(
        "NM1", qualifier, entity, _text(last, 60), _text(first, 35), "", "", "", id_qual, _id(ident)
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
            _text(settings.PRACTICE_NAME, 60),
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


def _payer_claim_number(claim: Any, frequency: str) -> str:
    """REF02 of REF*F8: a replacement (7) or void (8) names the claim the payer adjudicated."""
    number = _id(claim.payer_claim_number)
    if not number:
        raise X12ValueError(
            "REF02 (payer claim control number)",
            f"is empty: a claim of frequency {frequency} (replacement or void) names the payer's "
            "claim; record it from the payer's answer",
        )
    return number


def line_control_number(claim_number: str, position: int) -> str:
    """The line item control number (REF*6R in loop 2400) a payer's 835 sends back with
    the line: ``<claim number>-<line position>``."""
    return f"{claim_number}-{position}"


@dataclass(frozen=True, slots=True)
class PatientRow:
    """The patient as the 837P names them (2010BA or 2010CA)."""

    last_name: str
    first_name: str
    address_line1: str
    city: str
    state: str
    postal_code: str
    date_of_birth: datetime.date
    sex: str
    part2_consent_on: datetime.date | None


@dataclass(frozen=True, slots=True)
class PayerRow:
    """The payer (2010BB) and its claim filing indicator (SBR09)."""

    name: str
    payer_id: str
    claim_filing_indicator: str


@dataclass(frozen=True, slots=True)
class ClinicianRow:
    """The rendering provider (2310B)."""

    last_name: str
    first_name: str
    username: str
    taxonomy_code: str


@dataclass(frozen=True, slots=True)
class LineRow:
    """One service line (2400) with its drug identification (2410)."""

    position: int
    code: str
    units: int
    modifiers: list[str]
    pointers: list[int]
    charge: Decimal
    ndc: str
    ndc_quantity: Decimal | None
    ndc_unit: str


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """What the writer reads of one claim (``claims.export.claim_rows`` reads them: plain
    values, no model instances); patients, payers and clinicians are shared between the
    claims that name the same one."""

    patient: PatientRow
    payer: PayerRow | None
    clinician: ClinicianRow
    lines: tuple[LineRow, ...]
    pk: int
    number: str
    state: str
    version: int
    scrub_status: str
    frequency_code: str
    payer_claim_number: str
    prior_authorization: str
    subscriber: dict[str, Any]
    member_id: str
    place_of_service: str
    date_of_service: datetime.date
    diagnoses: list[str]
    rendering_npi: str
    part2: bool
    patient_id: int


class _Memo:
    """Segments that many claims of a file share (a patient's address and birth date, a
    payer, a rendering provider, a date of service), each written once a file."""

    def __init__(self) -> None:
        self.patients: dict[int, list[str]] = {}
        self.payers: dict[int, list[str]] = {}
        self.providers: dict[tuple[int, str], str] = {}
        self.specialties: dict[int, str] = {}
        self.dates: dict[datetime.date, str] = {}

    def patient(self, patient: PatientRow) -> list[str]:
        """N3, N4 and DMG of a patient."""
        found = self.patients.get(id(patient))
        if found is None:
            found = self.patients[id(patient)] = [
                *_address(patient.address_line1, patient.city, patient.state, patient.postal_code),
                _seg("DMG", "D8", f"{patient.date_of_birth:%Y%m%d}", patient.sex or "U"),
            ]
        return found

    def payer(self, payer: PayerRow | None) -> list[str]:
        """NM1*PR of the payer."""
        found = self.payers.get(id(payer))
        if found is None:
            found = self.payers[id(payer)] = [
                _seg(
                    "NM1",
                    "PR",
                    "2",
                    _text(payer.name if payer else "UNKNOWN PAYER", 60),
                    "",
                    "",
                    "",
                    "",
                    "PI",
                    _id(payer.payer_id if payer else "UNKNOWN"),
                )
            ]
        return found

    def provider(self, clinician: ClinicianRow, npi: str, part2: bool) -> list[str]:
        """NM1*82 of the rendering provider, with PRV*PE unless the claim is Part 2."""
        key = (id(clinician), npi)
        name = self.providers.get(key)
        if name is None:
            name = self.providers[key] = _name(
                "82",
                "1",
                clinician.last_name or clinician.username,
                clinician.first_name,
                "XX",
                npi,
            )
        # The rendering specialty is situational: a 42 CFR Part 2 claim carries only what
        # the claim requires, and a specialty (addiction medicine) would say more.
        if part2:
            return [name]
        specialty = self.specialties.get(id(clinician))
        if specialty is None:
            specialty = self.specialties[id(clinician)] = _seg(
                "PRV", "PE", "PXC", clinician.taxonomy_code
            )
        return [name, specialty]

    def date(self, day: datetime.date) -> str:
        """DTP*472 of a date of service."""
        found = self.dates.get(day)
        if found is None:
            found = self.dates[day] = _seg("DTP", "472", "D8", f"{day:%Y%m%d}")
        return found


def _claim_segments(claim: ClaimRow, hl: int, parent: int, memo: _Memo) -> tuple[list[str], int]:
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
            _id(sub.get("group_number")),
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
            claim.member_id,
        ),
    ]
    if is_self:
        out += memo.patient(patient)
    out += memo.payer(payer)
    last = hl
    if not is_self:
        last = hl + 1
        out += [
            _seg("HL", last, hl, "23", "0"),
            _seg("PAT", sub.get("relation") or "G8"),
            _name("QC", "1", patient.last_name, patient.first_name, "", ""),
            *memo.patient(patient),
        ]
    lines = claim.lines
    total = sum((ln.charge for ln in lines), Decimal("0"))
    pos = claim.place_of_service or "11"
    frequency = claim.frequency_code or ORIGINAL
    number = _id(claim.number)
    out.append(
        _seg("CLM", number, _amount(total), "", "", (pos, "B", frequency), "Y", "A", "Y", "Y")
    )
    # 2300 REF*G1 (prior authorization) comes before REF*F8 in the implementation guide.
    authorization = _id(claim.prior_authorization)
    if authorization:
        out.append(_seg("REF", "G1", authorization))
    if frequency != ORIGINAL:
        out.append(_seg("REF", "F8", _payer_claim_number(claim, frequency)))
    codes = [_id(c).replace(".", "") for c in claim.diagnoses[:12]]
    if codes:
        out.append(_seg("HI", *[("ABK" if i == 0 else "ABF", c) for i, c in enumerate(codes)]))
    out += memo.provider(claim.clinician, claim.rendering_npi, claim.part2)
    served = memo.date(claim.date_of_service)
    for position, row in enumerate(lines, start=1):
        procedure = ("HC", _id(row.code), *(_id(m) for m in row.modifiers[:4]))
        pointers = tuple(str(p) for p in row.pointers[:4])
        out += [
            _seg("LX", position),
            _seg("SV1", procedure, _amount(row.charge), "UN", row.units, "", "", pointers),
            served,
            _seg("REF", "6R", line_control_number(number, row.position)),
        ]
        if row.ndc:  # loop 2410 follows every 2400 segment of the line
            out += _drug_identification(row)
    return out, last


def _quantity(value: Decimal) -> str:
    """An NDC quantity as X12 writes a decimal: 234, 0.5 (no trailing zeros, no exponent)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _drug_identification(row: Any) -> list[str]:
    """Loop 2410 of a drug line with an NDC (INJ-4): LIN N4 with the 11-digit NDC, and CTP
    with the quantity given and its unit (CTP05-1: F2, GR, ME, ML or UN). None without."""
    if not row.ndc:
        return []
    if row.ndc_quantity is None:
        raise X12ValueError(
            "CTP04 (NDC quantity)", f"is empty for NDC {row.ndc}: record the quantity given"
        )
    return [
        _seg("LIN", "", "N4", _id(row.ndc)),
        _seg("CTP", "", "", "", _quantity(row.ndc_quantity), (_id(row.ndc_unit),)),
    ]


# Claims per transaction set (ST/SE): an interchange of more claims carries several sets in
# its one functional group (GS/GE), each with its own header and billing provider loop.
ST_SE_CLAIMS = 5000


def _transaction_set(
    claims: Sequence[ClaimRow],
    *,
    number: int,
    reference: str,
    now: datetime.datetime,
    receiver: str,
    memo: _Memo,
) -> list[str]:
    """One ST..SE transaction set (``number`` is ST02/SE02) of ``claims``."""
    st02 = f"{number:04d}"
    body: list[str] = [
        _seg("ST", "837", st02, "005010X222A1"),
        _seg("BHT", "0019", "00", reference, f"{now:%Y%m%d}", f"{now:%H%M}", "CH"),
        _seg(
            "NM1", "41", "2", _text(settings.PRACTICE_NAME, 60), "", "", "", "", "46", _sender_id()
        ),
        _seg("PER", "IC", "BILLING OFFICE", "TE", "2125550100"),
        _seg("NM1", "40", "2", receiver, "", "", "", "", "46", receiver),
        _seg("HL", "1", "", "20", "1"),
        *_billing_provider(),
    ]
    hl = 1
    for claim in claims:
        try:
            segments, hl = _claim_segments(claim, hl + 1, 1, memo)
        except X12ValueError as exc:
            raise exc.for_claim(claim.number) from None
        body += segments
    body.append(_seg("SE", len(body) + 1, st02))
    return body


def isa_segment(*, sender: str, receiver: str, now: datetime.datetime, control: str) -> str:
    """The interchange header (fixed width, production, 5010) with its terminator: the one
    the 837P and the 270 share."""
    return (
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


def build_837p(
    claims: Sequence[ClaimRow],
    *,
    control_number: int,
    now: datetime.datetime,
    split: int = ST_SE_CLAIMS,
    progress: Callable[[int], object] | None = None,
) -> str:
    """The 837P interchange of ``claims`` (at least one), numbered by ``control_number``:
    one transaction set per ``split`` claims; ``progress(claims_written)`` after each set."""
    sender = _sender_id()
    receiver = _text(getattr(settings, "X12_RECEIVER_ID", "") or "CLEARINGHOUSE", 15)
    control = f"{control_number:09d}"
    body: list[str] = []
    sets = 0
    memo = _Memo()
    for start in range(0, len(claims), max(1, split)):
        sets += 1
        reference = control if sets == 1 else f"{control}{sets:04d}"
        body += _transaction_set(
            claims[start : start + split],
            number=sets,
            reference=reference,
            now=now,
            receiver=receiver,
            memo=memo,
        )
        if progress is not None:
            progress(min(len(claims), start + split))
    isa = isa_segment(sender=sender, receiver=receiver, now=now, control=control)
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
        _seg("GE", sets, control_number),
        _seg("IEA", "1", control),
    ]
    return "\n".join(envelope) + "\n"


def segments(text: str) -> Iterable[list[str]]:
    """The segments of an interchange as lists of elements (for reading a file back)."""
    for raw in text.split(SEGMENT):
        raw = raw.strip()
        if raw:
            yield raw.split(ELEMENT)


def claim_numbers(text: str) -> list[str]:
    """The claim numbers (CLM01) of an 837P file, in file order: which claims it carries."""
    return [seg[1] for seg in segments(text) if seg[0] == "CLM" and len(seg) > 1]
