"""Checks on an encounter's dates and time blocks, shared by the form and the services.

Each check returns messages keyed by the form field they belong to, so the
form shows them next to the field and the signing service can refuse with
the same words (PT-3: the two blocks are separate and must not overlap).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from coding.engine.facts import MAX_INJECTIONS

Errors = dict[str, list[str]]

MAX_OTHER_EM_MINUTES = 600


@dataclass(frozen=True, slots=True)
class ScoreRecorded:
    """One instrument's score as recorded, with the range the practice's list allows."""

    name: str
    score: int
    score_min: int
    score_max: int

    @property
    def problem(self) -> str | None:
        """Why the score cannot be signed, or None."""
        if self.score_min <= self.score <= self.score_max:
            return None
        return (
            f"{self.name} scores run from {self.score_min} to {self.score_max}; "
            f"{self.score} is outside that range."
        )


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _block(
    errors: Errors,
    prefix: str,
    label: str,
    start: datetime.time | None,
    end: datetime.time | None,
    *,
    date_of_service: datetime.date | None,
    now: datetime.datetime | None,
    max_minutes: int,
    partial_ok: bool,
) -> None:
    if start is None and end is None:
        return
    if partial_ok and (start is None or end is None):
        return
    if start is None:
        _add(errors, f"{prefix}_start", f"Enter when the {label} started.")
        return
    if end is None:
        _add(errors, f"{prefix}_end", f"Enter when the {label} ended.")
        return
    if end <= start:
        _add(
            errors,
            f"{prefix}_end",
            f"The {label} ends at {end:%H:%M}, before it starts at {start:%H:%M}. "
            "A block must start and end on the date of service.",
        )
        return
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes > max_minutes:
        _add(
            errors,
            f"{prefix}_end",
            f"The {label} lasts {minutes} minutes ({start:%H:%M}-{end:%H:%M}); at most "
            f"{max_minutes} minutes can be signed. Check the start and end times.",
        )
        return
    if now is not None and date_of_service == now.date() and end > now.time():
        _add(errors, f"{prefix}_end", f"The {label} ends at {end:%H:%M}, which is later than now.")


def encounter_time_errors(
    *,
    date_of_service: datetime.date | None,
    pt_start: datetime.time | None,
    pt_end: datetime.time | None,
    em_start: datetime.time | None,
    em_end: datetime.time | None,
    now: datetime.datetime | None,
    partial_ok: bool = False,
) -> Errors:
    """Problems with the date of service and the two time blocks (``now`` is local time).

    Block lengths are bounded by the ENCOUNTER_MAX_*_MINUTES settings. ``partial_ok``
    lets a block with only a start (a running timer) or only an end pass, and ``now=None``
    skips the checks against the clock: the live panel asks only for conflicts.
    """
    errors: Errors = {}
    if now is not None and date_of_service and date_of_service > now.date():
        _add(errors, "date_of_service", "The date of service is in the future.")
    _block(
        errors,
        "pt",
        "psychotherapy block",
        pt_start,
        pt_end,
        date_of_service=date_of_service,
        now=now,
        max_minutes=settings.ENCOUNTER_MAX_PSYCHOTHERAPY_MINUTES,
        partial_ok=partial_ok,
    )
    _block(
        errors,
        "em",
        "med-management block",
        em_start,
        em_end,
        date_of_service=date_of_service,
        now=now,
        max_minutes=settings.ENCOUNTER_MAX_MED_MANAGEMENT_MINUTES,
        partial_ok=partial_ok,
    )
    if errors or None in (pt_start, pt_end, em_start, em_end):
        return errors
    assert pt_start is not None
    assert pt_end is not None
    assert em_start is not None
    assert em_end is not None
    if pt_start < em_end and em_start < pt_end:
        _add(
            errors,
            "em_start",
            f"The med-management block ({em_start:%H:%M}-{em_end:%H:%M}) overlaps the "
            f"psychotherapy block ({pt_start:%H:%M}-{pt_end:%H:%M}). Time counts toward one "
            "block only (PT-3).",
        )
    return errors


def other_minutes_problem(minutes: int | None) -> str | None:
    """Why the other E/M minutes cannot be signed (EM-3), or None."""
    if minutes is None or 0 <= minutes <= MAX_OTHER_EM_MINUTES:
        return None
    return (
        f"Other E/M minutes today must be between 0 and {MAX_OTHER_EM_MINUTES}; "
        f"{minutes} was entered."
    )


def engine2_errors(
    *, other_minutes: int, injections: int, scores: Iterable[ScoreRecorded]
) -> Errors:
    """Bounds on the engine 2 inputs, keyed by field: other E/M minutes, the number of
    injections and each instrument's score within its range (signing refuses them)."""
    errors: Errors = {}
    problem = other_minutes_problem(other_minutes)
    if problem:
        _add(errors, "em_other_minutes", problem)
    if injections > MAX_INJECTIONS:
        _add(
            errors,
            "injections",
            f"At most {MAX_INJECTIONS} injections per visit; {injections} are recorded.",
        )
    for score in scores:
        if score.problem:
            _add(errors, "instruments", score.problem)
    return errors
