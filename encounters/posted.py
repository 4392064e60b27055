"""Reading the posted encounter form outside a Django form: half-typed values never fail.

The live proposal panel and the MDM levels read the form as it is being typed; a value
that cannot be read counts as not entered (a time "9:6" is no time, a count "a few" is 0).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
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


def ndc_digits(value: Any) -> str | None:
    """An NDC typed with or without hyphens as its 11 digits, or None when it is not one."""
    digits = str(value or "").strip().replace("-", "")
    return digits if len(digits) == 11 and digits.isascii() and digits.isdigit() else None


def posted_amount(value: Any) -> int | float | None:
    """A posted positive amount (mg, a quantity) as a JSON number, or None."""
    try:
        amount = Decimal(str(value or "").strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0:
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def posted_row_prefixes(data: Any, formset: str, key: str) -> list[str]:
    """The posted rows of a formset that have ``key`` filled and are not deleted, in order
    ("injections-0-", ...)."""
    rows: list[tuple[int, str]] = []
    for name in data:
        if not (name.startswith(f"{formset}-") and name.endswith(f"-{key}")):
            continue
        prefix = name[: -len(key)]
        index = prefix[len(formset) + 1 : -1]
        if not (index.isascii() and index.isdigit()):
            continue
        if str(data.get(name, "")).strip() and not posted_flag(data, prefix + "DELETE"):
            rows.append((int(index), prefix))
    return [prefix for _, prefix in sorted(rows)]


def posted_instrument_ids(data: Any) -> list[int]:
    """The instruments chosen on the posted form (ids, each once, in order)."""
    ids: list[int] = []
    for prefix in posted_row_prefixes(data, "instruments", "instrument"):
        value = str(data.get(prefix + "instrument", "")).strip()
        if value.isascii() and value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids


def posted_injections(data: Any) -> list[dict[str, Any]]:
    """The injection rows of the posted form as the engine's facts read them (INJ-1).

    A row counts once its drug and dose are typed; the container defaults to the dose and a
    row whose buyer is not chosen yet is read as bought by the practice (the engine's
    default). The NDC goes along only when its digits, quantity and unit are all readable.
    """
    rows: list[dict[str, Any]] = []
    for prefix in posted_row_prefixes(data, "injections", "drug"):
        dose = posted_amount(data.get(prefix + "dose_mg"))
        if dose is None:
            continue
        row: dict[str, Any] = {
            "drug": str(data.get(prefix + "drug", "")).strip(),
            "dose_mg": dose,
            "container_mg": posted_amount(data.get(prefix + "container_mg")) or dose,
            "supplied_by_practice": str(data.get(prefix + "supplied", "")) != "patient",
        }
        ndc = ndc_digits(data.get(prefix + "ndc"))
        quantity = posted_amount(data.get(prefix + "ndc_quantity"))
        unit = str(data.get(prefix + "ndc_unit", "")).strip()
        if ndc and quantity and unit:
            row.update({"ndc": ndc, "ndc_quantity": quantity, "ndc_unit": unit})
        rows.append(row)
    return rows
