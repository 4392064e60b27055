"""FG: family (90846/90847) and group (90853) psychotherapy.

Group psychotherapy has no minimum time (FG-2): a recorded group block is reported once per
session whatever its minutes, 0 included (the minutes are not what 90853 rests on).
With a billable E/M the same day, both are proposed (see cb_combinations.py) with a warning.
"""

from __future__ import annotations

from typing import Final

from coding.engine.codes import FAMILY_WITH_PATIENT, FAMILY_WITHOUT_PATIENT, GROUP
from coding.engine.facts import PsychotherapyKind
from coding.engine.proposal import Line, RuleResult, info, warning

FAMILY_MINIMUM: Final = 26


def _with_em(code: str, rule: str) -> RuleResult:
    return warning(
        rule,
        f"E/M and {code} on the same day: the E/M must be significant and separately "
        "identifiable, and payer edits may need a modifier; a coder should review",
    )


def rule_fg_1(kind: PsychotherapyKind, minutes: int, *, with_em: bool) -> RuleResult:
    """FG-1: family psychotherapy, one unit at 26 min or more; under 26 not reportable."""
    code = FAMILY_WITH_PATIENT if kind == "family_with_patient" else FAMILY_WITHOUT_PATIENT
    if minutes < FAMILY_MINIMUM:
        return warning(
            "FG-1", f"family psychotherapy {minutes} min: {FAMILY_MINIMUM} min needed for {code}"
        )
    presence = "present" if code == FAMILY_WITH_PATIENT else "not present"
    result = RuleResult(lines=(Line(code, rules=("FG-1",)),)) + info(
        "FG-1", f"{code}: family psychotherapy {minutes} min, patient {presence}"
    )
    return result + _with_em(code, "FG-1") if with_em else result


def rule_fg_2(minutes: int, *, with_em: bool) -> RuleResult:
    """FG-2: group psychotherapy 90853, once per session, no minimum time."""
    result = RuleResult(lines=(Line(GROUP, rules=("FG-2",)),)) + info(
        "FG-2", f"{GROUP}: group psychotherapy session ({minutes} min; no minimum time)"
    )
    return result + _with_em(GROUP, "FG-2") if with_em else result
