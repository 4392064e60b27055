"""Claim-line checks: billed lines against the rules, each finding citing its rule id.

`propose()` builds lines that keep the rules; a claim's lines may not (a clinician's own
codes, a biller's fix). This module asks the same rule families about lines already billed,
so the scrubber, the claim builder and the chart audit share one answer with the proposal
panel, and no rule is restated outside the engine:

    check_claim_lines(lines, ClaimContext(payer=..., diagnoses=...))  -> findings by rule id
    payer_modifiers(lines, payer)                                    -> lines with PY modifiers
    compare_with_proposal(billed, proposed)                          -> above / below the proposal

`CLAIM_CHECKS` is the table of contents, keyed by rule id like `registry.RULES` (engine 2
adds VC-2, VC-3, BA-2, INJ-1, INJ-2, INJ-3). Two checks
the reference does not number keep the ids billers already see on claims and on the
proposal panel: SC-ADDON and SC-UNITS (`CLAIM_ONLY_CHECKS`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from coding.engine.codes import (
    BRIEF_ASSESSMENT,
    CRISIS_ADDON,
    CRISIS_FIRST,
    EM_CODES,
    EM_TOP_CODES,
    INTERACTIVE_COMPLEXITY,
    PROLONGED_CODES,
    PSYCHOTHERAPY_ADDON,
    units_over_daily_max,
)
from coding.engine.drugs import DrugTable, load_default_drug_table
from coding.engine.payer import PayerProfile
from coding.engine.proposal import Line, MessageLevel, RuleResult
from coding.engine.rules.ba_brief_assessment import ba_2_check_units
from coding.engine.rules.cb_combinations import cb_4_check_codes, cb_8_check_codes
from coding.engine.rules.cr_crisis import cr_2_check_codes
from coding.engine.rules.dg_diagnoses import rule_dg_1, rule_dg_2, rule_dg_3
from coding.engine.rules.dx_diagnostic_eval import dx_2_check_codes
from coding.engine.rules.em_level import em_rank
from coding.engine.rules.ic_interactive import IC_PRIMARIES, ic_2_check_codes
from coding.engine.rules.inj_injections import inj_check_lines
from coding.engine.rules.pt_psychotherapy import psychotherapy_band
from coding.engine.rules.py_payer import rule_py
from coding.engine.rules.vc_visit_complexity import vc_check_lines


def _items(value: object) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, list | tuple) else ()


def _number(value: object) -> int | None:
    """An int as stored (an int, or ASCII digits), else None."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isascii() and text.isdigit() else None


def _count(value: object) -> int:
    """Units as stored: 1 when missing or not a positive number."""
    units = _number(value)
    return units if units is not None and units > 0 else 1


@dataclass(frozen=True, slots=True)
class BilledLine:
    """One billed line: code, units, modifiers and diagnosis pointers (1-based), as on the 837P."""

    code: str
    units: int = 1
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = (1,)

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> BilledLine:
        """A line from its stored form ``{code, units, modifiers[, pointers]}``."""
        modifiers, pointers = d.get("modifiers"), d.get("pointers", [1])
        return cls(
            code=str(d.get("code", "")),
            units=_count(d.get("units")),
            modifiers=tuple(str(m) for m in _items(modifiers)),
            pointers=tuple(n for p in _items(pointers) if (n := _number(p)) is not None),
        )

    @classmethod
    def from_line(cls, line: Line, pointers: tuple[int, ...] = (1,)) -> BilledLine:
        """A proposed line as billed, pointing to ``pointers``."""
        return cls(line.code, line.units, line.modifiers, pointers)

    def as_line(self) -> Line:
        """The proposal's shape of this line (no rule ids: nothing proposed it)."""
        return Line(self.code, self.units, self.modifiers)

    def to_dict(self) -> dict[str, object]:
        """The stored form, read back by ``from_dict``."""
        return {
            "code": self.code,
            "units": self.units,
            "modifiers": list(self.modifiers),
            "pointers": list(self.pointers),
        }


def line_text(line: BilledLine | Line) -> str:
    """A line as people read it: "99214-25", "90785 x2"."""
    text = "-".join([line.code, *line.modifiers])
    return text if line.units == 1 else f"{text} x{line.units}"


def lines_text(lines: Iterable[BilledLine | Line], *, empty: str = "") -> str:
    """Lines as the panel shows them and the clinician attests them: "99214-25 + 90833"."""
    return " + ".join(line_text(line) for line in lines) or empty


