"""DX: psychiatric diagnostic evaluation (90791/90792), what it excludes that day, and the
E/M-path alternatives of an intake by an E/M-capable clinician (DX-3, DX-4).

DX-3 reads "the note also supports an E/M" as: the E/M path (CB-1 with MDM and 16+ min of
individual psychotherapy, else CB-2) gives an E/M line; `propose` works that path out and
passes its lines here, so this module never runs the combinations itself.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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
from coding.engine.proposal import (
    EMPTY,
    Alternative,
    Line,
    RuleResult,
    error,
    info,
    minutes_text,
    warning,
)
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
            f"{minutes_text(therapy.minutes, kind + ' psychotherapy')} not proposed on the day "
            "of a diagnostic evaluation",
        )
    return result


def rule_dx_3(facts: Facts, payer: PayerProfile, em_path: Sequence[Line]) -> RuleResult:
    """DX-3: an evaluation recorded by an E/M-capable clinician whose note also supports an
    E/M: the evaluation stays the proposal; the E/M path (what CB-1 or CB-2 give without the
    evaluation, e.g. a new-patient E/M with a psychotherapy add-on) is the alternative."""
    if facts.diagnostic_evaluation is None or not em_capable(facts.clinician, payer):
        return EMPTY
    if not any(line.code in EM_CODES for line in em_path):
        return EMPTY
    codes = " + ".join(line.code for line in em_path)
    why = f"E/M path instead of the evaluation ({codes}), accepted for an intake"
    return RuleResult(alternatives=(Alternative(tuple(em_path), why),)) + info(
        "DX-3",
        f"the note also supports an E/M: {codes} is an accepted alternative to the evaluation "
        "(choose one, never both)",
    )


def rule_dx_4(facts: Facts, payer: PayerProfile) -> RuleResult:
    """DX-4: an E/M-capable clinician records an evaluation without medical services but
    documents MDM or pharmacologic management: 90791 as recorded, a warning that the medical
    work fits 90792, and 90792 as the alternative."""
    if facts.diagnostic_evaluation != "without_medical" or not em_capable(facts.clinician, payer):
        return EMPTY
    mdm = facts.em is not None and facts.em.mdm is not None
    if not (mdm or facts.pharmacologic_management):
        return EMPTY
    documented = "MDM" if mdm else "pharmacologic management"
    alternative = Alternative(
        (Line(EVAL_WITH_MEDICAL, rules=("DX-4",)),),
        f"{EVAL_WITH_MEDICAL}: the evaluation with medical services the {documented} supports",
    )
    return RuleResult(alternatives=(alternative,)) + warning(
        "DX-4",
        f"{EVAL_WITHOUT_MEDICAL} as recorded, but the note documents {documented}: that "
        f"medical work fits {EVAL_WITH_MEDICAL} (evaluation with medical services)",
    )


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
