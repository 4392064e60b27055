"""Reading the posted encounter form outside a Django form: half-typed values never fail.

The live proposal panel and the MDM levels read the form as it is being typed; a value
that cannot be read counts as not entered (a time "9:6" is no time, a count "a few" is 0).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Mapping
from typing import Any

from coding.engine.mdm import PROBLEM_ITEMS, RISK_ITEMS, DataItems


def posted_time(value: Any) -> datetime.time | None:
    """A posted "HH:MM" as a time, or None when it cannot be read."""
    if isinstance(value, datetime.time):
        return value
    try:
        return datetime.time.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None


def posted_date(value: Any) -> datetime.date | None:
    """A posted "YYYY-MM-DD" as a date, or None when it cannot be read."""
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def posted_count(value: Any) -> int:
    """A posted count, 0 when empty, negative or not a number."""
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def posted_flag(data: Mapping[str, Any], name: str) -> bool:
    """Whether a posted checkbox is ticked."""
    return str(data.get(name, "")).lower() in {"on", "true", "1", "yes"}


def data_items_from(
    value_of: Callable[[str], Any],
    *,
    count: Callable[[Any], int] = int,
    flag: Callable[[Any], bool] = bool,
) -> DataItems:
    """The MDM data items (EM-2) from the encounter's ``mdm_<item>`` values: a saved row's
    attributes, or a posted form read with ``posted_count`` and a checkbox reader."""
    values: dict[str, Any] = {
        item.name: (flag if isinstance(item.default, bool) else count)(value_of(f"mdm_{item.name}"))
        for item in dataclasses.fields(DataItems)
    }
    return DataItems(**values)


def mdm_items_from_post(data: Any) -> tuple[list[str], DataItems, list[str]]:
    """The MDM problems, data items and risk items of a posted encounter form (a QueryDict)."""
    problems = [p for p in data.getlist("mdm_problems") if p in PROBLEM_ITEMS]
    risk = [r for r in data.getlist("mdm_risk") if r in RISK_ITEMS]
    items = data_items_from(
        data.get, count=posted_count, flag=lambda value: posted_flag({"v": value}, "v")
    )
    return problems, items, risk
