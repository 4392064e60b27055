"""`manage.py propose_codes`: JSON Lines in and out, bad lines reported, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coding.engine import facts_from_dict, propose

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "coding-cases" / "examples.jsonl"

GOOD = {
    "id": "g1",
    "patient_status": "established",
    "clinician": "MD",
    "payer": "commercial",
    "psychotherapy": {"kind": "individual", "minutes": 40},
    "expected": {"lines": []},
}


def _run(*args: str) -> list[dict[str, object]]:
    out = io.StringIO()
    call_command("propose_codes", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_file_in_same_order_same_ids(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(EXAMPLES.read_text("utf-8"), "utf-8")
    cases = [json.loads(line) for line in EXAMPLES.read_text("utf-8").splitlines() if line.strip()]
    results = _run(str(path))
    assert [r["id"] for r in results] == [c["id"] for c in cases]
    for case, result in zip(cases, results, strict=True):
        assert result == propose(facts_from_dict(case)).to_dict()


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(GOOD) + "\n\n"))
    (result,) = _run("-")
    assert result["id"] == "g1"
    assert result["lines"] == [{"code": "90834", "units": 1, "modifiers": []}]
    assert "error" not in result
    assert "expected" not in result


def test_bad_lines_get_error_proposals_and_the_run_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        "{not json",
        json.dumps({**GOOD, "id": "b1", "clinician": "RN"}),
        json.dumps({**GOOD, "id": "b2", "psychotherapy": {"kind": "individual", "minutes": -3}}),
        json.dumps({**GOOD, "id": "b3", "payer": "acme"}),
        json.dumps([1, 2]),
        json.dumps(GOOD),
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    results = _run(str(path))
    assert [r["id"] for r in results] == [None, "b1", "b2", "b3", None, "g1"]
    errors = [r.get("error") for r in results]
    assert errors[0].startswith("line: ")
    assert errors[1].startswith("clinician: ")
    assert errors[2].startswith("psychotherapy.minutes: ")
    assert errors[3].startswith("payer: ")
    assert errors[4].startswith("facts: ")
    assert errors[5] is None
    for result in results[:5]:
        assert result["lines"] == []


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("propose_codes", str(tmp_path / "missing.jsonl"), stdout=io.StringIO())
    assert caught.value.returncode == 2
