"""`manage.py propose_codes`: JSON Lines in and out, bad lines reported, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coding.engine import facts_from_dict, propose

CASES = Path(__file__).resolve().parents[1] / "data" / "coding-cases"
EXAMPLES = CASES / "examples.jsonl"
EXAMPLES_2 = CASES / "examples-2.jsonl"

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


@pytest.mark.parametrize("name", ["examples.jsonl", "examples-2.jsonl"])
def test_every_example_passes_through_the_command(tmp_path: Path, name: str) -> None:
    """Each public case, run by the command, gives its expected lines (with modifiers for
    engine 2), place of service, cited rules and alternative codes."""
    source = CASES / name
    cases = [json.loads(line) for line in source.read_text("utf-8").splitlines() if line.strip()]
    assert len(cases) >= 12
    path = tmp_path / name
    path.write_text(source.read_text("utf-8"), "utf-8")
    results = _run(str(path))
    assert len(results) == len(cases)
    engine_2 = name == "examples-2.jsonl"
    for case, result in zip(cases, results, strict=True):
        expected = case["expected"]
        assert result["id"] == case["id"]
        assert "error" not in result, result

        def key(line: dict[str, object]) -> tuple[object, ...]:
            modifiers = tuple(line["modifiers"]) if engine_2 else ()
            return (line["code"], line["units"], modifiers)

        assert sorted(map(key, result["lines"])) == sorted(map(key, expected["lines"])), case["id"]
        assert all("modifiers" in line for line in result["lines"])
        assert result["place_of_service"] == expected["place_of_service"]
        cited = {m["rule"] for m in result["messages"]}
        assert set(expected.get("rules", [])) <= cited, case["id"]
        offered = {line["code"] for alt in result["alternatives"] for line in alt["lines"]}
        assert set(expected.get("alternative_codes", [])) <= offered, case["id"]


def test_new_contract_fields_are_read_and_echoed(tmp_path: Path) -> None:
    case = {
        **GOOD,
        "id": 42,
        "payer": "medicare",
        "em": {"minutes": 15, "mdm": None, "other_minutes": 16},
        "psychotherapy": None,
        "longitudinal_care": True,
        "brief_assessments": 2,
        "injections": [{"drug": "J0401", "dose_mg": 400, "supplied_by_practice": False}],
    }
    path = tmp_path / "engine2.jsonl"
    path.write_text(json.dumps(case) + "\n", "utf-8")
    (result,) = _run(str(path))
    assert result["id"] == 42
    # 31 min of total E/M time (EM-3): 99214; the injection: 96372 alone and modifier 25
    assert sorted(
        (line["code"], line["units"], tuple(line["modifiers"])) for line in result["lines"]
    ) == [
        ("96127", 2, ()),
        ("96372", 1, ()),
        ("99214", 1, ("25",)),
    ]
    assert {"INJ-2", "VC-2", "BA-1"} <= {m["rule"] for m in result["messages"]}


def test_numeric_id_of_bad_facts_is_echoed_and_the_error_cites_its_rule(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    bad = {**GOOD, "id": 7, "injections": [{"drug": "J0401", "dose_mg": -1}]}
    path.write_text(json.dumps(bad) + "\n", "utf-8")
    (result,) = _run(str(path))
    assert result["id"] == 7
    assert result["error"].startswith("injections[0].dose_mg: ")
    assert result["messages"] == [{"level": "error", "rule": "INJ-1", "text": result["error"]}]


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
