"""DX: psychiatric diagnostic evaluation (90791/90792) and what it excludes that day."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from coding.engine.codes import (
    EM_CODES,
    EVAL_WITH_MEDICAL,
    EVAL_WITHOUT_MEDICAL,
    EVALUATION_CODES,
    PROLONGED_CODES,
    PSYCHOTHERAPY_CODES,
)
from coding.engine.facts import Facts
from coding.engine.payer import PayerProfile
from coding.engine.proposal import EMPTY, Line, RuleResult, error, info, warning
from coding.engine.rules.em_level import em_capable

# DX-2: codes never billed on the day of a diagnostic evaluation (90785 may be: IC-1).
EVALUATION_DAY_EXCLUDES: Final = EM_CODES | PROLONGED_CODES | PSYCHOTHERAPY_CODES


def rule_dx_1(facts: Facts, payer: PayerProfile) -> RuleResult:
    """DX-1: 90792 needs an E/M-capable clinician (EM-1); others report 90791, with a warning."""
    if facts.diagnostic_evaluation is None:
        return EMPTY
    medical = facts.diagnostic_evaluation == "with_medical"
    if medical and em_capable(facts.clinician, payer):
        code = EVAL_WITH_MEDICAL
        result = info("DX-1", f"{code}: diagnostic evaluation with medical services")
    else:
        code = EVAL_WITHOUT_MEDICAL
        result = info("DX-1", f"{code}: diagnostic evaluation")
        if medical:
            result = warning(
                "DX-1",
                f"{EVAL_WITH_MEDICAL} needs an E/M-capable clinician; {facts.clinician} reports "
                f"{EVAL_WITHOUT_MEDICAL} for {payer.name}",
            )
    return RuleResult(lines=(Line(code, rules=("DX-1",)),)) + result


def rule_dx_2(facts: Facts, payer: PayerProfile) -> RuleResult:
    """DX-2: on an evaluation day no E/M, psychotherapy or crisis code; 90785 may be added."""
    if facts.diagnostic_evaluation is None:
        return EMPTY
    result = EMPTY
    if facts.em is not None and em_capable(facts.clinician, payer):
        result += warning("DX-2", "E/M not proposed on the day of a diagnostic evaluation")
    therapy = facts.psychotherapy
    if therapy is not None:
        kind = therapy.kind.replace("_", " ")
        result += warning(
            "DX-2",
            f"{kind} psychotherapy ({therapy.minutes} min) not proposed on the day of a "
            "diagnostic evaluation",
        )
    return result


def dx_2_check_codes(codes: Collection[str]) -> RuleResult:
    """DX-2 on billed codes: 90791 and 90792 exclude each other and E/M, psychotherapy, crisis."""
    evaluations = sorted(EVALUATION_CODES.intersection(codes))
    excluded = sorted(EVALUATION_DAY_EXCLUDES.intersection(codes))
    result = EMPTY
    if len(evaluations) > 1:
        result += error("DX-2", f"{' and '.join(evaluations)} exclude each other")
    if evaluations and excluded:
        result += error(
            "DX-2",
            f"{', '.join(excluded)} not reported on the day of a diagnostic evaluation "
            f"({', '.join(evaluations)}): no E/M, psychotherapy or crisis code",
        )
    return result
