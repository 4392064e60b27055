"""One home per rule: outside ``coding/engine`` no module restates a CPT code list or a minute band.

Two copies of a rule drift apart, and a biller and a prescriber then see different answers.
The scrubber, the claim builder and the chart audit ask the engine instead
(``coding.engine.claim_lines``). This test reads the source of our apps (accounts,
encounters, coding outside the engine, payers, claims, audits, config; tests are not
scanned) and fails on any of:

- a string literal that is nothing but CPT/HCPCS codes ("90834", "90791, 90792");
- a table of minutes: a monotonic run of numbers, at least half of them (two or more)
  thresholds of one of the engine's minute tables (PT-1, EM-3, EM-6, CR-1); a comparison of
  minutes with a number; a literal table of numbers named for minutes, bands or thresholds;
- a table built from the engine's code sets: two of them combined with ``| & - ^``, or
  two or more in one tuple, list, set, dict or comprehension (the old ``EXCLUSIVE_PAIRS``).

``ALLOWED`` names each exception, the literal as the scan shows it, and why. A whole file
may be allowed only when it is frozen history (a migration).
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coding.engine.rules.cr_crisis import CRISIS_ADDON_FIRST, CRISIS_ADDON_STEP, CRISIS_MINIMUM
from coding.engine.rules.em_level import EM_TIME_THRESHOLDS, PROLONGED_FIRST_UNIT
from coding.engine.rules.pt_psychotherapy import PT_1_BANDS

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("accounts", "encounters", "coding", "payers", "claims", "audits", "config")
ENGINE = ("coding", "engine")

CODE = r"(?:9\d{4}|[A-Z]\d{4})"
CODE_PATTERN = re.compile(CODE)
CODES_ONLY = re.compile(rf"\s*{CODE}(?:[\s,;/|+]+{CODE})*\s*")
MINUTE_NAME = re.compile(r"minute|band|threshold", re.IGNORECASE)

# The engine's own minute tables: a literal holding two thresholds of one restates it.
MINUTE_TABLES: Mapping[str, frozenset[int]] = {
    "PT-1": frozenset(first for first, _alone, _addon in PT_1_BANDS),
    "EM-3 new": frozenset(EM_TIME_THRESHOLDS["new"]),
    "EM-3 established": frozenset(EM_TIME_THRESHOLDS["established"]),
    "EM-6": frozenset(m for by_status in PROLONGED_FIRST_UNIT.values() for m in by_status.values()),
    "CR-1": frozenset({CRISIS_MINIMUM, CRISIS_ADDON_FIRST, CRISIS_ADDON_FIRST + CRISIS_ADDON_STEP}),
}

EVERY_LITERAL = "*"


@dataclass(frozen=True)
class Allowed:
    """An exception: a file, the literal as the scan shows it (or EVERY_LITERAL), and why."""

    path: str
    literal: str
    why: str


SEED_DEMO = "audits/management/commands/seed_demo.py"
DEMO_OVERCODING = (
    "demo data: NEXT_EM_LEVEL bills one E/M level above the proposal on a few demo visits, "
    "so the demo queue has claims the scrubber flags; it decides no claim of a real visit"
)
ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "claims/demo_payer.py",
        "[20, 25, 30]",
        "demo payer: the copays (dollars) its patients owe, not minutes",
    ),
    *(
        Allowed(SEED_DEMO, code, DEMO_OVERCODING)
        for code in ("99202", "99203", "99204", "99205", "99212", "99213", "99214", "99215")
    ),
    Allowed(
        SEED_DEMO,
        "(30, 45, 53, 55, 60)",
        "demo data: the psychotherapy lengths demo visits are drawn from; the engine codes them",
    ),
    Allowed(
        "payers/migrations/0002_default_profiles.py",
        EVERY_LITERAL,
        "migration (frozen history): the default payer rows with the prolonged code each "
        "takes, from coding/engine/data/payer_profiles.json at the time",
    ),
    Allowed(
        "payers/migrations/0004_default_fee_schedules.py",
        EVERY_LITERAL,
        "migration (frozen history): fee schedule seed data, one practice charge per code",
    ),
    Allowed(
        "payers/migrations/0011_default_drug_table.py",
        EVERY_LITERAL,
        "migration (frozen history): the shipped drug table at the time, the first rows of the "
        "practice's own (coding/engine/data/drugs.json)",
    ),
    Allowed(
        "payers/migrations/0012_engine_2_default_fees.py",
        EVERY_LITERAL,
        "migration (frozen history): fee schedule seed data of engine 2's codes, per unit",
    ),
)


@dataclass(frozen=True, order=True)
class Hit:
    path: str
    line: int
    kind: str
    literal: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.literal}"


# ----------------------------------------------------------------------------- the engine's names
def _is_code(value: object) -> bool:
    return isinstance(value, str) and CODE_PATTERN.fullmatch(value) is not None


def _is_code_valued(value: object) -> bool:
    """A code, a collection of codes, or a mapping keyed by codes or holding code lists."""
    if _is_code(value):
        return True
    if isinstance(value, frozenset | set | tuple | list):
        return bool(value) and all(_is_code(v) for v in value)
    if isinstance(value, Mapping) and value:
        return all(_is_code(k) for k in value) or all(_is_code_valued(v) for v in value.values())
    return False


def _engine_names(tree: ast.AST) -> dict[str, Any]:
    """Local name -> object, for each name a module imports from ``coding.engine``."""
    names: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coding.engine"):
            module = importlib.import_module(node.module or "")
            for alias in node.names:
                if hasattr(module, alias.name):
                    names[alias.asname or alias.name] = getattr(module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("coding.engine") and alias.asname:
                    names[alias.asname] = importlib.import_module(alias.name)
    return names


def _resolve(node: ast.AST, names: Mapping[str, Any]) -> object:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, names)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def _engine_codes(node: ast.AST, names: Mapping[str, Any]) -> bool:
    """The expression is one of the engine's code sets, or a combination of them."""
    if isinstance(node, ast.BinOp):
        return _engine_codes(node.left, names) and _engine_codes(node.right, names)
    return _is_code_valued(_resolve(node, names))


