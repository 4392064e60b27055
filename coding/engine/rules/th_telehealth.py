"""TH: place of service and telehealth modifiers, all from facts and payer data.

The telehealth modifier goes on every line except 96127 (BA-1: unless the payer's data says
so) and 96372 (INJ-1: an injection is given in person).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from coding.engine.codes import BRIEF_ASSESSMENT, INJECTION
from coding.engine.facts import Facts
from coding.engine.payer import PayerProfile
from coding.engine.proposal import EMPTY, Line, RuleResult, error, info, warning

POS_OFFICE: Final = "11"
POS_TELEHEALTH_HOME: Final = "10"
POS_TELEHEALTH_OTHER: Final = "02"


def _telehealth_pos(facts: Facts) -> str:
    return POS_TELEHEALTH_HOME if facts.patient_at_home else POS_TELEHEALTH_OTHER


def _takes_telehealth_modifier(code: str, payer: PayerProfile) -> bool:
    if code == BRIEF_ASSESSMENT:
        return payer.brief_assessment_telehealth_modifier
    return code != INJECTION


def _with_modifier(
    lines: Sequence[Line], modifier: str, rule: str, payer: PayerProfile
) -> tuple[Line, ...]:
    return tuple(
        line.with_modifier(modifier, rule) if _takes_telehealth_modifier(line.code, payer) else line
        for line in lines
    )


def _on_lines(lines: Sequence[Line], payer: PayerProfile) -> str:
    """Where the modifier went: "every line", or "every line but 96127" (BA-1, INJ-1)."""
    left = sorted({line.code for line in lines if not _takes_telehealth_modifier(line.code, payer)})
    return "every line" if not left else f"every line but {', '.join(left)}"


def rule_th_1(facts: Facts, lines: Sequence[Line]) -> RuleResult:
    """TH-1: in person at the office: POS 11, no telehealth modifier."""
    if facts.setting != "in_person":
        return EMPTY
    return info(
        "TH-1",
        f"in person at the office: place of service {POS_OFFICE}, no telehealth modifier",
        lines=tuple(lines),
        place_of_service=POS_OFFICE,
    )


def rule_th_2(facts: Facts, payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """TH-2: video: POS 10 at home, else 02; the payer's video modifier (if any) on every line."""
    if facts.setting != "video":
        return EMPTY
    pos = _telehealth_pos(facts)
    modifier = payer.video_modifier
    if modifier is None:
        return info(
            "TH-2",
            f"video: POS {pos}; {payer.name} wants no video modifier",
            lines=tuple(lines),
            place_of_service=pos,
        )
    marked = _with_modifier(lines, modifier, "TH-2", payer)
    return info(
        "TH-2",
        f"video: POS {pos}; modifier {modifier} on {_on_lines(lines, payer)} ({payer.name})",
        lines=marked,
        place_of_service=pos,
    )


def rule_th_3(facts: Facts, payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """TH-3: audio-only: same POS rule, the audio modifier on every line; an error (no lines)
    when the payer does not cover it, or covers it only to a patient at home who was not."""
    if facts.setting != "audio":
        return EMPTY
    pos = _telehealth_pos(facts)
    if not payer.audio_only_covered:
        return RuleResult(place_of_service=pos) + error(
            "TH-3",
            f"{payer.name} does not cover audio-only visits: nothing can be billed to it",
            field="setting",
        )
    if payer.audio_only_home_only and not facts.patient_at_home:
        return RuleResult(place_of_service=pos) + error(
            "TH-3",
            f"{payer.name} covers audio-only visits only to a patient at home: nothing is "
            "billed for this visit; use video when the patient is not at home",
            field="setting",
        )
    modifier = payer.audio_modifier
    marked = _with_modifier(lines, modifier, "TH-3", payer)
    return info(
        "TH-3",
        f"audio-only: POS {pos}; modifier {modifier} on {_on_lines(lines, payer)}; the note says "
        "why video was not used",
        lines=marked,
        place_of_service=pos,
    )


def rule_th_4(facts: Facts, payer: PayerProfile) -> RuleResult:
    """TH-4: after the payer's waiver date, warn of the in-person visit requirement."""
    waiver = payer.telehealth_in_person_waiver_until
    if facts.setting == "in_person" or waiver is None or facts.date_of_service is None:
        return EMPTY
    if facts.date_of_service < dt.date.fromisoformat(waiver):
        return EMPTY
    return warning(
        "TH-4",
        f"{payer.name}'s in-person visit requirement for tele-mental-health applies from "
        f"{waiver}: an in-person visit within 6 months before the first telehealth visit, then "
        "yearly",
    )
