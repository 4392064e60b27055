"""EM: who may report an office E/M, and at which level (MDM or time), plus prolonged time.

E/M time (EM-3, engine 2) is the clinician's total E/M time on the date: the E/M block's
face-to-face minutes plus the other E/M minutes of that date without the patient
(`EmBlock.total_minutes`). Prolonged time (EM-6) is counted on the same total.

Basis when MDM and time give the same level (EM-4, no add-on): MDM, the documentation a
reviewer checks first; except at 99205/99215 when the E/M minutes also earn a prolonged unit
(EM-6), which only a time-based level can carry: then the basis is time.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from coding.engine.codes import EM_BY_STATUS, EM_TOP_CODES
from coding.engine.facts import Credential, Facts, Level, Mdm, PatientStatus
from coding.engine.mdm import mdm_level, mdm_rank
from coding.engine.payer import PayerProfile, licence_scope_refusal, within_licence
from coding.engine.proposal import (
    EMPTY,
    EmBasis,
    EmDetail,
    Line,
    Message,
    RuleResult,
    info,
    minutes_text,
    remembered,
    warning,
)

# EM-3: minutes met or exceeded for each level, straightforward to high.
EM_TIME_THRESHOLDS: Final[Mapping[PatientStatus, tuple[int, int, int, int]]] = MappingProxyType(
    {"new": (15, 30, 45, 60), "established": (10, 20, 30, 40)}
)
# EM-6: minutes of the first prolonged unit, by code and patient status.
PROLONGED_FIRST_UNIT: Final[Mapping[str, Mapping[PatientStatus, int]]] = MappingProxyType(
    {"99417": {"new": 75, "established": 55}, "G2212": {"new": 89, "established": 69}}
)
PROLONGED_UNIT_MINUTES: Final = 15


def em_capable(clinician: Credential, payer: PayerProfile) -> bool:
    """EM-1: the clinician's credential is in the payer's E/M list and within licence scope."""
    return clinician in payer.em_credentials and within_licence(clinician, "em_credentials")


def em_rank(code: str) -> int | None:
    """EM-2: the level of an office E/M code, 0 (straightforward) to 3 (high); else None."""
    for codes in EM_BY_STATUS.values():
        if code in codes:
            return codes.index(code)
    return None


def time_rank(minutes: int, status: PatientStatus) -> int | None:
    """EM-3: rank 0-3 of the level the E/M minutes reach, or None under the lowest."""
    reached = None
    for rank, threshold in enumerate(EM_TIME_THRESHOLDS[status]):
        if minutes >= threshold:
            reached = rank
    return reached


def prolonged_units(minutes: int, status: PatientStatus, code: str) -> int:
    """EM-6: one unit at the first-unit minutes, one more per further full 15 minutes."""
    first = PROLONGED_FIRST_UNIT[code][status]
    return 0 if minutes < first else 1 + (minutes - first) // PROLONGED_UNIT_MINUTES


def rule_em_1(facts: Facts, payer: PayerProfile) -> RuleResult:
    """EM-1: only credentials in the payer's E/M list, within licence scope, report an E/M.

    Payer data narrows the list freely and widens it only within licence (LICENCE_CEILING):
    MD, DO, NP, PA, CNS, and psychologist or RxP where the payer says state law allows it.
    A profile has no separate state-law flag: psychologist or RxP in its E/M list is the
    payer's statement that state law allows it. LCSW, LPC and LMFT never report an E/M,
    even from a profile that lists them (the parser refuses one; this guards the rest).
    """
    if facts.em is None or em_capable(facts.clinician, payer):
        return EMPTY
    if facts.clinician in payer.em_credentials:
        return warning(
            "EM-1",
            f"E/M not reportable by {facts.clinician}: "
            f"{licence_scope_refusal(facts.clinician, 'em_credentials')}, whatever "
            f"{payer.name}'s E/M list says; the E/M block is not billed",
        )
    licensed = (c for c in payer.em_credentials if within_licence(c, "em_credentials"))
    allowed = ", ".join(sorted(licensed)) or "none"
    return warning(
        "EM-1",
        f"E/M not reportable by {facts.clinician} for {payer.name} (E/M credentials: "
        f"{allowed}); the E/M block is not billed",
    )


def rule_em_2(mdm: Mdm, status: PatientStatus) -> RuleResult:
    """EM-2: the E/M level by MDM is the middle value of problems, data and risk."""
    return _em_2(mdm.problems, mdm.data, mdm.risk, status)


@remembered  # by the three levels: the same answer for every Mdm of those levels
def _em_2(problems: Level, data: Level, risk: Level, status: PatientStatus) -> RuleResult:
    mdm = Mdm(problems, data, risk)
    code = EM_BY_STATUS[status][mdm_rank(mdm)]
    return info(
        "EM-2",
        f"MDM {mdm_level(mdm)} (problems {problems}, data {data}, risk {risk}): {code}",
        lines=(Line(code, rules=("EM-2",)),),
    )


def _total_text(minutes: int, other_minutes: int) -> str:
    if not other_minutes:
        return minutes_text(minutes)
    return f"{minutes} min ({minutes - other_minutes} with the patient + {other_minutes} other)"


@remembered
def rule_em_3(minutes: int, status: PatientStatus, *, other_minutes: int = 0) -> RuleResult:
    """EM-3: the E/M level by the clinician's total E/M time that date, thresholds met or
    exceeded: the E/M block plus other E/M minutes without the patient (`minutes` is the
    total, `other_minutes` the part without the patient); never psychotherapy minutes."""
    rank = time_rank(minutes, status)
    if rank is None:
        return EMPTY
    code = EM_BY_STATUS[status][rank]
    threshold = EM_TIME_THRESHOLDS[status][rank]
    total = _total_text(minutes, other_minutes)
    return info(
        "EM-3",
        f"E/M time {total} reaches {code} ({threshold} min)",
        lines=(Line(code, rules=("EM-3",)),),
    )


def _time_wins(mdm_code: str | None, time_code: str | None, prolonged: int) -> bool:
    if time_code is None:
        return False
    if mdm_code is None:
        return True
    # Codes of one patient status sort by level. At equal levels MDM is the basis, unless
    # time also earns a prolonged unit (EM-6), which only a time-based level can carry.
    return time_code > mdm_code or (time_code == mdm_code and prolonged > 0)


@remembered
def _em_4_line(
    source: Line, basis: EmBasis, mdm_code: str | None, time_code: str | None, with_addon: bool
) -> tuple[Line, tuple[Message, ...]]:
    """EM-4's line (the MDM or time line it chose) and its explanation."""
    line = source.with_rule("EM-4")
    if with_addon:
        why = f"{line.code} by MDM: with a psychotherapy add-on the E/M level comes from MDM only"
    else:
        by = "time" if basis == "time" else "MDM"
        why = (
            f"{line.code} by {by}: the higher of MDM ({mdm_code or 'not documented'}) "
            f"and E/M time ({time_code or 'under the lowest level'})"
        )
    return line, info("EM-4", why).messages


