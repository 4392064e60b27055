"""X12 005010X279A1 eligibility: the 270 inquiries we send and the 271 answers we read.

``build_270`` writes one transaction set per payer (2000A information source, 2000B the
practice, then per patient a 2000C subscriber, and a 2000D dependent when the patient is not
the subscriber), each patient asked about the service types its payer takes (one EQ each),
for the visit's date (DTP*291). Every element goes through the 837P writer's ``_seg``, so no
value can add or break a segment. TRN02 is our trace (``C<coverage id>D<visit date>``),
which the payer's 271 sends back.

``read_271`` and ``x12sdk_problems`` read through x12sdk (pyx12 has no 270/271 map): its
typed models validate the structure, and its validation errors are reported in words.
x12sdk 2.2.0 cannot read a loop 2115C III (place of service) without an LS/LE around it
and types EB09 as a number, so a telehealth benefit is read from its MSG text and a visit
limit from HSD*VS.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from pydantic import ValidationError as PydanticValidationError
from x12sdk.io import X12ModelReader

from .build import _digits, _id, _seg, _text, isa_segment
from .read import X12ReadError

# The service types the practice's summary reads, in order of preference: the first one a
# 271 gives a value for is the coverage's copay, coinsurance, deductible or visit limit.
MENTAL_HEALTH = ("MH", "A8", "A6", "A4", "A7")
PLAN = "30"
ACTIVE_CODES = frozenset("12345")
INACTIVE_CODES = frozenset("678")
OTHER_PAYER_CODES = frozenset({"R", "U"})  # other or additional payer; contact this entity
_TELEHEALTH = re.compile(r"TELE|VIRTUAL|VIDEO", re.IGNORECASE)
_TRACE = re.compile(r"C(\d+)D(\d{8})")


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    date_of_birth: datetime.date | None = None
    sex: str = ""


@dataclass(frozen=True)
class Inquiry:
    """One patient asked about at one payer, for one visit date."""

    coverage_id: int
    visit_date: datetime.date
    payer_name: str
    payer_id: str
    member_id: str
    service_types: tuple[str, ...]
    subscriber: Person
    patient: Person | None = None  # the dependent, when the patient is not the subscriber
    group_number: str = ""

    @property
    def trace(self) -> str:
        return trace_for(self.coverage_id, self.visit_date)


def trace_for(coverage_id: int, visit_date: datetime.date) -> str:
    """TRN02 of an inquiry: the coverage and the visit date it asks about."""
    return f"C{coverage_id}D{visit_date:%Y%m%d}"


def coverage_of_trace(trace: str) -> int | None:
    """The coverage id a 271's TRN02 names, when it is one of our traces."""
    match = _TRACE.fullmatch(trace.strip())
    return int(match.group(1)) if match else None


def _dmg(person: Person) -> list[str]:
    if person.date_of_birth is None:
        return []
    sex = person.sex if person.sex in ("F", "M") else ""
    return [_seg("DMG", "D8", f"{person.date_of_birth:%Y%m%d}", sex)]


def _questions(inquiry: Inquiry) -> list[str]:
    return [
        _seg("DTP", "291", "D8", f"{inquiry.visit_date:%Y%m%d}"),
        *(_seg("EQ", _id(code)) for code in inquiry.service_types),
    ]


def _transaction(
    payer: Sequence[Inquiry], *, number: int, control: str, now: datetime.datetime
) -> list[str]:
    first = payer[0]
    originator = "9" + (_digits(settings.PRACTICE_TAX_ID) or "000000000")[:9]
    body = [
        _seg("ST", "270", f"{number:04d}", "005010X279A1"),
        _seg("BHT", "0022", "13", f"{control}{number:04d}", f"{now:%Y%m%d}", f"{now:%H%M}"),
        _seg("HL", "1", "", "20", "1"),
        _seg("NM1", "PR", "2", _text(first.payer_name, 60), "", "", "", "", "PI", first.payer_id),
        _seg("HL", "2", "1", "21", "1"),
        _seg(
            "NM1",
            "1P",
            "2",
            _text(settings.PRACTICE_NAME, 60),
            "",
            "",
            "",
            "",
            "XX",
            settings.PRACTICE_NPI,
        ),
    ]
    hl = 2
    for inquiry in payer:
        hl += 1
        subscriber_hl = hl
        dependent = inquiry.patient is not None
        sub = inquiry.subscriber
        body += [
            _seg("HL", subscriber_hl, "2", "22", "1" if dependent else "0"),
            *([] if dependent else [_seg("TRN", "1", inquiry.trace, originator)]),
            _seg(
                "NM1",
                "IL",
                "1",
                _text(sub.last_name, 60),
                _text(sub.first_name, 35),
                "",
                "",
                "",
                "MI",
                _id(inquiry.member_id),
            ),
            *([_seg("REF", "6P", _id(inquiry.group_number))] if inquiry.group_number else []),
            *([] if dependent else _dmg(sub)),
            *([] if dependent else _questions(inquiry)),
        ]
        if inquiry.patient is not None:
            hl += 1
            body += [
                _seg("HL", hl, subscriber_hl, "23", "0"),
                _seg("TRN", "1", inquiry.trace, originator),
                _seg(
                    "NM1",
                    "03",
                    "1",
                    _text(inquiry.patient.last_name, 60),
                    _text(inquiry.patient.first_name, 35),
                ),
                *_dmg(inquiry.patient),
                *_questions(inquiry),
            ]
    body.append(_seg("SE", len(body) + 1, f"{number:04d}"))
    return body


