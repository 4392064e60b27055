"""CB: which codes go together on one day (E/M with add-on, psychotherapy alone, 90863).

Family and group psychotherapy (FG-3): CB-1 and its add-ons concern individual
psychotherapy only (90833/90836/90838 have no family or group twin). A billable E/M on the
day of family or group psychotherapy is an E/M levelled on its own by CB-2 (higher of MDM and
time, EM-6), proposed beside the family/group code with the FG-3 warning; its CB-2
explanation then says nothing about psychotherapy add-ons (fg_family_group.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from coding.engine.codes import (
    CRISIS_CODES,
    EM_CODES,
    EVAL_WITH_MEDICAL,
    FAMILY_CODES,
    GROUP,
    INDIVIDUAL_PSYCHOTHERAPY,
    PHARM_MGMT_ADDON,
    PSYCHOTHERAPY_ADDON,
    PSYCHOTHERAPY_STANDALONE,
)
from coding.engine.facts import NON_PRESCRIBERS, Credential, Facts
from coding.engine.payer import PayerProfile, licence_scope_refusal, within_licence
from coding.engine.proposal import (
    EMPTY,
    Alternative,
    Line,
    Message,
    RuleResult,
    error,
    info,
    minutes_text,
    remembered,
    warning,
)
from coding.engine.rules.em_level import em_capable, rule_em_4, rule_em_5, rule_em_6
from coding.engine.rules.pt_psychotherapy import rule_pt_1


def tagged(result: RuleResult, rule: str) -> RuleResult:
    """The result with `rule` added to the rule ids of each of its lines."""
    lines = _tagged_lines(result.lines, rule)
    return RuleResult(
        lines, result.messages, result.alternatives, result.em, result.place_of_service
    )


@remembered
def _tagged_lines(lines: tuple[Line, ...], rule: str) -> tuple[Line, ...]:
    return tuple(line.with_rule(rule) for line in lines)


def _codes(lines: Sequence[Line]) -> str:
    return " + ".join(line.code for line in lines)


def rule_cb_1(facts: Facts, payer: PayerProfile, minutes: int) -> RuleResult:
    """CB-1: E/M with MDM and psychotherapy of 16+ min: E/M by MDM + 90833/90836/90838."""
    em = tagged(rule_em_4(facts, payer, with_addon=True), "CB-1")
    addon = _psychotherapy(minutes, with_em=True, rule="CB-1")
    alone = rule_pt_1(minutes, with_em=False).lines
    em_alone = rule_cb_2(facts, payer).lines
    return em + addon + _cb_1_choices(em.lines + addon.lines, alone, em_alone)


@remembered
def _psychotherapy(minutes: int, *, with_em: bool, rule: str) -> RuleResult:
    """PT-1's line for these minutes, tagged with the combination rule that proposes it."""
    return tagged(rule_pt_1(minutes, with_em=with_em), rule)


@remembered
def _cb_1_choices(
    both: tuple[Line, ...], alone: tuple[Line, ...], em_alone: tuple[Line, ...]
) -> RuleResult:
    """CB-1's alternatives (psychotherapy alone, E/M alone) and its explanation."""
    alternatives = (
        Alternative(
            alone,
            f"psychotherapy only ({_codes(alone)}), if the E/M is not "
            "significant and separately identifiable",
        ),
        Alternative(em_alone, f"E/M alone ({_codes(em_alone)}), psychotherapy not reported"),
    )
    return RuleResult(alternatives=alternatives) + info(
        "CB-1",
        f"{_codes(both)}: the E/M must be significant and separately "
        "identifiable, and the note shows the E/M and psychotherapy blocks separately",
    )


def rule_cb_2(facts: Facts, payer: PayerProfile, *, beside: str | None = None) -> RuleResult:
    """CB-2: E/M without psychotherapy of 16+ min: E/M alone, higher of MDM and time, EM-6.

    `beside` is a family or group code billed the same day (FG-3): the E/M is levelled the
    same way, and the explanation says so without speaking of psychotherapy add-ons.
    """
    em = rule_em_4(facts, payer, with_addon=False)
    if em.em is None:
        return rule_em_5(facts)
    level = em + rule_em_6(em.em, facts, payer)
    why = _cb_2_why(em.lines, beside).messages
    lines = _tagged_lines(level.lines, "CB-2")
    return RuleResult(lines, level.messages + why, level.alternatives, level.em)


