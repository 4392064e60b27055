"""Reading X12 files that come back from payers: separators, segments, amounts, dates.

Pure Python (no Django): the 835, 999 and 277CA readers (``era_read``, ``ack_read``) build
on these. The separators are taken from the ISA segment of the file itself (ISA is fixed
width: element separator at 3, component separator at 104, segment terminator at 105),
so a payer using ``|`` and ``>`` reads the same as one using ``*`` and ``:``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


class X12ReadError(ValueError):
    """A file that is not an X12 interchange we can read; the message says why."""


@dataclass(frozen=True)
class Segment:
    """One segment: its id, its elements (1-based access with ``get``) and its position."""

    id: str
    elements: tuple[str, ...]
    position: int  # 1-based, counted from the start of the interchange
    component: str = ":"

    def get(self, n: int) -> str:
        """Element ``n`` (1-based, as X12 numbers them: CLP01 is ``get(1)``), or ''."""
        return self.elements[n - 1].strip() if 0 < n <= len(self.elements) else ""

    def components(self, n: int) -> list[str]:
        """The components of composite element ``n`` (SVC01 -> ['HC', '90833', '95'])."""
        return [c.strip() for c in self.get(n).split(self.component)]


def x12_segments(text: str) -> list[Segment]:
    """Every segment of ``text``, with the separators its ISA declares."""
    start = text.find("ISA")
    if start < 0 or len(text) < start + 106:
        raise X12ReadError("This is not an X12 file: it does not start with an ISA segment.")
    text = text[start:]
    element, component, terminator = text[3], text[104], text[105]
    if element.isalnum() or terminator.isalnum():
        raise X12ReadError("The ISA segment of this file is not 106 characters as X12 requires.")
    out: list[Segment] = []
    for raw in text.split(terminator):
        raw = raw.strip("\r\n\t ")
        if not raw:
            continue
        parts = raw.split(element)
        out.append(Segment(parts[0].strip(), tuple(parts[1:]), len(out) + 1, component))
    return out


def transaction_kind(segments: Sequence[Segment]) -> str:
    """'835', '999', '277CA' or '271' from the first ST segment (ST01, and ST03 for a 277)."""
    st = next((s for s in segments if s.id == "ST"), None)
    if st is None:
        raise X12ReadError("The file holds no transaction set (no ST segment).")
    kind = st.get(1)
    if kind == "277" and "X214" in st.get(3):
        return "277CA"
    if kind in ("835", "999", "271"):
        return kind
    raise X12ReadError(
        f"This is an X12 {kind} file; the practice imports 835 remittances, 999 and 277CA "
        "acknowledgements and 271 eligibility responses."
    )


def amount(value: str, field: str) -> Decimal:
    """An X12 amount (R element) as a Decimal; '' is zero."""
    if not value:
        return Decimal("0")
    try:
        return Decimal(value).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise X12ReadError(f"{field} is not an amount: {value!r}.") from None


def quantity(value: str, field: str) -> Decimal | None:
    """An X12 quantity or unit count, None when empty."""
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise X12ReadError(f"{field} is not a number: {value!r}.") from None


def date8(value: str) -> datetime.date | None:
    """A CCYYMMDD date, or None when empty or not a date."""
    if len(value) != 8 or not value.isdigit():
        return None
    try:
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def loops(segments: Sequence[Segment], start: str, stop: frozenset[str]) -> Iterator[list[Segment]]:
    """Groups of segments, each opened by a ``start`` segment and ended by the next ``start``
    or any segment id in ``stop``."""
    current: list[Segment] | None = None
    for seg in segments:
        if seg.id == start:
            if current is not None:
                yield current
            current = [seg]
        elif seg.id in stop:
            if current is not None:
                yield current
            current = None
        elif current is not None:
            current.append(seg)
    if current is not None:
        yield current
