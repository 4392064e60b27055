"""`propose(facts)`: run the rule families in a fixed order and assemble the proposal.

The order, and why it is this one:
 1. PY    resolve the payer profile (an unknown slug gives an error proposal on `payer`).
 2. EM-1  an E/M block from a credential outside the payer's E/M list is set aside.
 3. The day's main service, exactly one of:
    a. DX-1, DX-2   diagnostic evaluation day (it excludes E/M, psychotherapy and crisis),
                    DX-3 / DX-4 the E/M path and 90792 as alternatives;
    b. CR-1, CR-2   crisis day, crisis of 30+ min (no E/M, coder's review);
    c. office visit CR-1 (a crisis under 30 min is coded as individual psychotherapy),
                    CB-1 / CB-3 (psychotherapy 16+ min, with PT-1 and EM-2..EM-4),
                    else FG-1 / FG-2, then CB-2 (E/M alone, EM-2..EM-6) with PT-2 and FG-3;
                    then PT-3.
 4. CB-6, CB-4, CB-5  medication management: 90863 needs the main service's codes (run only
                      when medication management is documented: they say nothing otherwise).
 5. IC-1, IC-2        90785 needs the codes of steps 3 and 4 (alternatives too; run only when
                      interactive complexity is documented).
 6. CB-8              one individual psychotherapy code (a guard; facts hold one block).
 7. EM-7, PT-4        explanations of the lines chosen.
 8. BA-1, BA-2        96127, a service of its own (alternatives too).
 9. INJ-1, INJ-3, INJ-4  injections and their drug lines (alternatives too), from the drug
                      table passed in (the shipped one by default).
10. CB-7              nothing billable: the error lists the warnings that say why.
11. For the lines and each alternative, in this order because each reads the one before:
    PY, BA-3, INJ-2   modifier 25 (payer data with an add-on or 96127; an injection);
    VC-1..VC-3        G2211 beside an E/M without modifier 25 and without family/group;
    TH-1..TH-3        place of service and telehealth modifiers (not on 96127, 96372);
    then TH-4         the waiver date.
    The answer of PY..TH-3 for a set of lines is kept by what those steps read (`_claim`).
12. Lines in the README order: E/M, then psychotherapy, then add-ons, 96127/96372, drugs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

from coding.engine.codes import CRISIS_FIRST, EM_CODES, FAMILY_CODES, INDIVIDUAL_PSYCHOTHERAPY
from coding.engine.codes import line_rank as _line_rank
from coding.engine.drugs import DrugTable, load_default_drug_table
from coding.engine.facts import Facts, PsychotherapyBlock
from coding.engine.payer import PayerProfile, load_default_payer_profiles
from coding.engine.proposal import (
    EMPTY,
    Alternative,
    Line,
    Message,
    Proposal,
    RuleResult,
    error_proposal,
)
from coding.engine.rules.ba_brief_assessment import rule_ba_1, rule_ba_3
from coding.engine.rules.cb_combinations import (
    rule_cb_1,
    rule_cb_2,
    rule_cb_3,
    rule_cb_4,
    rule_cb_5,
    rule_cb_6,
    rule_cb_7,
    rule_cb_8,
)
from coding.engine.rules.cr_crisis import CRISIS_MINIMUM, rule_cr_1, rule_cr_2
from coding.engine.rules.dx_diagnostic_eval import rule_dx_1, rule_dx_2, rule_dx_3, rule_dx_4
from coding.engine.rules.em_level import em_capable, rule_em_1, rule_em_7
from coding.engine.rules.fg_family_group import (
    family_or_group_code,
    rule_fg_1,
    rule_fg_2,
    rule_fg_3,
)
from coding.engine.rules.ic_interactive import rule_ic_1
from coding.engine.rules.inj_injections import rule_inj_1, rule_inj_2
from coding.engine.rules.pt_psychotherapy import (
    PSYCHOTHERAPY_MINIMUM,
    rule_pt_2,
    rule_pt_3,
    rule_pt_4,
)
from coding.engine.rules.py_payer import rule_py, rule_py_resolve
from coding.engine.rules.th_telehealth import rule_th_1, rule_th_2, rule_th_3, rule_th_4
from coding.engine.rules.vc_visit_complexity import rule_vc_1

_TIMED_PSYCHOTHERAPY: Final = INDIVIDUAL_PSYCHOTHERAPY | FAMILY_CODES | {CRISIS_FIRST}


def _office_visit(
    facts: Facts, payer: PayerProfile, therapy: PsychotherapyBlock | None
) -> RuleResult:
    em = facts.em if em_capable(facts.clinician, payer) else None
    result = EMPTY
    minutes = None
    if therapy is not None and therapy.kind == "crisis":
        result += rule_cr_1(therapy.minutes)  # under 30 min: coded as individual by PT-1
    if therapy is not None and therapy.kind in ("individual", "crisis"):
        minutes = therapy.minutes
    if minutes is not None and minutes >= PSYCHOTHERAPY_MINIMUM:
        if em is not None and em.mdm is not None:
            result += rule_cb_1(facts, payer, minutes)
        else:
            result += rule_cb_3(facts, payer, minutes)
    else:
        family_or_group = EMPTY
        if therapy is not None and therapy.kind == "group":
            family_or_group = rule_fg_2(therapy.minutes)
        elif therapy is not None and therapy.kind in (
            "family_with_patient",
            "family_without_patient",
        ):
            family_or_group = rule_fg_1(therapy.kind, therapy.minutes)
        beside = family_or_group_code(family_or_group.lines) if family_or_group.lines else None
        em_alone = EMPTY if em is None else rule_cb_2(facts, payer, beside=beside)
        if minutes is not None:
            result += rule_pt_2(minutes, with_em=em_alone.em is not None)
        result += em_alone + family_or_group
        if family_or_group.lines:  # FG-3 is about an E/M beside family or group codes
            result += rule_fg_3(em_alone.lines + family_or_group.lines)
    if em is not None and therapy is not None:
        result += rule_pt_3(em.minutes, therapy.minutes)
    return result


def _em_path(facts: Facts, payer: PayerProfile) -> tuple[Line, ...]:
    """DX-3: what CB-1 or CB-2 give for the day without the evaluation (lines only)."""
    em, therapy = facts.em, facts.psychotherapy
    if em is None or not em_capable(facts.clinician, payer):
        return ()
    # individual psychotherapy, or a crisis under 30 min coded as individual (CR-1)
    minutes = 0
    if therapy is not None and therapy.kind in ("individual", "crisis"):
        minutes = therapy.minutes
        if therapy.kind == "crisis" and minutes >= CRISIS_MINIMUM:
            minutes = 0
    if em.mdm is not None and minutes >= PSYCHOTHERAPY_MINIMUM:
        return rule_cb_1(facts, payer, minutes).lines
    return rule_cb_2(facts, payer).lines


def _main_service(facts: Facts, payer: PayerProfile) -> RuleResult:
    therapy = facts.psychotherapy
    if facts.diagnostic_evaluation is not None:
        return (
            rule_dx_1(facts, payer)
            + rule_dx_2(facts, payer)
            + rule_dx_4(facts, payer)
            + rule_dx_3(facts, payer, _em_path(facts, payer))
        )
    if therapy is not None and therapy.kind == "crisis" and therapy.minutes >= CRISIS_MINIMUM:
        crisis = rule_cr_1(therapy.minutes)
        return crisis + rule_cr_2(facts) if em_capable(facts.clinician, payer) else crisis
    return _office_visit(facts, payer, therapy)


def _extend(result: RuleResult, step: Callable[[Sequence[Line]], RuleResult]) -> RuleResult:
    """Run an add-on step on the lines and on each alternative (only lines kept there).

    An alternative the step adds nothing to is kept as it is, not rebuilt."""
    added = step(result.lines)
    alternatives = result.alternatives
    if alternatives:
        extended = []
        for alternative in alternatives:
            lines = step(alternative.lines).lines
            extended.append(
                Alternative(alternative.lines + lines, alternative.why) if lines else alternative
            )
        if any(new is not old for new, old in zip(extended, alternatives, strict=True)):
            alternatives = tuple(extended)
    return _joined(result, added, alternatives)


def _extend_all(result: RuleResult, added: RuleResult) -> RuleResult:
    """Add a step that does not read the lines (BA-1, INJ-1): its lines go on the lines and
    on each alternative, worked out once."""
    if added is EMPTY:
        return result
    alternatives = result.alternatives
    if alternatives and added.lines:
        alternatives = tuple(_with_lines(alt, added.lines) for alt in alternatives)
    return _joined(result, added, alternatives)


def _with_lines(alternative: Alternative, lines: tuple[Line, ...]) -> Alternative:
    return Alternative(alternative.lines + lines, alternative.why) if lines else alternative


def _joined(
    result: RuleResult, added: RuleResult, alternatives: tuple[Alternative, ...]
) -> RuleResult:
    if added is EMPTY and alternatives is result.alternatives:
        return result
    return RuleResult(
        result.lines + added.lines,
        result.messages + added.messages,
        alternatives,
        result.em,
        result.place_of_service,
    )


def _explanations(facts: Facts, lines: Sequence[Line]) -> RuleResult:
    result = EMPTY
    therapy = facts.psychotherapy
    for line in lines:
        if line.code in EM_CODES:
            result += rule_em_7(line.code, facts.patient_status)
        elif line.code in _TIMED_PSYCHOTHERAPY and therapy is not None:
            result += rule_pt_4(line.code, therapy.minutes)
    return result


class _Claim(NamedTuple):
    """The claim-line steps' answer for one set of lines, in the README order."""

    lines: tuple[Line, ...]
    messages: tuple[Message, ...]
    place_of_service: str | None


