"""FG: family (90846/90847) and group (90853) psychotherapy, and an E/M beside them (FG-3).

Group psychotherapy has no minimum time (FG-2): a recorded group block is reported once per
session whatever its minutes, 0 included (the minutes are not what 90853 rests on), with a
warning when no minutes are documented.
With a billable E/M the same day (FG-3), both are proposed: the E/M levelled as a stand-alone
E/M (CB-2 with EM-6, never CB-1, whose add-ons go only with individual psychotherapy), with a
warning for a coder's review. No message about psychotherapy add-ons appears beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from coding.engine.codes import (
    EM_CODES,
    FAMILY_CODES,
    FAMILY_WITH_PATIENT,
    FAMILY_WITHOUT_PATIENT,
    GROUP,
)
from coding.engine.facts import PsychotherapyKind
from coding.engine.proposal import EMPTY, Line, RuleResult, info, minutes_text, remembered, warning

FAMILY_MINIMUM: Final = 26
FAMILY_OR_GROUP: Final = FAMILY_CODES | frozenset({GROUP})


def family_or_group_code(lines: Sequence[Line]) -> str | None:
    """The family or group psychotherapy code among these lines, if any (FG-3, VC-3)."""
    return next((line.code for line in lines if line.code in FAMILY_OR_GROUP), None)


@remembered
def rule_fg_1(kind: PsychotherapyKind, minutes: int) -> RuleResult:
    """FG-1: family psychotherapy, one unit at 26 min or more; under 26 not reportable."""
    code = FAMILY_WITH_PATIENT if kind == "family_with_patient" else FAMILY_WITHOUT_PATIENT
    if minutes < FAMILY_MINIMUM:
        return warning(
            "FG-1",
            f"{minutes_text(minutes, 'family psychotherapy')}: {FAMILY_MINIMUM} min needed "
            f"for {code}",
        )
    presence = "present" if code == FAMILY_WITH_PATIENT else "not present"
    return RuleResult(lines=(Line(code, rules=("FG-1",)),)) + info(
        "FG-1", f"{code}: family psychotherapy {minutes} min, patient {presence}"
    )


@remembered
def rule_fg_2(minutes: int) -> RuleResult:
    """FG-2: group psychotherapy 90853, once per session, no minimum time; a warning when the
    session has no minutes documented."""
    line = RuleResult(lines=(Line(GROUP, rules=("FG-2",)),))
    if minutes == 0:
        return line + warning(
            "FG-2",
            f"{GROUP}: group psychotherapy session with no minutes documented: record the "
            "session's start and stop times",
        )
    return line + info("FG-2", f"{GROUP}: group psychotherapy session ({minutes} min)")


def rule_fg_3(lines: Sequence[Line]) -> RuleResult:
    """FG-3: family or group psychotherapy and an E/M the same day: both proposed, the E/M
    stand-alone (CB-2, EM-6, never CB-1); warn that it must be significant and separately
    identifiable and that payers may want modifier 25 (coder review)."""
    code = family_or_group_code(lines)
    em = next((line.code for line in lines if line.code in EM_CODES), None)
    if code is None or em is None:
        return EMPTY
    return warning(
        "FG-3",
        f"{em} and {code} on the same day: the E/M must be significant and separately "
        "identifiable from the family or group psychotherapy, and payers may want modifier 25 "
        "on it; a coder should review",
    )