def rule_em_4(facts: Facts, payer: PayerProfile, *, with_addon: bool) -> RuleResult:
    """EM-4: with a psychotherapy add-on, level by MDM only; else the higher of MDM and time.

    The time level is worked out in both cases so the panel can show it, but with an
    add-on it is never used, and no prolonged code follows from it.
    """
    em = facts.em
    if em is None:
        return EMPTY
    by_mdm = EMPTY if em.mdm is None else rule_em_2(em.mdm, facts.patient_status)
    total = em.total_minutes
    by_time = rule_em_3(total, facts.patient_status, other_minutes=em.other_minutes)
    mdm_code = by_mdm.lines[0].code if by_mdm.lines else None
    time_code = by_time.lines[0].code if by_time.lines else None
    usable_time_code = None if with_addon else time_code
    if mdm_code is None and usable_time_code is None:
        return EMPTY
    prolonged = 0
    if payer.prolonged_code is not None and usable_time_code in EM_TOP_CODES:
        prolonged = prolonged_units(total, facts.patient_status, payer.prolonged_code)
    use_time = _time_wins(mdm_code, usable_time_code, prolonged)
    basis: EmBasis = "time" if use_time else "mdm"
    source = (by_time if use_time else by_mdm).lines[0]
    line, why = _em_4_line(source, basis, mdm_code, time_code, with_addon)
    detail = EmDetail(line.code, basis, mdm_code, time_code, total, not with_addon)
    time_messages = () if with_addon else by_time.messages
    return RuleResult((line,), by_mdm.messages + time_messages + why, (), detail)


def rule_em_5(facts: Facts) -> RuleResult:
    """EM-5: no E/M when neither MDM nor time reaches 99202/99212; never 99211."""
    em = facts.em
    if em is None or em.mdm is not None:
        return EMPTY
    if time_rank(em.total_minutes, facts.patient_status) is not None:
        return EMPTY
    lowest = EM_BY_STATUS[facts.patient_status][0]
    needed = EM_TIME_THRESHOLDS[facts.patient_status][0]
    time = (
        f"E/M time {em.total_minutes} min is under the {needed} min of {lowest}"
        if em.total_minutes
        else f"no E/M minutes documented ({lowest} needs {needed} min)"
    )
    return warning(
        "EM-5",
        f"no E/M: MDM not documented and {time}; 99211 is not proposed for a clinician's own visit",
    )


def rule_em_6(detail: EmDetail, facts: Facts, payer: PayerProfile) -> RuleResult:
    """EM-6: prolonged time on 99205/99215 reached by total E/M time of the date of service
    (EM-3), no add-on: the payer's code, one unit per full 15 min past its first unit."""
    if detail.basis != "time" or detail.code not in EM_TOP_CODES:
        return EMPTY
    code = payer.prolonged_code
    if code is None:
        return info("EM-6", f"{payer.name} takes no prolonged-service code")
    units = prolonged_units(detail.minutes, facts.patient_status, code)
    if units == 0:
        return EMPTY
    first = PROLONGED_FIRST_UNIT[code][facts.patient_status]
    return info(
        "EM-6",
        f"{code} x{units}: E/M time {detail.minutes} min, first unit at {first} min and one more "
        f"per full {PROLONGED_UNIT_MINUTES} min ({payer.name})",
        lines=(Line(code, units, rules=("EM-6",)),),
    )


@remembered
def rule_em_7(code: str, status: PatientStatus) -> RuleResult:
    """EM-7: a new patient had no professional service from the clinician or group in 3 years."""
    if status != "new":
        return EMPTY
    return info(
        "EM-7",
        f"{code} is a new-patient code: no face-to-face professional service from this "
        "clinician or one of the same specialty in the group in the last 3 years",
    )