# The claim-line steps' answers by everything they read: the payer, the setting, the patient
# at home, continuing care, and the lines. A practice codes a few hundred such sets again
# and again; an answer is immutable, so it is kept (at most _CLAIMS_KEPT, then started over).
_CLAIMS: dict[tuple[object, ...], _Claim] = {}
_CLAIMS_KEPT: Final = 4096


def _claim(facts: Facts, payer: PayerProfile, lines: tuple[Line, ...]) -> _Claim:
    """`_claim_lines` in the README order, worked out once per payer, setting, patient at
    home, continuing care and lines (the only facts the steps read)."""
    key = (payer, facts.setting, facts.patient_at_home, facts.longitudinal_care, lines)
    found = _CLAIMS.get(key)
    if found is None:
        if len(_CLAIMS) >= _CLAIMS_KEPT:
            _CLAIMS.clear()
        claim = _claim_lines(facts, payer, lines)
        found = _CLAIMS[key] = _Claim(_ordered(claim.lines), claim.messages, claim.place_of_service)
    return found


def _claim_lines(facts: Facts, payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """Modifier 25 (PY, BA-3, INJ-2), then G2211 (VC-1..VC-3), then TH-1/TH-2/TH-3 (exactly
    one of the three applies to a setting); each step reads the lines the one before made."""
    lines = rule_py(payer, lines).lines
    with_96127 = rule_ba_3(payer, lines)
    with_injection = rule_inj_2(with_96127.lines)
    with_g2211 = rule_vc_1(facts, payer, with_injection.lines)
    lines = with_g2211.lines
    modifiers = with_96127.messages + with_injection.messages + with_g2211.messages
    place = (
        rule_th_1(facts, lines) + rule_th_2(facts, payer, lines) + rule_th_3(facts, payer, lines)
    )
    if lines and not place.lines:  # TH-3 refused the visit: no line kept what was added
        modifiers = ()
    return RuleResult(place.lines, modifiers + place.messages, (), None, place.place_of_service)


def _ordered(lines: Sequence[Line]) -> tuple[Line, ...]:
    return tuple(sorted(lines, key=lambda line: _line_rank(line.code)))


def propose(
    facts: Facts, payer: PayerProfile | None = None, drugs: DrugTable | None = None
) -> Proposal:
    """The proposal for one encounter; `payer` defaults to the shipped profile `facts.payer`,
    `drugs` to the shipped drug table (INJ-1)."""
    if payer is None:
        profiles = load_default_payer_profiles()
        payer = profiles.get(facts.payer)
        if payer is None:
            resolved = rule_py_resolve(facts.payer, profiles)
            failed = error_proposal(facts.id, "payer", resolved.messages[0].text)
            return failed._replace(messages=resolved.messages)

    result = rule_em_1(facts, payer) + _main_service(facts, payer)
    if facts.pharmacologic_management:  # CB-6, CB-4 and CB-5 say nothing without it
        result += rule_cb_6(facts)
        result = _extend(result, lambda lines: rule_cb_4(facts, payer, lines))
        result += rule_cb_5(facts, payer, result.lines)
    if facts.interactive_complexity:  # nor IC-1 without interactive complexity
        result = _extend(result, lambda lines: rule_ic_1(facts, lines))
    guarded = rule_cb_8(result.lines)
    if guarded.messages:
        result = result._replace(lines=guarded.lines, messages=result.messages + guarded.messages)
    result += _explanations(facts, result.lines)
    result = _extend_all(result, rule_ba_1(facts, payer))
    table = drugs if drugs is not None else load_default_drug_table()
    result = _extend_all(result, rule_inj_1(facts, payer, table))
    result += rule_cb_7(result.lines, result.messages)

    claim = _claim(facts, payer, result.lines)
    main_lines = claim.lines
    alternatives = []
    for alt in result.alternatives:
        alt_lines = _claim(facts, payer, alt.lines).lines
        if alt_lines and alt_lines != main_lines:
            alternatives.append(Alternative(alt_lines, alt.why))
    messages = result.messages + claim.messages + rule_th_4(facts, payer).messages
    em = result.em if main_lines else None
    return Proposal(facts.id, main_lines, claim.place_of_service, em, tuple(alternatives), messages)
