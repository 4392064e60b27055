"""IC: interactive complexity (90785), an add-on to evaluation and psychotherapy codes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

from coding.engine.codes import (
    CRISIS_CODES,
    EM_CODES,
    FAMILY_CODES,
    INTERACTIVE_COMPLEXITY,
    PHARM_MGMT_ADDON,
)
from coding.engine.facts import Facts
from coding.engine.proposal import EMPTY, Line, RuleResult, error, info, warning

IC_PRIMARIES: Final = frozenset(
    {"90791", "90792", "90832", "90833", "90834", "90836", "90837", "90838", "90853"}
)


def ic_2_conflict(codes: Collection[str]) -> str | None:
    """IC-2: what among these codes 90785 never goes with; None when nothing blocks it.

    The proposal (IC-1) and the claim-line check both ask here.
    """
    if CRISIS_CODES.intersection(codes):
        return "crisis psychotherapy (90839/90840)"
    if FAMILY_CODES.intersection(codes):
        return "family psychotherapy (90846/90847)"
    if IC_PRIMARIES.intersection(codes):
        return None
    if EM_CODES.intersection(codes):
        return "an E/M without a psychotherapy add-on"
    if PHARM_MGMT_ADDON in codes:
        return "90863 alone"
    return None


def rule_ic_2(codes: Collection[str]) -> RuleResult:
    """IC-2: 90785 never with crisis, family, an E/M without add-on, or 90863 alone."""
    why = ic_2_conflict(codes)
    if why is None:
        return EMPTY
    return warning(
        "IC-2", f"interactive complexity documented, but 90785 is not reported with {why}"
    )


def ic_2_check_codes(codes: Collection[str]) -> RuleResult:
    """IC-2 on billed codes: an error when 90785 stands with codes it never goes with."""
    if INTERACTIVE_COMPLEXITY not in codes:
        return EMPTY
    why = ic_2_conflict(set(codes) - {INTERACTIVE_COMPLEXITY})
    return EMPTY if why is None else error("IC-2", f"90785 is not reported with {why}")


def rule_ic_1(facts: Facts, lines: Sequence[Line]) -> RuleResult:
    """IC-1: 90785 once, when documented, with 90791/90792/90832-90838/90853."""
    if not facts.interactive_complexity:
        return EMPTY
    codes = {line.code for line in lines}
    if INTERACTIVE_COMPLEXITY in codes:
        return EMPTY
    blocked = rule_ic_2(codes)
    if blocked.messages:
        return blocked
    primary = next((line.code for line in lines if line.code in IC_PRIMARIES), None)
    if primary is None:
        return warning(
            "IC-1",
            "interactive complexity documented, but no evaluation or "
            "psychotherapy code to add 90785 to",
        )
    return info(
        "IC-1",
        f"90785: interactive complexity documented, added to {primary}",
        lines=(Line(INTERACTIVE_COMPLEXITY, rules=("IC-1",)),),
    )
