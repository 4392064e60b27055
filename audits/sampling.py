"""The draw itself: pure functions over ids and a seed, so the sample can be redrawn anywhere.

The algorithm is described step by step in ``audits.models`` (AU-1); this module is it.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
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


def month_start(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


def previous_month(today: datetime.date) -> datetime.date:
    """The first day of the month before ``today``'s month."""
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


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