@remembered
def _cb_2_why(lines: tuple[Line, ...], beside: str | None) -> RuleResult:
    """CB-2's explanation of the E/M lines, beside a family or group code or not."""
    why = "E/M alone, no psychotherapy add-on"
    if beside is not None:
        why = f"E/M levelled on its own beside {beside} (FG-3)"
    return info("CB-2", f"{_codes(lines)}: {why}")


def rule_cb_3(facts: Facts, payer: PayerProfile, minutes: int) -> RuleResult:
    """CB-3: no billable E/M, psychotherapy 16+ min: 90832/90834/90837 alone (E/M w/o MDM too)."""
    alone = _psychotherapy(minutes, with_em=False, rule="CB-3")
    em = facts.em
    if em is None or em.mdm is not None or not em_capable(facts.clinician, payer):
        return alone
    if em.total_minutes == 0:  # an empty E/M block: nothing to document MDM for
        return alone
    by_time = rule_cb_2(facts, payer).lines
    alternatives: tuple[Alternative, ...] = ()
    if by_time and by_time[0].code in EM_CODES:
        alternatives = (Alternative(by_time, "E/M by time alone, psychotherapy not reported"),)
    return (
        alone
        + RuleResult(alternatives=alternatives)
        + warning(
            "CB-3",
            f"{minutes_text(em.total_minutes, 'E/M time')} without MDM: an E/M with a "
            "psychotherapy add-on needs "
            "an MDM-based level, so psychotherapy is proposed alone; document MDM to report both",
        )
    )


def pharm_mgmt_capable(clinician: Credential, payer: PayerProfile) -> bool:
    """CB-4: the credential is in the payer's 90863 list and within licence scope (RxP)."""
    listed = clinician in payer.pharm_mgmt_90863_credentials
    return listed and within_licence(clinician, "pharm_mgmt_90863_credentials")


def cb_4_conflict(codes: Collection[str]) -> str | None:
    """CB-4: why 90863 cannot go with these codes (an E/M or its add-on, crisis, no 90832/
    90834/90837); None when it can. The proposal and the claim-line check both ask here.

    Beside family or group codes (FG-3) no word about psychotherapy add-ons; beside any other
    codes the text says where 90863 can go instead of "never alone"."""
    where = "90863 goes only with individual psychotherapy 90832, 90834 or 90837"
    family_or_group = not (FAMILY_CODES | {GROUP}).isdisjoint(codes)
    if not (EM_CODES | PSYCHOTHERAPY_ADDON).isdisjoint(codes):
        why = "90863 is not reported with an E/M: the E/M already includes medication management"
        return why if family_or_group else f"{why} (its add-on is 90833/90836/90838)"
    if not CRISIS_CODES.isdisjoint(codes):
        return f"90863 is not reported with crisis psychotherapy: {where}"
    if PSYCHOTHERAPY_STANDALONE.isdisjoint(codes):
        others = sorted(set(codes) - {PHARM_MGMT_ADDON})
        return f"{where}, not with {', '.join(others)}" if others else f"{where}: none is billed"
    return None


def cb_4_check_codes(codes: Collection[str]) -> RuleResult:
    """CB-4 on billed codes: an error when 90863 stands with codes it never goes with."""
    if PHARM_MGMT_ADDON not in codes:
        return EMPTY
    conflict = cb_4_conflict(set(codes) - {PHARM_MGMT_ADDON})
    return EMPTY if conflict is None else error("CB-4", conflict)