@dataclass(frozen=True, slots=True)
class ClaimContext:
    """What the checks read besides the lines. A check whose input is missing does not run:
    no ``diagnoses``, no DG checks; no ``is_billable`` (the ICD-10-CM code set), no DG-2.
    ``drugs`` is the practice's drug table (INJ checks); None means the shipped one."""

    payer: PayerProfile
    diagnoses: tuple[str, ...] | None = None
    is_billable: Callable[[str], bool] | None = None
    drugs: DrugTable | None = None


@dataclass(frozen=True, slots=True)
class ClaimFinding:
    """One problem with billed lines: the check's id, its level, and a sentence for a person."""

    rule: str
    level: MessageLevel
    text: str
    line: int | None = None  # 1-based position of the line it is about, when about one line


ClaimCheckFunction = Callable[[Sequence[BilledLine], ClaimContext], tuple[ClaimFinding, ...]]


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """One entry of the table: the rule id, a one-line summary, the function that checks."""

    rule_id: str
    summary: str
    function: ClaimCheckFunction


def _from_result(result: RuleResult) -> tuple[ClaimFinding, ...]:
    return tuple(ClaimFinding(m.rule, m.level, m.text) for m in result.messages)


def _on_codes(check: Callable[[list[str]], RuleResult]) -> ClaimCheckFunction:
    """A family's check of billed codes (``<id>_check_codes``) as a table entry."""

    def run(lines: Sequence[BilledLine], _context: ClaimContext) -> tuple[ClaimFinding, ...]:
        return _from_result(check([line.code for line in lines]))

    return run


def _dg_1(lines: Sequence[BilledLine], context: ClaimContext) -> tuple[ClaimFinding, ...]:
    if context.diagnoses is None:
        return ()
    return _from_result(rule_dg_1(lines, context.diagnoses))


def _dg_2(_lines: Sequence[BilledLine], context: ClaimContext) -> tuple[ClaimFinding, ...]:
    if context.diagnoses is None or context.is_billable is None:
        return ()
    return _from_result(rule_dg_2(context.diagnoses, context.is_billable))


def _dg_3(lines: Sequence[BilledLine], context: ClaimContext) -> tuple[ClaimFinding, ...]:
    if context.diagnoses is None:
        return ()
    return _from_result(rule_dg_3(lines, context.diagnoses, context.payer))


def payer_modifiers(lines: Sequence[BilledLine], payer: PayerProfile) -> tuple[BilledLine, ...]:
    """PY: the lines with the modifiers the payer's data adds (modifier 25), by `rule_py`."""
    wanted = rule_py(payer, [line.as_line() for line in lines]).lines
    return tuple(
        BilledLine(line.code, line.units, want.modifiers, line.pointers)
        for line, want in zip(lines, wanted, strict=True)
    )


def _py(lines: Sequence[BilledLine], context: ClaimContext) -> tuple[ClaimFinding, ...]:
    found = []
    for position, (line, want) in enumerate(
        zip(lines, payer_modifiers(lines, context.payer), strict=True), start=1
    ):
        for modifier in want.modifiers:
            if modifier not in line.modifiers:
                found.append(
                    ClaimFinding(
                        "PY",
                        "warning",
                        f"{line.code}: {context.payer.name} wants modifier {modifier} on an E/M "
                        "billed with a psychotherapy add-on",
                        position,
                    )
                )
    return tuple(found)


# An add-on code -> (the codes one of which must be billed with it, the rule pairing them).
# 90863 is not here: CB-4 says what it needs.
ADDON_PRIMARIES: Final[Mapping[str, tuple[frozenset[str], str]]] = MappingProxyType(
    {
        **{code: (EM_CODES, "CB-1") for code in sorted(PSYCHOTHERAPY_ADDON)},
        **{code: (EM_TOP_CODES, "EM-6") for code in sorted(PROLONGED_CODES)},
        CRISIS_ADDON: (frozenset({CRISIS_FIRST}), "CR-1"),
        INTERACTIVE_COMPLEXITY: (IC_PRIMARIES, "IC-1"),
    }
)


def _addon_primaries(
    lines: Sequence[BilledLine], _context: ClaimContext
) -> tuple[ClaimFinding, ...]:
    codes = {line.code for line in lines}
    found = []
    for position, line in enumerate(lines, start=1):
        if line.code not in ADDON_PRIMARIES:
            continue
        primaries, rule = ADDON_PRIMARIES[line.code]
        if codes.isdisjoint(primaries):
            need = ", ".join(sorted(primaries)[:4]) + ("…" if len(primaries) > 4 else "")
            found.append(
                ClaimFinding(
                    "SC-ADDON",
                    "error",
                    f"{line.code} is an add-on billed without its primary code ({need}; {rule})",
                    position,
                )
            )
    return tuple(found)


