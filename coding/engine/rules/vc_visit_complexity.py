"""VC: G2211, the visit-complexity add-on of continuing care, on an office E/M line.

It runs on finished lines (after every modifier 25 is set: PY, BA-3, INJ-2) and before the
telehealth modifiers, so G2211 takes the same telehealth modifiers as the other lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from coding.engine.codes import EM_CODES, MODIFIER_25, VISIT_COMPLEXITY
from coding.engine.facts import Facts
from coding.engine.payer import PayerProfile
from coding.engine.proposal import EMPTY, Line, RuleResult, error, info
from coding.engine.rules.fg_family_group import family_or_group_code


def _em_line(lines: Sequence[Line]) -> Line | None:
    return next((line for line in lines if line.code in EM_CODES), None)


def _wanted(facts: Facts, payer: PayerProfile) -> bool:
    return facts.longitudinal_care and payer.takes_g2211


def rule_vc_1(facts: Facts, payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """VC-1: G2211 once beside an office E/M (99202-99215) when continuing care is documented
    and the payer takes it; it goes with an add-on, telehealth and a prolonged code.
    Returns the lines with G2211 added where VC-2 and VC-3 do not stop it."""
    kept = RuleResult(tuple(lines))
    if not facts.longitudinal_care or VISIT_COMPLEXITY in {ln.code for ln in lines}:
        return kept
    if not payer.takes_g2211:
        return kept + info("VC-1", f"{payer.name} does not take G2211: not added")
    em = _em_line(lines)
    stopped = rule_vc_2(facts, payer, lines) + rule_vc_3(facts, payer, lines)
    if stopped.messages or em is None:
        return kept + stopped
    return info(
        "VC-1",
        f"{VISIT_COMPLEXITY} with {em.code}: continuing care documented",
        lines=(*lines, Line(VISIT_COMPLEXITY, rules=("VC-1",))),
    )


def rule_vc_2(facts: Facts, payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """VC-2: no G2211 when the E/M line carries modifier 25; say so when it is lost that way."""
    em = _em_line(lines)
    if not _wanted(facts, payer) or em is None or MODIFIER_25 not in em.modifiers:
        return EMPTY
    return info(
        "VC-2",
        f"{VISIT_COMPLEXITY} not added: {em.code} carries modifier 25, and G2211 is not paid "
        "beside an E/M with modifier 25",
    )


def rule_vc_3(facts: Facts, payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """VC-3: no G2211 without an E/M line, and none beside family or group psychotherapy
    (FG-3 leaves the E/M's modifier to a coder's review; G2211 waits for it)."""
    if not _wanted(facts, payer):
        return EMPTY
    if _em_line(lines) is None:
        return info("VC-3", f"{VISIT_COMPLEXITY} not added: it needs an office E/M line")
    code = family_or_group_code(lines)
    if code is None:
        return EMPTY
    return info(
        "VC-3",
        f"{VISIT_COMPLEXITY} not added beside {code}: the E/M's modifier waits for a coder's "
        "review (FG-3), and G2211 waits for that review",
    )


def vc_check_lines(lines: Sequence[Line]) -> RuleResult:
    """VC-2 and VC-3 on billed lines: G2211 beside an E/M carrying modifier 25, without an
    E/M line, or beside family or group psychotherapy is an error."""
    if VISIT_COMPLEXITY not in {line.code for line in lines}:
        return EMPTY
    em = _em_line(lines)
    if em is None:
        return error("VC-3", f"{VISIT_COMPLEXITY} billed without an office E/M line")
    result = EMPTY
    if MODIFIER_25 in em.modifiers:
        result += error("VC-2", f"{VISIT_COMPLEXITY} billed beside {em.code}-25: not paid together")
    code = family_or_group_code(lines)
    if code is not None:
        result += error(
            "VC-3", f"{VISIT_COMPLEXITY} billed beside {code}: it waits for the coder's review"
        )
    return result
