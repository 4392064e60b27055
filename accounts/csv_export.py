"""The one CSV writer of the app, with its guard against spreadsheet formulas.

A CSV export is opened in Excel, LibreOffice or Google Sheets, which run a cell
starting with ``=``, ``+``, ``-`` or ``@`` as a formula (``=1+HYPERLINK(...)``
sends data to another site, ``-2+3+cmd|...`` starts a program), and so do cells
that start with a tab or a carriage return followed by one. Every text cell that
starts with one of these characters gets a leading apostrophe, which the
spreadsheet shows as text (the OWASP "CSV injection" advice).

The Python type decides what a cell is: ``int``, ``float`` and ``Decimal`` values
are written as they are, so a negative amount stays a number (``-12.50``); the
same characters in a ``str`` are text and are escaped (``'-12.50``). An export
therefore passes amounts and counts as numbers, never pre-formatted as strings.

Every app may import this module (accounts is the lowest layer); a test checks
that no other module builds a ``csv.writer``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """The cell as it is written: text a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_document(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """The CSV text of ``header`` and ``rows``, every cell through :func:`csv_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(value) for value in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue()