def _as_lines(lines: Sequence[BilledLine]) -> list[Line]:
    return [line.as_line() for line in lines]


def _vc(lines: Sequence[BilledLine], _context: ClaimContext) -> tuple[ClaimFinding, ...]:
    return _from_result(vc_check_lines(_as_lines(lines)))


def _ba_2(lines: Sequence[BilledLine], context: ClaimContext) -> tuple[ClaimFinding, ...]:
    return _from_result(ba_2_check_units(_as_lines(lines), context.payer))


def _inj(lines: Sequence[BilledLine], context: ClaimContext) -> tuple[ClaimFinding, ...]:
    drugs = context.drugs if context.drugs is not None else load_default_drug_table()
    return _from_result(inj_check_lines(_as_lines(lines), context.payer, drugs))


def _of(rule_id: str, check: ClaimCheckFunction) -> ClaimCheckFunction:
    """A check of several rules as the entry of one: only the findings citing `rule_id`."""

    def run(lines: Sequence[BilledLine], context: ClaimContext) -> tuple[ClaimFinding, ...]:
        return tuple(f for f in check(lines, context) if f.rule == rule_id)

    return run


def _daily_units(lines: Sequence[BilledLine], _context: ClaimContext) -> tuple[ClaimFinding, ...]:
    totals: Counter[str] = Counter()
    for line in lines:
        if line.code == BRIEF_ASSESSMENT:  # the payer's own maximum: BA-2
            continue
        totals[line.code] += line.units
    return tuple(
        ClaimFinding("SC-UNITS", "error", f"{code}: {units} units billed, at most {most} per day")
        for code, units, most in units_over_daily_max(totals)
    )


# The checks the reference does not number, with the ids billers know them by.
CLAIM_ONLY_CHECKS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "SC-ADDON": "An add-on code is billed without its primary code.",
        "SC-UNITS": "Units exceed the daily maximum for the code.",
    }
)

CLAIM_CHECKS: Final[Mapping[str, ClaimCheck]] = MappingProxyType(
    {
        check.rule_id: check
        for check in (
            ClaimCheck("CB-4", "90863 only with 90832/90834/90837", _on_codes(cb_4_check_codes)),
            ClaimCheck(
                "CB-8", "one individual psychotherapy code a day", _on_codes(cb_8_check_codes)
            ),
            ClaimCheck(
                "IC-2", "no 90785 with crisis, family, bare E/M, 90863", _on_codes(ic_2_check_codes)
            ),
            ClaimCheck(
                "CR-2",
                "crisis: no evaluation, psychotherapy, 90785, 90863",
                _on_codes(cr_2_check_codes),
            ),
            ClaimCheck(
                "DX-2", "evaluation: no E/M, psychotherapy or crisis", _on_codes(dx_2_check_codes)
            ),
            ClaimCheck("SC-ADDON", CLAIM_ONLY_CHECKS["SC-ADDON"], _addon_primaries),
            ClaimCheck("SC-UNITS", CLAIM_ONLY_CHECKS["SC-UNITS"], _daily_units),
            ClaimCheck("DG-1", "lines point to 1-4 of at most 12 diagnoses", _dg_1),
            ClaimCheck("DG-2", "diagnoses are billable ICD-10-CM leaf codes", _dg_2),
            ClaimCheck("DG-3", "psychotherapy needs chapter F or an accepted Z-code", _dg_3),
            ClaimCheck("PY", "the payer's modifier 25 on an E/M with an add-on", _py),
            ClaimCheck("VC-2", "no G2211 beside an E/M carrying modifier 25", _of("VC-2", _vc)),
            ClaimCheck("VC-3", "G2211 needs an E/M, never beside family/group", _of("VC-3", _vc)),
            ClaimCheck("BA-2", "96127 units within the payer's daily maximum", _ba_2),
            ClaimCheck("INJ-1", "a drug line needs 96372", _of("INJ-1", _inj)),
            ClaimCheck("INJ-2", "modifier 25 on an E/M beside 96372", _of("INJ-2", _inj)),
            ClaimCheck("INJ-3", "JZ/JW on single-dose drug lines by payer", _of("INJ-3", _inj)),
        )
    }
)


