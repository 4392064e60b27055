"""INJ: long-acting injections given in the visit: 96372, the drug's HCPCS line, JZ/JW, NDC.

The drug data (billing unit, labelled single-dose sizes or multi-dose, dates in force) comes
from a `DrugTable` the caller passes to `propose` (the shipped one by default), never from
code. An injection that cannot be billed (an unknown drug, a credential that cannot bill an
E/M, a video or audio visit, a container INJ-3 refuses) is an error on that injection, named
`injections[n]`; the rest of the visit is still proposed.
"""

from __future__ import annotations

from collections.abc import Sequence

from coding.engine.codes import DISCARD_NONE, DISCARDED, EM_CODES, INJECTION, MODIFIER_25
from coding.engine.drugs import Drug, DrugTable
from coding.engine.facts import Facts, Injection
from coding.engine.payer import PayerProfile
from coding.engine.proposal import EMPTY, Line, RuleResult, error, info, warning
from coding.engine.rules.em_level import em_capable


def _amount(mg: object) -> str:
    return f"{mg} mg"


def _merged(lines: Sequence[Line]) -> tuple[Line, ...]:
    """Lines of one code and the same modifiers as one line with their units summed."""
    merged: dict[tuple[str, tuple[str, ...]], Line] = {}
    for line in lines:
        key = (line.code, line.modifiers)
        seen = merged.get(key)
        units = line.units + (seen.units if seen is not None else 0)
        merged[key] = Line(line.code, units, line.modifiers, line.rules)
    return tuple(merged.values())


def _refusal(facts: Facts, payer: PayerProfile, injection: Injection, drug: Drug | None) -> str:
    """INJ-1: why this injection cannot be billed, or "" when it can."""
    if drug is None:
        return f"{injection.drug} is not a drug of the practice's drug table"
    if facts.setting != "in_person":
        return f"an injection is given in person, not in a {facts.setting} visit"
    if not em_capable(facts.clinician, payer):
        return f"{facts.clinician} cannot bill an E/M for {payer.name}, so not 96372 either"
    return ""


def rule_inj_1(facts: Facts, payer: PayerProfile, drugs: DrugTable) -> RuleResult:
    """INJ-1: each injection given in person: 96372 (one unit per injection) by an E/M-capable
    clinician (or staff billed under them), and, when the practice bought the drug, its HCPCS
    line with units = dose / billing unit rounded up; an unbillable injection is an error."""
    result, lines = EMPTY, []
    for n, injection in enumerate(facts.injections):
        field = f"injections[{n}]"
        drug = drugs.lookup(injection.drug, facts.date_of_service)
        refusal = _refusal(facts, payer, injection, drug)
        if drug is None or refusal:
            result += error("INJ-1", f"injection {n + 1} not billed: {refusal}", field=field)
            continue
        drug_lines = _drug_lines(injection, drug, payer, field)
        if any(m.level == "error" for m in drug_lines.messages):
            result += drug_lines
            continue
        lines += [Line(INJECTION, rules=("INJ-1",)), *drug_lines.lines]
        result += RuleResult(messages=drug_lines.messages)
    if not lines:
        return result
    given = sum(line.units for line in lines if line.code == INJECTION)
    administered = info("INJ-1", f"{INJECTION} x{given}: one unit per injection given in person")
    return RuleResult(lines=_merged(lines)) + administered + result


def _drug_lines(injection: Injection, drug: Drug, payer: PayerProfile, field: str) -> RuleResult:
    """INJ-1 with INJ-3 and INJ-4: the drug's lines when the practice bought it, else none."""
    if not injection.supplied_by_practice:
        return info("INJ-1", f"{drug.code} supplied by the patient or a pharmacy: 96372 alone")
    lines = rule_inj_3(injection, drug, payer, field)
    if any(m.level == "error" for m in lines.messages):
        return lines
    units = info(
        "INJ-1",
        f"{drug.code} x{drug.units(injection.dose_mg)}: {_amount(injection.dose_mg)} of "
        f"{drug.product} / {_amount(drug.billing_unit_mg)} billing unit, rounded up",
    )
    return units + lines + rule_inj_4(injection, drug, payer, field)