# ----------------------------------------------------------------------------- the scan
def _int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _minute_run(group: list[ast.expr]) -> bool:
    """Numbers only, monotonic, at least half of them (two or more) thresholds of one of the
    engine's minute tables."""
    values = [i for p in group if (i := _int(p)) is not None]
    if len(values) < 2 or len(values) != len(group):
        return False
    pairs = list(zip(values, values[1:], strict=False))
    monotonic = all(a < b for a, b in pairs) or all(a > b for a, b in pairs)
    return monotonic and any(
        len(set(values) & table) >= 2 and 2 * sum(v in table for v in values) >= len(values)
        for table in MINUTE_TABLES.values()
    )


def _hits(tree: ast.AST) -> Iterator[tuple[int, str, str]]:
    names = _engine_names(tree)
    combining = (ast.BitOr, ast.BitAnd, ast.Sub, ast.BitXor)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if CODES_ONLY.fullmatch(node.value):
                yield line, "CPT/HCPCS code literal", node.value
        elif isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            if isinstance(node, ast.Dict):
                groups = [[k for k in node.keys if k is not None], node.values]
            else:
                groups = [node.elts]
            if any(_minute_run(group) for group in groups):
                yield line, "minute band", ast.unparse(node)
            if sum(_engine_codes(p, names) for group in groups for p in group) >= 2:
                yield line, "table of the engine's code sets", ast.unparse(node)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, combining):
            if _engine_codes(node.left, names) and _engine_codes(node.right, names):
                yield line, "combination of the engine's code sets", ast.unparse(node)
        elif isinstance(node, ast.DictComp | ast.SetComp | ast.ListComp | ast.GeneratorExp):
            inner = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            inner += [g.iter for g in node.generators]
            if sum(_engine_codes(p, names) for p in inner) >= 2:
                yield line, "table of the engine's code sets", ast.unparse(node)
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            about_minutes = any(MINUTE_NAME.search(ast.unparse(o)) for o in operands)
            if about_minutes and any((_int(o) or 0) > 0 for o in operands):
                yield line, "minute threshold", ast.unparse(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = any(MINUTE_NAME.search(ast.unparse(t)) for t in targets)
            table = isinstance(node.value, ast.Tuple | ast.List | ast.Set | ast.Dict)
            numbers = [i for n in ast.walk(node.value) if (i := _int(n)) is not None]
            if named and table and len([i for i in numbers if i > 1]) >= 2:
                yield line, "minute table", ast.unparse(node)


def scan_source(path: str, source: str) -> list[Hit]:
    """Every restated code list or minute band in one module's source."""
    tree = ast.parse(source)
    return sorted({Hit(path, line, kind, literal) for line, kind, literal in _hits(tree)})


def scan(root: Path) -> list[Hit]:
    """Every hit in the scanned apps under ``root``, the engine left out."""
    hits: list[Hit] = []
    for app in SCANNED:
        for file in sorted((root / app).rglob("*.py")):
            relative = file.relative_to(root)
            if relative.parts[:2] == ENGINE:
                continue
            hits += scan_source(relative.as_posix(), file.read_text("utf-8"))
    return hits


def _allowed_by(hit: Hit) -> Allowed | None:
    return next(
        (a for a in ALLOWED if a.path == hit.path and a.literal in (EVERY_LITERAL, hit.literal)),
        None,
    )


# ----------------------------------------------------------------------------- the tests
def test_no_module_outside_the_engine_restates_a_code_list_or_a_minute_band() -> None:
    offenders = [str(hit) for hit in scan(ROOT) if _allowed_by(hit) is None]
    assert not offenders, (
        "A rule restated outside coding/engine (ask coding.engine.claim_lines or the rule "
        "family instead, or add an ALLOWED entry saying why):\n" + "\n".join(offenders)
    )


def test_every_allowed_exception_says_why_and_is_still_needed() -> None:
    hits = scan(ROOT)
    for allowed in ALLOWED:
        assert len(allowed.why) > 20, allowed
        assert allowed.literal != EVERY_LITERAL or "/migrations/" in allowed.path, allowed
        assert any(_allowed_by(hit) == allowed for hit in hits), f"stale exception: {allowed}"


def test_the_scan_finds_each_kind_of_restated_rule() -> None:
    source = (
        "from coding.engine.codes import EM_CODES, PSYCHOTHERAPY_ADDON, CRISIS_CODES\n"
        'PT_BAND = {"90832": 1, "90834": 2}\n'
        'PAIRS = ((frozenset({"90791"}), EM_CODES | PSYCHOTHERAPY_ADDON, "DX-2"),)\n'
        "PRIMARIES = {code: EM_CODES for code in PSYCHOTHERAPY_ADDON}\n"
        "EXCLUDED = (EM_CODES, CRISIS_CODES)\n"
        "BANDS = (16, 38, 53)\n"
        'PT_MINUTES = {"individual": (20, 45)}\n'
        "def f(e):\n"
        "    return e.pt_minutes >= 16\n"
    )
    kinds = {hit.kind for hit in scan_source("example.py", source)}
    assert kinds == {
        "CPT/HCPCS code literal",
        "combination of the engine's code sets",
        "table of the engine's code sets",
        "minute band",
        "minute threshold",
        "minute table",
    }


def test_the_scan_leaves_label_text_and_queries_of_the_engine_alone() -> None:
    source = (
        "from coding.engine.codes import EM_CODES\n"
        'HELP = "E.g. 99213 + 90833; empty when the billed codes are supported."\n'
        'WHY = "90863 is never billed alone"\n'
        "def f(billed, e):\n"
        "    widths = [38, 38, 38]\n"
        "    return billed & EM_CODES, e.em_minutes == 0, widths\n"
    )
    assert scan_source("example.py", source) == []