def check_claim_lines(
    lines: Sequence[BilledLine], context: ClaimContext, *, only: Collection[str] | None = None
) -> tuple[ClaimFinding, ...]:
    """Every finding of the table's checks on ``lines`` (or of the ids in ``only``), in order."""
    unknown = set(only or ()) - set(CLAIM_CHECKS)
    if unknown:
        raise ValueError(f"no claim-line check {', '.join(sorted(unknown))}")
    return tuple(
        finding
        for rule_id, check in CLAIM_CHECKS.items()
        if only is None or rule_id in only
        for finding in check.function(lines, context)
    )


# ----------------------------------------------------------------------------- the proposal
Difference = Literal["above", "below", "extra", "missing"]

# The families whose codes are levels of one service: E/M level (EM-2, chosen by EM-4) and
# the psychotherapy time band (PT-1). A billed level above the proposal's is over-coding.
_LEVELS: Final[tuple[tuple[str, str, Callable[[str], int | None]], ...]] = (
    ("EM-4", "E/M level", em_rank),
    ("PT-1", "psychotherapy time band", psychotherapy_band),
)


@dataclass(frozen=True, slots=True)
class LineDifference:
    """How billed lines differ from a proposal in one respect, and the rules behind it."""

    kind: Difference
    text: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProposalComparison:
    """Billed lines against the proposal (modifiers aside): level, band, units, codes."""

    differences: tuple[LineDifference, ...]

    @property
    def same(self) -> bool:
        """The codes and units billed are the proposal's."""
        return not self.differences

    def has(self, kind: Difference) -> bool:
        """Whether any difference is of this kind."""
        return any(d.kind == kind for d in self.differences)


def _units(lines: Sequence[BilledLine | Line]) -> dict[str, int]:
    units: dict[str, int] = {}
    for line in lines:
        units[line.code] = units.get(line.code, 0) + line.units
    return units


def _top(codes: Collection[str], rank_of: Callable[[str], int | None]) -> tuple[str, int] | None:
    """The highest-ranked code of a family among ``codes``, with its rank; None without one."""
    ranked = [(rank, code) for code in codes if (rank := rank_of(code)) is not None]
    if not ranked:
        return None
    rank, code = max(ranked)
    return code, rank


def _level_difference(
    rule: str, what: str, ours: tuple[str, int] | None, theirs: tuple[str, int] | None
) -> LineDifference | None:
    """One family's level billed against the proposal's; none at all is the lowest level."""
    if ours is None and theirs is not None:
        text = f"no {what} billed where the proposal has {theirs[0]}"
        return LineDifference("below", f"{text} ({rule})", (rule,))
    if ours is not None and theirs is None:
        text = f"{ours[0]} billed where the proposal has no {what}"
        return LineDifference("above", f"{text} ({rule})", (rule,))
    if ours is None or theirs is None or ours[1] == theirs[1]:
        return None
    kind: Difference = "above" if ours[1] > theirs[1] else "below"
    side = "higher" if kind == "above" else "lower"
    text = f"{ours[0]} billed where the proposal has {theirs[0]}: a {side} {what}"
    return LineDifference(kind, f"{text} ({rule})", (rule,))


def _levels(
    billed: Collection[str], proposed: Collection[str]
) -> tuple[list[LineDifference], set[str]]:
    """Level differences by family, and the codes they account for."""
    found, covered = [], set()
    for rule, what, rank_of in _LEVELS:
        difference = _level_difference(rule, what, _top(billed, rank_of), _top(proposed, rank_of))
        if difference is not None:
            found.append(difference)
            covered |= {code for code in (*billed, *proposed) if rank_of(code) is not None}
    return found, covered


def compare_with_proposal(
    billed: Sequence[BilledLine], proposed: Sequence[Line]
) -> ProposalComparison:
    """Where billed lines go above or below the proposal: E/M level (EM-4), psychotherapy band
    (PT-1), units of a code both hold; codes billed it lacks (extra), its codes not billed
    (missing). Modifiers are not compared."""
    billed_units, proposed_units = _units(billed), _units(proposed)
    rules_of = {line.code: line.rules for line in proposed}
    differences, covered = _levels(billed_units, proposed_units)
    for code, units in billed_units.items():
        want = proposed_units.get(code)
        if code in covered or want == units:
            continue
        if want is None:
            differences.append(LineDifference("extra", f"{code} billed, not proposed"))
        else:
            kind: Difference = "above" if units > want else "below"
            text = f"{code}: {units} unit(s) billed, {want} proposed"
            differences.append(LineDifference(kind, text, rules_of.get(code, ())))
    for code in proposed_units:
        if code not in billed_units and code not in covered:
            text = f"{code} proposed, not billed"
            differences.append(LineDifference("missing", text, rules_of.get(code, ())))
    return ProposalComparison(tuple(differences))