def rule_inj_2(lines: Sequence[Line]) -> RuleResult:
    """INJ-2: an injection (96372) with an E/M the same day: modifier 25 on the E/M, and a
    warning that the E/M must be significant and separately identifiable from it."""
    codes = {line.code for line in lines}
    if INJECTION not in codes or not codes & EM_CODES:
        return RuleResult(tuple(lines))
    marked = tuple(
        line.with_modifier(MODIFIER_25, "INJ-2") if line.code in EM_CODES else line
        for line in lines
    )
    return RuleResult(lines=marked) + warning(
        "INJ-2",
        "modifier 25 on the E/M beside the injection (96372): the E/M must be significant and "
        "separately identifiable from the injection",
    )


def rule_inj_3(injection: Injection, drug: Drug, payer: PayerProfile, field: str) -> RuleResult:
    """INJ-3: where the payer asks for discard modifiers and the container is single-dose:
    JW units = labelled amount / billing unit - administered units; JZ on the drug line when
    none, else a second JW line. Multi-dose vials take neither; a container that is not a
    labelled size, or smaller than the dose, is an error on the injection."""
    given = drug.units(injection.dose_mg)
    line = Line(drug.code, given, rules=("INJ-1",))
    if not payer.discard_modifiers or drug.single_dose_mg is None:
        return RuleResult(lines=(line,))
    sizes = ", ".join(_amount(size) for size in drug.single_dose_mg)
    container = injection.container_mg
    if container not in drug.single_dose_mg or container < injection.dose_mg:
        return error(
            "INJ-3",
            f"{drug.code}: a {_amount(container)} container for a {_amount(injection.dose_mg)} "
            f"dose is not one of the labelled single-dose sizes ({sizes}) that holds the dose",
            field=f"{field}.container_mg",
        )
    discarded = max(drug.label_units(container) - given, 0)
    if discarded == 0:
        return RuleResult(lines=(line.with_modifier(DISCARD_NONE, "INJ-3"),)) + info(
            "INJ-3", f"{drug.code}-JZ: nothing discarded from the {_amount(container)} container"
        )
    waste = Line(drug.code, discarded, (DISCARDED,), ("INJ-3",))
    return RuleResult(lines=(line, waste)) + info(
        "INJ-3", f"{drug.code}-JW x{discarded}: discarded from the {_amount(container)} container"
    )


def rule_inj_4(injection: Injection, drug: Drug, payer: PayerProfile, field: str) -> RuleResult:
    """INJ-4: where the payer asks for an NDC on drug lines, warn until the 11-digit NDC with
    its quantity and unit is recorded (the 837P carries it: LIN N4, CTP)."""
    if not payer.ndc_on_drug_lines:
        return EMPTY
    if injection.ndc is None:
        return warning(
            "INJ-4",
            f"{drug.code}: {payer.name} wants the drug's NDC (11 digits) with quantity and unit "
            "on the claim line: record them",
            field=f"{field}.ndc",
        )
    ndc = injection.ndc
    return info("INJ-4", f"{drug.code}: NDC {ndc.code}, {ndc.quantity} {ndc.unit} (LIN N4, CTP)")


def inj_check_lines(lines: Sequence[Line], payer: PayerProfile, drugs: DrugTable) -> RuleResult:
    """INJ-1, INJ-2, INJ-3 on billed lines: a drug line needs 96372 (error); an E/M beside
    96372 needs modifier 25 (warning); where the payer asks for discard modifiers, a
    single-dose drug line needs JZ or a JW line of its code (warning)."""
    codes = {line.code for line in lines}
    result = EMPTY
    drug_lines = [line for line in lines if line.code in drugs.codes]
    if drug_lines and INJECTION not in codes:
        billed = ", ".join(sorted({line.code for line in drug_lines}))
        result += error("INJ-1", f"{billed} billed without {INJECTION} (the injection itself)")
    for line in lines:
        if line.code in EM_CODES and INJECTION in codes and MODIFIER_25 not in line.modifiers:
            result += warning("INJ-2", f"{line.code} beside {INJECTION} needs modifier 25")
    if not payer.discard_modifiers:
        return result
    for code in sorted({line.code for line in drug_lines}):
        drug = drugs.lookup(code)
        marked = {m for line in drug_lines if line.code == code for m in line.modifiers}
        if drug is not None and not drug.multi_dose and not marked & {DISCARD_NONE, DISCARDED}:
            result += warning(
                "INJ-3", f"{code}: {payer.name} wants JZ, or a JW line for the amount discarded"
            )
    return result
