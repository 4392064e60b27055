"""The public examples in tests/data/coding-cases: lines compared as multisets of (code, units)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from coding.engine import facts_from_dict, propose

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = REPO_ROOT / "tests" / "data" / "coding-cases" / "examples.jsonl"


def _examples() -> list[dict[str, Any]]:
    # A missing file must fail the run, not skip it.
    assert EXAMPLES.is_file(), f"examples file missing: {EXAMPLES}"
    return [json.loads(line) for line in EXAMPLES.read_text("utf-8").splitlines() if line.strip()]


def test_examples_file_is_present_and_not_empty() -> None:
    assert len(_examples()) >= 12


@pytest.mark.parametrize(
    "case", _examples() if EXAMPLES.is_file() else [{}], ids=lambda c: c.get("id", "missing")
)
def test_example(case: dict[str, Any]) -> None:
    assert case, f"examples file missing: {EXAMPLES}"
    proposal = propose(facts_from_dict(case)).to_dict()
    expected = case["expected"]
    got = Counter((line["code"], line["units"]) for line in proposal["lines"])
    want = Counter((line["code"], line["units"]) for line in expected["lines"])
    assert got == want
    assert proposal["place_of_service"] == expected["place_of_service"]
    assert proposal["id"] == case["id"]