def rule_cb_4(facts: Facts, payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """CB-4: 90863 only with 90832/90834/90837, for the payer's 90863 credentials, when CB-3.

    Licence caps the payer's list at RxP (LICENCE_CEILING): the parser refuses a profile
    naming anyone else, and a profile built without it still yields no 90863 for them.
    """
    if not facts.pharmacologic_management or facts.clinician in NON_PRESCRIBERS:
        return EMPTY
    if not pharm_mgmt_capable(facts.clinician, payer):
        return _cb_4_not_payable(facts, payer)
    conflict = cb_4_conflict({line.code for line in lines})
    if conflict is not None:
        return warning("CB-4", conflict)
    return info(
        "CB-4",
        f"90863: pharmacologic management by {facts.clinician} with psychotherapy, no E/M",
        lines=(Line(PHARM_MGMT_ADDON, rules=("CB-4",)),),
    )


def _cb_4_not_payable(facts: Facts, payer: PayerProfile) -> RuleResult:
    """CB-4 for a prescriber the payer's 90863 list does not (or, by licence, cannot) hold."""
    if facts.clinician in payer.pharm_mgmt_90863_credentials:  # listed, beyond licence
        refusal = licence_scope_refusal(facts.clinician, "pharm_mgmt_90863_credentials")
        return warning(
            "CB-4",
            f"90863 not reportable by {facts.clinician}: {refusal}, whatever {payer.name}'s "
            "90863 list says",
        )
    if em_capable(facts.clinician, payer):
        return EMPTY  # the E/M carries medication management (CB-5 when there is none)
    return warning(
        "CB-4",
        f"{payer.name} does not pay 90863 for {facts.clinician}: the medication "
        "work is not billable",
    )


def rule_cb_5(facts: Facts, payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """CB-5: E/M-capable, medication management, no billable E/M: warn the work is not billed."""
    if not facts.pharmacologic_management or not em_capable(facts.clinician, payer):
        return EMPTY
    if facts.diagnostic_evaluation is not None:  # DX-4 says where the medical work fits
        return EMPTY
    if any(
        line.code in EM_CODES or line.code in (EVAL_WITH_MEDICAL, PHARM_MGMT_ADDON)
        for line in lines
    ):
        return EMPTY
    return warning(
        "CB-5",
        "medication management documented without a billable E/M: the medication work is not "
        "billable without a documented E/M",
    )


def rule_cb_6(facts: Facts) -> RuleResult:
    """CB-6: pharmacologic management by a non-prescriber: error on that field."""
    if not facts.pharmacologic_management or facts.clinician not in NON_PRESCRIBERS:
        return EMPTY
    return error(
        "CB-6",
        f"pharmacologic management is marked but {facts.clinician} does not prescribe: the "
        "medication work is not billable (any psychotherapy is still proposed)",
        field="pharmacologic_management",
    )


def rule_cb_7(lines: Sequence[Line], messages: Sequence[Message]) -> RuleResult:
    """CB-7: nothing billable: no lines, and an error that says why."""
    if lines:
        return EMPTY
    reasons = [m.text for m in messages if m.level != "info"]
    why = "; ".join(reasons) or "no psychotherapy, E/M or diagnostic evaluation documented"
    return error("CB-7", f"nothing billable: {why}")


def _beyond_one_individual(codes: Sequence[str]) -> list[int]:
    """CB-8: positions of the individual psychotherapy codes after the first one."""
    individual = [n for n, code in enumerate(codes) if code in INDIVIDUAL_PSYCHOTHERAPY]
    return individual[1:]


def rule_cb_8(lines: Sequence[Line]) -> RuleResult:
    """CB-8: one individual psychotherapy code per patient, clinician and day."""
    beyond = _beyond_one_individual([line.code for line in lines])
    if not beyond:
        return RuleResult(tuple(lines))
    kept = tuple(line for n, line in enumerate(lines) if n not in beyond)
    first = next(line for line in kept if line.code in INDIVIDUAL_PSYCHOTHERAPY)
    return RuleResult(lines=kept) + error(
        "CB-8",
        f"only one individual psychotherapy code per day: kept {first.code}, dropped "
        f"{_codes([lines[n] for n in beyond])}",
    )


def cb_8_check_codes(codes: Sequence[str]) -> RuleResult:
    """CB-8 on billed codes: an error when more than one individual psychotherapy code is billed."""
    if not _beyond_one_individual(codes):
        return EMPTY
    billed = ", ".join(code for code in codes if code in INDIVIDUAL_PSYCHOTHERAPY)
    return error("CB-8", f"only one individual psychotherapy code per day; billed {billed}")
