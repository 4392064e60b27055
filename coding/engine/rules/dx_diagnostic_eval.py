"""DX: psychiatric diagnostic evaluation (90791/90792) and what it excludes that day."""

from __future__ import annotations

from coding.engine.codes import EVAL_WITH_MEDICAL, EVAL_WITHOUT_MEDICAL
from coding.engine.facts import Facts
from coding.engine.payer import PayerProfile
from coding.engine.proposal import EMPTY, Line, RuleResult, info, warning
from coding.engine.rules.em_level import em_capable


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