def build_270(inquiries: Iterable[Inquiry], *, control_number: int, now: datetime.datetime) -> str:
    """The 270 interchange of ``inquiries`` (at least one): one transaction set per payer."""
    by_payer: dict[tuple[str, str], list[Inquiry]] = {}
    for inquiry in inquiries:
        by_payer.setdefault((inquiry.payer_id, inquiry.payer_name), []).append(inquiry)
    if not by_payer:
        raise ValueError("A 270 needs at least one inquiry.")
    sender = _digits(settings.PRACTICE_TAX_ID) or "SENDER"
    receiver = _text(getattr(settings, "X12_RECEIVER_ID", "") or "CLEARINGHOUSE", 15)
    control = f"{control_number:09d}"
    segments = [
        isa_segment(sender=sender, receiver=receiver, now=now, control=control),
        _seg(
            "GS",
            "HS",
            sender,
            receiver,
            f"{now:%Y%m%d}",
            f"{now:%H%M}",
            control_number,
            "X",
            "005010X279A1",
        ),
    ]
    for number, payer in enumerate(by_payer.values(), start=1):
        segments += _transaction(payer, number=number, control=control, now=now)
    segments += [_seg("GE", len(by_payer), control_number), _seg("IEA", "1", control)]
    return "\n".join(segments) + "\n"


# ----------------------------------------------------------------------------- reading
def _models(text: str) -> list[Any]:
    """x12sdk's transaction models of ``text``; X12ReadError in words when it cannot read it."""
    start = text.find("ISA")
    if start < 0:
        raise X12ReadError("This is not an X12 file: it does not start with an ISA segment.")
    # Only the file's text goes to x12sdk, never something it could take for a path.
    text = text[start:].replace("\r", "")
    try:
        with X12ModelReader(text) as reader:
            return list(reader.models())
    except PydanticValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors()[:10]
        ]
        raise X12ReadError(
            "The file is not a valid 005010X279A1 transaction: " + "; ".join(problems)
        ) from None
    except Exception as exc:  # noqa: BLE001 - x12sdk raises many kinds on unreadable input
        raise X12ReadError(f"x12sdk could not read the file: {exc}") from None


def x12sdk_problems(text: str) -> list[str]:
    """The problems x12sdk finds in a 270 or 271 (structure, codes, counts); [] when valid."""
    try:
        models = _models(text)
    except X12ReadError as exc:
        return [str(exc)]
    return [] if models else ["The file holds no transaction set."]


@dataclass
class Answer:
    """What a 271 says about one patient at one payer."""

    trace: str
    payer_id: str
    payer_name: str
    member_id: str
    last_name: str
    first_name: str
    status: str = ""  # "active", "inactive"; "" when the payer did not say
    plan_name: str = ""
    plan_begin: datetime.date | None = None
    plan_end: datetime.date | None = None
    carve_out_payer: str = ""
    rejections: list[str] = field(default_factory=list)  # AAA reasons: no answer
    # service type -> {"copay": Decimal, "copay_telehealth": ..., "coinsurance": ...,
    # "coinsurance_telehealth": ..., "deductible": ..., "deductible_remaining": ...,
    # "visit_limit": int}
    benefits: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def coverage_id(self) -> int | None:
        return coverage_of_trace(self.trace)

    def summary(self, key: str) -> Any:
        """The value of ``key`` for the first mental-health service type that gives one."""
        for code in MENTAL_HEALTH:
            value = self.benefits.get(code, {}).get(key)
            if value is not None:
                return value
        return None


