"""The draw itself: pure functions over ids and a seed, so the sample can be redrawn anywhere.

The algorithm is described step by step in ``audits.models`` (AU-1); this module is it:
``draw_covering`` (per-prescriber coverage, method "coverage-1") and ``draw_ids`` (the rule
of samples drawn before it, method "simple-1", kept so they still redraw).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Draw:
    encounter_ids: list[int]
    stratified: bool
    note: str


def draw_ids(
    population: Sequence[tuple[int, int]], *, seed: int, size: int, stratify: bool
) -> Draw:
    """Draw ``size`` encounter ids from ``population`` [(encounter id, clinician id)]."""
    ordered = sorted(population)
    ids = [encounter_id for encounter_id, _ in ordered]
    k = min(size, len(ids))
    rng = random.Random(seed)  # noqa: S311 - a reproducible audit sample, not a secret
    if not stratify or not ids:
        return Draw(rng.sample(ids, k), stratified=False, note="")
    by_clinician: dict[int, list[int]] = {}
    for encounter_id, clinician_id in ordered:
        by_clinician.setdefault(clinician_id, []).append(encounter_id)
    if len(by_clinician) > k:
        note = (
            f"Not stratified: {len(by_clinician)} clinicians signed encounters this month, "
            f"more than the {k} charts drawn."
        )
        return Draw(rng.sample(ids, k), stratified=False, note=note)
    picked = [rng.choice(by_clinician[c]) for c in sorted(by_clinician)]
    rest = [i for i in ids if i not in set(picked)]
    picked += rng.sample(rest, k - len(picked))
    note = f"Stratified: at least one chart for each of the {len(by_clinician)} clinicians."
    return Draw(picked, stratified=True, note=note)


@dataclass(frozen=True)
class Stratum:
    """One clinician's charts in the population and the charts the draw must take from them."""

    clinician_id: int
    encounter_ids: tuple[int, ...]  # ascending
    drawn_before: int  # charts of theirs in the quarter's earlier monthly samples
    minimum: int

    def to_dict(self, drawn: int) -> dict[str, object]:
        return {
            "clinician_id": self.clinician_id,
            "encounter_ids": list(self.encounter_ids),
            "drawn_before": self.drawn_before,
            "minimum": self.minimum,
            "drawn": drawn,
        }

    def to_row(self, drawn: int) -> dict[str, object]:
        """The stratum as the pages list it: the number of its charts in place of their ids."""
        return {
            "clinician_id": self.clinician_id,
            "signed": len(self.encounter_ids),
            "drawn_before": self.drawn_before,
            "minimum": self.minimum,
            "drawn": drawn,
        }


def month_of_quarter(month: datetime.date) -> int:
    """1, 2 or 3: the month's place in its calendar quarter."""
    return (month.month - 1) % 3 + 1


def quarter_start(month: datetime.date) -> datetime.date:
    return month.replace(month=month.month - month_of_quarter(month) + 1, day=1)


def strata_for(
    population: Sequence[tuple[int, int]],
    *,
    month: datetime.date,
    drawn_before: Mapping[int, int],
    per_month: int,
    per_quarter: int,
) -> list[Stratum]:
    """Each clinician's stratum and minimum (AU-1 step 2), in ascending clinician id.

    The quarter's charts are due evenly: by the m-th month of the quarter a clinician
    should have had ``floor(per_quarter * m / 3)`` charts drawn, and at least ``per_month``
    each month they signed, never more than they signed this month.
    """
    by_clinician: dict[int, list[int]] = {}
    for encounter_id, clinician_id in sorted(population):
        by_clinician.setdefault(clinician_id, []).append(encounter_id)
    due = per_quarter * month_of_quarter(month) // 3
    strata = []
    for clinician_id in sorted(by_clinician):
        ids = tuple(by_clinician[clinician_id])
        before = drawn_before.get(clinician_id, 0)
        minimum = min(len(ids), max(per_month, due - before, 0))
        strata.append(Stratum(clinician_id, ids, before, minimum))
    return strata


def draw_covering(
    population_ids: Sequence[int], *, strata: Sequence[Stratum], seed: int, size: int
) -> list[int]:
    """AU-1 step 3: each stratum's minimum first, then the practice-wide rest, one generator."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible audit sample, not a secret
    picked: list[int] = []
    for stratum in sorted(strata, key=lambda s: s.clinician_id):
        picked += rng.sample(list(stratum.encounter_ids), stratum.minimum)
    taken = set(picked)
    rest = [i for i in sorted(population_ids) if i not in taken]
    picked += rng.sample(rest, min(max(size - len(picked), 0), len(rest)))
    return picked


def month_start(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


def previous_month(today: datetime.date) -> datetime.date:
    """The first day of the month before ``today``'s month."""
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    """The first day of the month after ``month``."""
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def parse_month(text: str) -> datetime.date:
    """'YYYY-MM' -> first day of that month; ValueError with a readable message otherwise."""
    try:
        parsed = datetime.datetime.strptime(text.strip(), "%Y-%m")  # noqa: DTZ007 - a date only
    except ValueError:
        raise ValueError(f"Enter the month as YYYY-MM, e.g. 2026-01 (got {text!r}).") from None
    return parsed.date()


def months_back(last: datetime.date, count: int) -> list[datetime.date]:
    """``count`` month starts ending with ``last``'s month, oldest first."""
    months = [month_start(last)]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return list(reversed(months))
