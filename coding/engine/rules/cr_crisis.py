"""CR: crisis psychotherapy (90839 + 90840), and what a crisis day excludes.

A crisis under 30 minutes is not a crisis code: it is coded as individual psychotherapy by
PT-1 (with an E/M add-on when CB-1 applies), and the day is not a crisis day for CR-2.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from coding.engine.codes import (
    CRISIS_ADDON,
    CRISIS_CODES,
    CRISIS_FIRST,
    EVALUATION_CODES,
    INDIVIDUAL_PSYCHOTHERAPY,
    INTERACTIVE_COMPLEXITY,
    PHARM_MGMT_ADDON,
)
from coding.engine.facts import Facts
from coding.engine.proposal import (
    EMPTY,
    Line,
    RuleResult,
    error,
    info,
    minutes_text,
    remembered,
    warning,
)

CRISIS_MINIMUM: Final = 30
CRISIS_ADDON_FIRST: Final = 75
CRISIS_ADDON_STEP: Final = 30
# CR-2: codes never billed on a crisis day. An E/M is not among them: the engine leaves a
# separately identifiable E/M to a coder's review instead.
CRISIS_DAY_EXCLUDES: Final = (
    EVALUATION_CODES
    | INDIVIDUAL_PSYCHOTHERAPY
    | frozenset({INTERACTIVE_COMPLEXITY, PHARM_MGMT_ADDON})
)


def crisis_addon_units(minutes: int) -> int:
    """CR-1: 90840 units: 75-104 one, 105-134 two, and so on."""
    if minutes < CRISIS_ADDON_FIRST:
        return 0
    return 1 + (minutes - CRISIS_ADDON_FIRST) // CRISIS_ADDON_STEP


@remembered
def rule_cr_1(minutes: int) -> RuleResult:
    """CR-1: crisis 30-74 min 90839; 75+ adds 90840 units; under 30 min everything of
    individual psychotherapy applies instead (PT-1, CB-1 with an E/M, CB-4, IC-1)."""
    if minutes < CRISIS_MINIMUM:
        return warning(
            "CR-1",
            f"{minutes_text(minutes, 'crisis psychotherapy')}: {CRISIS_MINIMUM} min needed for "
            f"{CRISIS_FIRST}; coded as individual psychotherapy by PT-1 (with an E/M by CB-1, "
            "90863 by CB-4, 90785 by IC-1)",
        )
    lines = [Line(CRISIS_FIRST, rules=("CR-1",))]
    units = crisis_addon_units(minutes)
    if units:
        lines.append(Line(CRISIS_ADDON, units, rules=("CR-1",)))
    text = f"crisis psychotherapy {minutes} min: {CRISIS_FIRST}"
    if units:
        text += f" + {CRISIS_ADDON} x{units}"
    return RuleResult(lines=tuple(lines)) + info("CR-1", text)


def rule_cr_2(facts: Facts) -> RuleResult:
    """CR-2: no E/M proposed on a crisis day (coder's review); no 90785/90863/evaluation."""
    if facts.em is None:
        return EMPTY
    return warning(
        "CR-2",
        "E/M not proposed on a crisis day: a separately identifiable E/M needs a coder's review",
    )


def cr_2_check_codes(codes: Collection[str]) -> RuleResult:
    """CR-2 on billed codes: an error when crisis codes stand with codes a crisis day excludes."""
    crisis = sorted(CRISIS_CODES.intersection(codes))
    excluded = sorted(CRISIS_DAY_EXCLUDES.intersection(codes))
    if not crisis or not excluded:
        return EMPTY
    return error(
        "CR-2",
        f"{', '.join(excluded)} not reported with crisis psychotherapy ({', '.join(crisis)}) on "
        "the same day: no evaluation, individual psychotherapy, 90785 or 90863",
    )
