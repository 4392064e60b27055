"""PT: individual psychotherapy is coded by the minutes of the psychotherapy block alone."""

from __future__ import annotations

from typing import Final

from coding.engine.proposal import EMPTY, Line, RuleResult, info, minutes_text, remembered, warning

PSYCHOTHERAPY_MINIMUM: Final = 16

# PT-1 table: (first minute of the band, stand-alone code, add-on code with an E/M), longest
# band first. The one home of the bands: the proposal, the claim-line checks and the chart
# audit all read them here.
PT_1_BANDS: Final = ((53, "90837", "90838"), (38, "90834", "90836"), (16, "90832", "90833"))


def psychotherapy_code(minutes: int, *, with_em: bool) -> str | None:
    """The PT-1 code for these psychotherapy minutes, or None under 16 minutes."""
    for first_minute, alone, addon in PT_1_BANDS:
        if minutes >= first_minute:
            return addon if with_em else alone
    return None


def psychotherapy_band(code: str) -> int | None:
    """PT-1: the band of an individual psychotherapy code, 0 (16-37 min) to 2 (53+); else None."""
    for band, (_first_minute, alone, addon) in enumerate(reversed(PT_1_BANDS)):
        if code in (alone, addon):
            return band
    return None


@remembered
def rule_pt_1(minutes: int, *, with_em: bool) -> RuleResult:
    """PT-1: individual psychotherapy by its own minutes: 16-37, 38-52, 53+ (add-on with E/M)."""
    code = psychotherapy_code(minutes, with_em=with_em)
    if code is None:
        return EMPTY
    kind = "add-on with the E/M" if with_em else "psychotherapy alone"
    text = f"{code}: {minutes} min of psychotherapy ({kind})"
    return info("PT-1", text, lines=(Line(code, rules=("PT-1",)),))


@remembered
def rule_pt_2(minutes: int, *, with_em: bool) -> RuleResult:
    """PT-2: under 16 minutes no psychotherapy code; say the minutes documented and needed."""
    if minutes >= PSYCHOTHERAPY_MINIMUM:
        return EMPTY
    needed = psychotherapy_code(PSYCHOTHERAPY_MINIMUM, with_em=with_em)
    return warning(
        "PT-2",
        f"{minutes_text(minutes, 'psychotherapy')}: {PSYCHOTHERAPY_MINIMUM} min needed for "
        f"{needed}; no psychotherapy code is reported",
    )


def rule_pt_3(em_minutes: int, psychotherapy_minutes: int) -> RuleResult:
    """PT-3: E/M time and psychotherapy time are separate blocks; neither counts for the other."""
    return info(
        "PT-3",
        f"{minutes_text(em_minutes, 'E/M block')} and "
        f"{minutes_text(psychotherapy_minutes, 'psychotherapy block')} are counted separately "
        "and must not overlap",
    )


@remembered
def rule_pt_4(code: str, minutes: int) -> RuleResult:
    """PT-4: psychotherapy minutes are face-to-face (video counts, charting does not)."""
    return info(
        "PT-4",
        f"{code} rests on {minutes} face-to-face min: the note shows the start and stop times "
        "or the minutes of the psychotherapy block",
    )
