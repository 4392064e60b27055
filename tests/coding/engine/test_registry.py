"""Every rule id of coding-reference.md is registered; the engine imports no Django."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

from coding.engine import RULES

REPO_ROOT = Path(__file__).resolve().parents[3]
REFERENCE = REPO_ROOT.parent / "shared" / "coding-reference.md"


def _reference_ids() -> set[str]:
    text = REFERENCE.read_text("utf-8")
    ids = set(re.findall(r"\b([A-Z]{2}-\d+)\b", text))
    # A section whose header names a family without numbered rules, "(PY)", is one rule.
    families = set(re.findall(r"^## .*\(([A-Z]{2})\)\s*$", text, flags=re.MULTILINE))
    return ids | {f for f in families if not any(i.startswith(f"{f}-") for i in ids)}


def test_reference_is_present() -> None:
    assert REFERENCE.is_file(), f"missing {REFERENCE}"


def test_every_reference_rule_id_is_registered() -> None:
    ids = _reference_ids()
    assert {"PT-1", "CB-8", "TH-4", "DG-3", "AU-3", "PY"} <= ids
    assert ids - set(RULES) == set()


def test_no_registered_id_missing_from_reference() -> None:
    assert set(RULES) - _reference_ids() == set()


def test_engine_rules_have_functions_whose_docstring_starts_with_the_id() -> None:
    for rule_id, spec in RULES.items():
        if rule_id.startswith("AU-"):
            assert spec.function is None
            assert "audits" in spec.implemented_in
            continue
        assert spec.function is not None, rule_id
        assert (inspect.getdoc(spec.function) or "").startswith(f"{rule_id}:"), rule_id
        assert spec.summary


def test_rule_functions_are_small() -> None:
    for spec in RULES.values():
        if spec.function is not None:
            assert len(inspect.getsource(spec.function).splitlines()) <= 30, spec.rule_id


def test_importing_engine_loads_no_django() -> None:
    code = (
        "import sys, coding.engine\n"
        "from coding.engine import facts_from_dict, propose\n"
        "propose(facts_from_dict({'id': 'x', 'patient_status': 'new', 'clinician': 'MD',"
        " 'payer': 'medicare', 'em': {'minutes': 30, 'mdm': None}}))\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_ROOT)},
    )
    assert out.stdout.strip() == ""