def _code(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def _dates(dtps: Iterable[Any], answer: Answer) -> None:
    for dtp in dtps or ():
        qualifier, value = _code(dtp.date_time_qualifier), dtp.date_time_period
        begin = end = None
        if isinstance(value, datetime.date):
            begin = end = value
        elif isinstance(value, str) and "-" in value:
            first, _, last = value.partition("-")
            begin, end = _date8(first), _date8(last)
        elif isinstance(value, str):
            begin = end = _date8(value)
        elif isinstance(value, tuple | list) and len(value) == 2:
            begin, end = value
        if qualifier in ("346", "356"):
            answer.plan_begin = begin
        elif qualifier in ("347", "357"):
            answer.plan_end = end
        elif qualifier in ("291", "307"):
            answer.plan_begin, answer.plan_end = begin, end


def _date8(value: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value.strip(), "%Y%m%d").date()  # noqa: DTZ007
    except ValueError:
        return None


def _percent(value: Decimal) -> Decimal:
    """EB08 is a fraction (0.2); the practice keeps the patient's percent (20)."""
    return (value * 100 if value <= 1 else value).quantize(Decimal("0.01"))


def _benefit(loop: Any, answer: Answer) -> None:
    eb = loop.eb_segment
    code = _code(eb.eligibility_benefit_information)
    types = [_code(t) for t in eb.service_type_code or []] or [PLAN]
    mental = [t for t in types if t in MENTAL_HEALTH]
    if code in ACTIVE_CODES | INACTIVE_CODES and (PLAN in types or mental):
        status = "active" if code in ACTIVE_CODES else "inactive"
        # The plan as a whole decides; a mental-health line adds no inactive over an active plan.
        if not answer.status or (PLAN in types and status == "inactive"):
            answer.status = status
        if eb.plan_coverage_description and not answer.plan_name:
            answer.plan_name = str(eb.plan_coverage_description)[:80]
    _dates(getattr(loop, "dtp_segment", None) or (), answer)
    if not mental:
        return
    if code in OTHER_PAYER_CODES:
        for entity in loop.loop_2120c or []:
            name = entity.nm1_segment.name_last_or_organization_name
            if name:
                answer.carve_out_payer = str(name)[:80]
        return
    if _code(eb.inplan_network_indicator) == "N" or _code(eb.coverage_level_code) == "FAM":
        return  # out-of-network and family amounts are not what the patient pays here
    telehealth = any(
        _TELEHEALTH.search(str(m.free_form_text or "")) for m in loop.msg_segment or []
    )
    suffix = "_telehealth" if telehealth else ""
    values: dict[str, Any] = {}
    if code == "B" and eb.benefit_amount is not None:
        values["copay" + suffix] = Decimal(eb.benefit_amount).quantize(Decimal("0.01"))
    elif code == "A" and eb.benefit_percent is not None:
        values["coinsurance" + suffix] = _percent(Decimal(eb.benefit_percent))
    elif code == "C" and eb.benefit_amount is not None:
        key = "deductible_remaining" if _code(eb.time_period_qualifier) == "29" else "deductible"
        values[key] = Decimal(eb.benefit_amount).quantize(Decimal("0.01"))
    elif code == "F":
        for hsd in loop.hsd_segment or []:
            if _code(hsd.quantity_qualifier) == "VS" and hsd.quantity is not None:
                values["visit_limit"] = int(hsd.quantity)
    for service_type in mental:
        answer.benefits.setdefault(service_type, {}).update(values)


def _answer(name_loop: Any, benefits: Iterable[Any], trn: Any, payer: Any, sub: Any) -> Answer:
    nm1 = name_loop.nm1_segment
    answer = Answer(
        trace=str(trn[0].reference_identification_1 or "") if trn else "",
        payer_id=str(payer.nm1_segment.identification_code or ""),
        payer_name=str(payer.nm1_segment.name_last_or_organization_name or ""),
        member_id=str(sub.nm1_segment.identification_code or ""),
        last_name=str(nm1.name_last_or_organization_name or ""),
        first_name=str(nm1.name_first or ""),
    )
    for aaa in name_loop.aaa_segment or []:
        answer.rejections.append(_code(aaa.reject_reason_code))
    _dates(name_loop.dtp_segment or (), answer)
    for loop in benefits or ():
        _benefit(loop, answer)
    return answer


def read_271(text: str) -> list[Answer]:
    """Every patient a 271 answers for, in file order (X12ReadError when it cannot be read)."""
    answers: list[Answer] = []
    for model in _models(text):
        if (
            not hasattr(model, "loop_2000a")
            or _code(model.header.st_segment.transaction_set_identifier_code) != "271"
        ):
            raise X12ReadError(
                "This is not a 271 eligibility response: upload the payer's 271 here."
            )
        for source in model.loop_2000a:
            payer = source.loop_2100a
            for receiver in source.loop_2000b:
                for subscriber in receiver.loop_2000c or []:
                    sub = subscriber.loop_2100c
                    dependents = subscriber.loop_2000d or []
                    if sub.loop_2110c or not dependents:
                        answers.append(
                            _answer(sub, sub.loop_2110c, subscriber.trn_segment, payer, sub)
                        )
                    for dependent in dependents:
                        name = dependent.loop_2100d
                        trn = dependent.trn_segment or subscriber.trn_segment
                        answers.append(_answer(name, name.loop_2110d, trn, payer, sub))
    return answers
