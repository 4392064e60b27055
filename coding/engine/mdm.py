"""EM-2 in one place: from the MDM items a clinician ticks to the three element levels.

The encounter form shows `PROBLEM_ITEMS` and `RISK_ITEMS` as checkboxes and `DataItems` as
counters; `mdm_from_items` turns what was ticked into an `Mdm`, and `mdm_level` gives the
MDM level (the middle value of the three elements). No other module rates MDM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from coding.engine.facts import LEVELS, Level, Mdm

LEVEL_RANK: Final[Mapping[Level, int]] = MappingProxyType({lv: i for i, lv in enumerate(LEVELS)})

PROBLEM_ITEMS: Final[Mapping[str, tuple[Level, str]]] = MappingProxyType(
    {
        "minor": ("minimal", "minimal or self-limited problem"),
        "acute_uncomplicated": ("low", "acute, uncomplicated illness"),
        "stable_chronic_one": ("low", "one stable chronic illness (at treatment goal)"),
        "stable_chronic_two_plus": ("moderate", "two or more stable chronic illnesses"),
        "chronic_exacerbation": (
            "moderate",
            "chronic illness with exacerbation, progression or side effects of treatment",
        ),
        "undiagnosed_uncertain": ("moderate", "undiagnosed new problem with uncertain prognosis"),
        "severe_exacerbation": ("high", "chronic illness with severe exacerbation"),
        "threat_to_life": ("high", "threat to life or bodily function"),
    }
)

RISK_ITEMS: Final[Mapping[str, tuple[Level, str]]] = MappingProxyType(
    {
        "minimal": ("minimal", "minimal risk"),
        "otc_drugs": ("low", "over-the-counter drugs / minor risk"),
        "prescription_management": (
            "moderate",
            "prescription drug management (named drug started, changed, stopped or continued, "
            "with the reason)",
        ),
        "social_determinants": (
            "moderate",
            "diagnosis or treatment significantly limited by social determinants of health",
        ),
        "intensive_monitoring": (
            "high",
            "drug therapy needing intensive monitoring for toxicity (adverse effects, by lab, "
            "physiologic test or imaging)",
        ),
        "hospitalization_decision": ("high", "decision about hospitalization"),
    }
)


@dataclass(frozen=True, slots=True)
class DataItems:
    """Data reviewed and analysed (EM-2); counts are of unique items (two notes count 2)."""

    notes_reviewed: int = 0
    results_reviewed: int = 0
    tests_ordered: int = 0
    independent_historian: bool = False
    independent_interpretation: bool = False
    external_discussion: bool = False

    def __post_init__(self) -> None:
        for name in ("notes_reviewed", "results_reviewed", "tests_ordered"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: must be a whole number of items, 0 or more")

    @property
    def level(self) -> Level:
        """EM-2 data level: limited, moderate (one category) or extensive (two categories)."""
        documents = self.notes_reviewed + self.results_reviewed + self.tests_ordered
        categories = (
            int(documents + int(self.independent_historian) >= 3)
            + int(self.independent_interpretation)
            + int(self.external_discussion)
        )
        if categories >= 2:
            return "high"
        if categories == 1:
            return "moderate"
        if documents >= 2 or self.independent_historian:
            return "low"
        return "minimal"


def _highest(items: Iterable[str], table: Mapping[str, tuple[Level, str]], what: str) -> Level:
    rank = 0
    for key in items:
        if key not in table:
            raise ValueError(f"{what}: unknown item {key!r}; one of {', '.join(table)}")
        rank = max(rank, LEVEL_RANK[table[key][0]])
    return LEVELS[rank]


def problems_level(items: Iterable[str]) -> Level:
    """EM-2 problems level: the highest ticked item; none ticked is minimal."""
    return _highest(items, PROBLEM_ITEMS, "problems")


def risk_level(items: Iterable[str]) -> Level:
    """EM-2 risk level: the highest ticked item; none ticked is minimal."""
    return _highest(items, RISK_ITEMS, "risk")


def mdm_from_items(problems: Iterable[str], data: DataItems, risk: Iterable[str]) -> Mdm:
    """The three MDM element levels from the ticked items (EM-2)."""
    return Mdm(problems=problems_level(problems), data=data.level, risk=risk_level(risk))


def mdm_rank(mdm: Mdm) -> int:
    """EM-2: rank 0-3 of the MDM level, the middle value of the three elements."""
    a, b, c = LEVEL_RANK[mdm.problems], LEVEL_RANK[mdm.data], LEVEL_RANK[mdm.risk]
    return max(min(a, b), min(max(a, b), c))


def mdm_level(mdm: Mdm) -> Level:
    """EM-2: the MDM level, the highest level at least two of the three elements reach."""
    return LEVELS[mdm_rank(mdm)]
