"""The rule ids of docs/coding-rules.md are the registered ones; the engine imports no Django."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

from coding.engine import RULES

REPO_ROOT = Path(__file__).resolve().parents[3]
RULE_BOOK = REPO_ROOT / "docs" / "coding-rules.md"
# The rules the engine does not apply yet are only named, under this heading, at the end.
NOT_YET = "## Not yet implemented (engine 2)"
# A rule is a bullet that opens with its bold id: "- **PT-1** ..." or "- **PY** ...".
RULE_BULLET = re.compile(r"^- \*\*([A-Z]{2,3}(?:-\d+)?)\*\*", flags=re.MULTILINE)
MENTION = re.compile(r"\b([A-Z]{2}-\d+)\b")


def _rule_book() -> tuple[str, str]:
    """The rule book's rules, and its closing section of rules not yet implemented."""
    text = RULE_BOOK.read_text("utf-8")
    rules, _, not_yet = text.partition(NOT_YET)
    return rules, not_yet


def _rule_book_ids() -> set[str]:
    rules, not_yet = _rule_book()
    assert not RULE_BULLET.search(not_yet), "rules not yet implemented are named, not stated"
    return set(RULE_BULLET.findall(rules))


def test_rule_book_is_present() -> None:
    assert RULE_BOOK.is_file(), f"missing {RULE_BOOK}"


def test_every_rule_book_id_is_registered() -> None:
    ids = _rule_book_ids()
    assert {"PT-1", "CB-8", "TH-4", "DG-3", "AU-3", "PY"} <= ids
    assert ids - set(RULES) == set()


def test_no_registered_id_missing_from_rule_book() -> None:
    assert set(RULES) - _rule_book_ids() == set()


def test_rule_book_cites_only_its_own_rules() -> None:
    rules, _ = _rule_book()
    assert set(MENTION.findall(rules)) - _rule_book_ids() == set()


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


def test_every_engine_rule_has_a_test_named_for_it() -> None:
    """`test_<id>_...` somewhere under tests/ (PY-style ids without a number: `test_py_`)."""
    sources = "\n".join(
        path.read_text("utf-8") for path in (REPO_ROOT / "tests").rglob("test_*.py")
    )
    for rule_id, spec in RULES.items():
        if spec.function is None:
            continue
        name = "def test_" + rule_id.lower().replace("-", "_") + "_"
        assert name in sources, rule_id
