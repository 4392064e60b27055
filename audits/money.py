"""Findings with money: the billed and the audited amount of a reviewed chart.

Both amounts are what the payer is expected to allow (the fee schedule's ``allowed``,
as ``claims.build.price`` reads it). The billed amount is the claim's expected total as
priced when it was built or last fixed (the examined value of the RAT-STATS files); without
a claim, the lines chosen at signing priced from the patient's payer. The audited amount
prices the lines the reviewer would bill from the same payer's schedule today: the billed
lines themselves when the codes are supported, nothing when the documentation supports
no code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from claims.build import price
from coding.engine.claim_lines import BilledLine
from payers.models import FeeScheduleEntry

from .models import Outcome

ZERO = Decimal("0.00")
UNITS = re.compile(r"\s*[x×]\s*(\d+)\s*$", re.I)


def lines_from_text(text: str, *, billed: Sequence[BilledLine] = ()) -> list[BilledLine]:
    """'99214-25 + 90833 x2' -> lines (the inverse of ``line_text``).

    A code the reviewer typed without modifiers takes the billed line's modifiers for the
    same code (the place of service and payer modifiers do not change with the level).
    """
    modifiers_billed = {line.code: line.modifiers for line in billed}
    lines = []
    for part in re.split(r"[+,;]", text):
        part = part.strip()
        if not part:
            continue
        units = 1
        match = UNITS.search(part)
        if match:
            units = max(int(match.group(1)), 1)
            part = part[: match.start()]
        code, *modifiers = [token.strip().upper() for token in part.split("-") if token.strip()]
        lines.append(
            BilledLine(
                code=code,
                units=units,
                modifiers=tuple(modifiers) or modifiers_billed.get(code, ()),
            )
        )
    return lines


def lines_amount(
    lines: Iterable[BilledLine], fees: Mapping[tuple[str, str], FeeScheduleEntry]
) -> Decimal:
    """The expected (allowed) amount of ``lines`` on the fee schedule ``fees``."""
    return sum((price(fees, ln.code, ln.modifiers, ln.units)[1] for ln in lines), ZERO)


def audited_lines(
    *, outcome: str, reviewer_code: str, billed: Sequence[BilledLine]
) -> list[BilledLine]:
    """The lines the reviewer would bill for ``outcome``."""
    if outcome == Outcome.SUPPORTED:
        return list(billed)
    if outcome == Outcome.NOT_SUPPORTED:
        return []
    return lines_from_text(reviewer_code, billed=billed)


def lines_as_dicts(lines: Iterable[BilledLine]) -> list[dict[str, Any]]:
    return [{"code": ln.code, "units": ln.units, "modifiers": list(ln.modifiers)} for ln in lines]
