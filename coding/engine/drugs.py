"""The drug table (INJ-1, INJ-3): HCPCS drug codes, billing units and container sizes, as data.

`propose(facts, drugs=...)` takes a `DrugTable`; without one it uses the shipped table
(`data/drugs.json`, docs/coding-rules.md section 14). The practice admin's editable copy
(stored elsewhere) reaches the engine the same way payer profiles do: `DrugTable.from_dict`
on its JSON form, or `DrugTable(rows)` built by the caller.

A code may have several rows with different effective dates (a billing unit that changed);
`DrugTable.lookup(code, on=date)` picks the row in force on the date of service, or, with
no date, the row in force last. Amounts are `Decimal` so 0.5 mg units divide exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from functools import cache
from importlib import resources

from coding.engine.facts import FieldValueError


class DrugTableError(FieldValueError):
    """Invalid drug table data; `field` names the offending field (`drugs[2].billing_unit_mg`)."""


@dataclass(frozen=True, slots=True)
class Drug:
    """One product under its HCPCS code: billing unit, container, dates in force (INJ-1)."""

    code: str
    product: str
    billing_unit_mg: Decimal
    single_dose_mg: tuple[Decimal, ...] | None  # labelled single-dose sizes; None: multi-dose
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None  # last day in force

    @property
    def multi_dose(self) -> bool:
        """A multi-dose vial takes neither JZ nor JW (INJ-3)."""
        return self.single_dose_mg is None

    def in_force(self, on: dt.date) -> bool:
        """Whether this row applies on `on`."""
        after_start = self.effective_from is None or self.effective_from <= on
        before_end = self.effective_until is None or on <= self.effective_until
        return after_start and before_end

    def units(self, amount_mg: Decimal) -> int:
        """INJ-1: billing units for an amount given: amount / billing unit, rounded up."""
        return int((amount_mg / self.billing_unit_mg).to_integral_value(ROUND_CEILING))

    def label_units(self, container_mg: Decimal) -> int:
        """INJ-3: billing units a container's labelled amount holds (never beyond the label)."""
        return int((container_mg / self.billing_unit_mg).to_integral_value(ROUND_FLOOR))

    def to_dict(self) -> dict[str, object]:
        """The row's JSON form (`DrugTable.from_dict` reads it back)."""
        return {
            "code": self.code,
            "product": self.product,
            "billing_unit_mg": str(self.billing_unit_mg),
            "single_dose_mg": None
            if self.single_dose_mg is None
            else [str(size) for size in self.single_dose_mg],
            "effective_from": None if self.effective_from is None else str(self.effective_from),
            "effective_until": None if self.effective_until is None else str(self.effective_until),
        }


@dataclass(frozen=True, slots=True)
class DrugTable:
    """The drugs a practice bills, by HCPCS code (rows may repeat a code with other dates)."""

    rows: tuple[Drug, ...]

    def lookup(self, code: str, on: dt.date | None = None) -> Drug | None:
        """The row for `code` in force on `on` (no date: the latest row); None if unknown."""
        rows = [row for row in self.rows if row.code == code]
        if on is not None:
            rows = [row for row in rows if row.in_force(on)]
        if not rows:
            return None
        return max(rows, key=lambda row: row.effective_from or dt.date.min)

    @property
    def codes(self) -> frozenset[str]:
        """Every drug code of the table."""
        return frozenset(row.code for row in self.rows)

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> DrugTable:
        """A table from its JSON form `{"drugs": [...]}`; raise DrugTableError naming the field."""
        rows = d.get("drugs")
        if not isinstance(rows, list):
            raise DrugTableError("drugs", "must be a list of drug rows")
        return cls(tuple(_drug(row, f"drugs[{n}]") for n, row in enumerate(rows)))

    def to_dict(self) -> dict[str, object]:
        """The table's JSON form."""
        return {"drugs": [row.to_dict() for row in self.rows]}


def _amount(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DrugTableError(field, f"must be a positive number of mg; got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise DrugTableError(field, f"must be a positive number of mg; got {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise DrugTableError(field, f"must be a positive number of mg; got {value!r}")
    return amount


def _date(value: object, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DrugTableError(field, f"must be YYYY-MM-DD or null; got {value!r}") from None


def _sizes(value: object, field: str) -> tuple[Decimal, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not value:
        raise DrugTableError(field, "must be a list of labelled sizes, or null for multi-dose")
    return tuple(sorted(_amount(size, f"{field}[{n}]") for n, size in enumerate(value)))


def _text(row: Mapping[str, object], key: str, field: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DrugTableError(f"{field}.{key}", f"must be a non-empty string; got {value!r}")
    return value.strip()


def _drug(row: object, field: str) -> Drug:
    if not isinstance(row, Mapping):
        raise DrugTableError(field, "must be an object")
    drug = Drug(
        code=_text(row, "code", field).upper(),
        product=_text(row, "product", field),
        billing_unit_mg=_amount(row.get("billing_unit_mg"), f"{field}.billing_unit_mg"),
        single_dose_mg=_sizes(row.get("single_dose_mg"), f"{field}.single_dose_mg"),
        effective_from=_date(row.get("effective_from"), f"{field}.effective_from"),
        effective_until=_date(row.get("effective_until"), f"{field}.effective_until"),
    )
    if drug.effective_from and drug.effective_until and drug.effective_until < drug.effective_from:
        raise DrugTableError(f"{field}.effective_until", "must not be before effective_from")
    return drug


def drug_table(rows: Iterable[Drug]) -> DrugTable:
    """A table of these rows."""
    return DrugTable(tuple(rows))


@cache
def load_default_drug_table() -> DrugTable:
    """The shipped drug table (section 14), read once and cached."""
    text = resources.files("coding.engine").joinpath("data/drugs.json").read_text("utf-8")
    raw = json.loads(text)
    return DrugTable.from_dict(raw)


def drug_codes(tables: Sequence[DrugTable] = ()) -> frozenset[str]:
    """The drug codes of the given tables, the shipped table when none is given."""
    if not tables:
        return _default_drug_codes()
    return frozenset(code for table in tables for code in table.codes)


@cache
def _default_drug_codes() -> frozenset[str]:
    """The shipped table's codes, worked out once (the table is read once too)."""
    return load_default_drug_table().codes
