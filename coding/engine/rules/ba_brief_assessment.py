"""BA: 96127, brief emotional or behavioural assessment, one unit per scored instrument.

A separately reported service of the visit: reported with anything else or alone, never
counted in psychotherapy or E/M time, and without a telehealth modifier unless the payer's
data says so (`PayerProfile.brief_assessment_telehealth_modifier`; TH rules read it).
"""

from __future__ import annotations

from collections.abc import Sequence

from coding.engine.codes import BRIEF_ASSESSMENT, EM_CODES, MODIFIER_25
from coding.engine.facts import Facts
from coding.engine.payer import PayerProfile
from coding.engine.proposal import EMPTY, Line, RuleResult, error, info, warning


def rule_ba_1(facts: Facts, payer: PayerProfile) -> RuleResult:
    """BA-1: 96127, one unit per standardized instrument administered and scored (PHQ-9,
    GAD-7, ...; not substance-use screens), with any service or alone; units capped by BA-2."""
    count = facts.brief_assessments
    if count == 0:
        return EMPTY
    capped = rule_ba_2(count, payer)
    units = min(count, payer.brief_assessment_max_units)
    if units == 0:
        return capped
    rules = ("BA-1", "BA-2") if units < count else ("BA-1",)
    line = RuleResult(lines=(Line(BRIEF_ASSESSMENT, units, rules=rules),))
    return (
        line
        + info(
            "BA-1",
            f"{BRIEF_ASSESSMENT} x{units}: one unit per instrument scored in the note; its time "
            "is not E/M or psychotherapy time",
        )
        + capped
    )


def rule_ba_2(count: int, payer: PayerProfile) -> RuleResult:
    """BA-2: 96127 units above the payer's daily maximum are not proposed; say how many."""
    most = payer.brief_assessment_max_units
    if count <= most:
        return EMPTY
    return warning(
        "BA-2",
        f"{count} instruments scored but {payer.name} takes at most {most} unit(s) of "
        f"{BRIEF_ASSESSMENT} a day: {count - most} left out",
    )


def rule_ba_3(payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """BA-3: where the payer's data says so, the E/M line beside 96127 carries modifier 25
    (then VC-2 applies)."""
    codes = {line.code for line in lines}
    if not payer.modifier_25_with_96127 or BRIEF_ASSESSMENT not in codes or not codes & EM_CODES:
        return RuleResult(tuple(lines))
    marked = tuple(
        line.with_modifier(MODIFIER_25, "BA-3") if line.code in EM_CODES else line for line in lines
    )
    return RuleResult(lines=marked) + info(
        "BA-3", f"modifier 25 on the E/M beside {BRIEF_ASSESSMENT} ({payer.name})"
    )


def ba_2_check_units(lines: Sequence[Line], payer: PayerProfile) -> RuleResult:
    """BA-2 on billed lines: 96127 units above the payer's daily maximum are an error."""
    units = sum(line.units for line in lines if line.code == BRIEF_ASSESSMENT)
    most = payer.brief_assessment_max_units
    if units <= most:
        return EMPTY
    return error(
        "BA-2",
        f"{BRIEF_ASSESSMENT}: {units} units billed, {payer.name} takes at most {most} a day",
    )
