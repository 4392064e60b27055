"""The public examples in tests/data/coding-cases: lines compared as multisets.

`examples.jsonl` (engine 1) compares (code, units); `examples-2.jsonl` (engine 2) gives each
line's modifiers too, so there a line is (code, units, modifiers). Where a case lists
`rules`, each is cited by a message; `alternative_codes` must appear in an alternative.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from coding.engine import facts_from_dict, propose

REPO_ROOT = Path(__file__).resolve().parents[3]
CASES = REPO_ROOT / "tests" / "data" / "coding-cases"
EXAMPLE_FILES = (CASES / "examples.jsonl", CASES / "examples-2.jsonl")


def _examples() -> list[dict[str, Any]]:
    # A missing file must fail the run, not skip it.
    cases = []
    for path in EXAMPLE_FILES:
        assert path.is_file(), f"examples file missing: {path}"
        text = path.read_text("utf-8")
        cases += [json.loads(line) for line in text.splitlines() if line.strip()]
    return cases


def _line(line: dict[str, Any], with_modifiers: bool) -> tuple[object, ...]:
    if with_modifiers:
        return (line["code"], line["units"], tuple(line["modifiers"]))
    return (line["code"], line["units"])


def test_examples_files_are_present_and_not_empty() -> None:
    cases = _examples()
    assert len([c for c in cases if c["id"].startswith("ex-")]) >= 12
    assert len([c for c in cases if c["id"].startswith("e2-")]) >= 12


@pytest.mark.parametrize(
    "case",
    _examples() if all(p.is_file() for p in EXAMPLE_FILES) else [{}],
    ids=lambda c: c.get("id", "missing"),
)
def test_example(case: dict[str, Any]) -> None:
    assert case, f"examples file missing: {EXAMPLE_FILES}"
    proposal = propose(facts_from_dict(case)).to_dict()
    expected = case["expected"]
    with_modifiers = all("modifiers" in line for line in expected["lines"]) and case[
        "id"
    ].startswith("e2-")
    got = Counter(_line(line, with_modifiers) for line in proposal["lines"])
    want = Counter(_line(line, with_modifiers) for line in expected["lines"])
    assert got == want
    assert proposal["place_of_service"] == expected["place_of_service"]
    assert proposal["id"] == case["id"]
    cited = {message["rule"] for message in proposal["messages"]}
    assert set(expected.get("rules", [])) <= cited
    offered = {line["code"] for alt in proposal["alternatives"] for line in alt["lines"]}
    assert set(expected.get("alternative_codes", [])) <= offered
