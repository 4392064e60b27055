"""A fresh clone runs on its own: no Python file reads a path outside the repository.

The rule book is docs/coding-rules.md and the example cases are in tests/data/coding-cases;
nothing beside the clone (a ../shared folder, say) may be needed. A plain text search, so
a new offender is named with its line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = frozenset(
    {".venv", ".git", "node_modules", "var", "staticfiles", "artifacts", "__pycache__"}
)

# A string that climbs out of a folder: "../shared", "..\\shared", or ".." given to a join.
PARENT_IN_STRING = re.compile(r"""["']\.\.(?:[/\\]|["'])""")
# The repository root's own parent: REPO_ROOT.parent, BASE_DIR.parent, settings.BASE_DIR.parent.
ROOT_PARENT = re.compile(r"\b\w*(?:ROOT|BASE_DIR)\.parent\b")
# Path(__file__)[.resolve()] followed by .parent / .parents[N] steps.
FILE_CLIMB = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?((?:\.parent\b|\.parents\[\d+\])+)")
STEP = re.compile(r"\.parent\b|\.parents\[(\d+)\]")


def _python_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS]
        found += [Path(folder) / name for name in files if name.endswith(".py")]
    return sorted(path for path in found if path != Path(__file__).resolve())


def _climb(steps: str) -> int:
    """How many folders up `.parent.parents[2]`-style steps go from a file (the file is 1)."""
    return sum(1 if m.group(1) is None else int(m.group(1)) + 1 for m in STEP.finditer(steps))


def _reaches_out(line: str, depth: int) -> bool:
    """Whether a line of a file `depth` folders deep (manage.py: 1) names a path above ROOT."""
    if PARENT_IN_STRING.search(line) or ROOT_PARENT.search(line):
        return True
    return any(_climb(m.group(1)) > depth for m in FILE_CLIMB.finditer(line))


def _offences(path: Path) -> list[str]:
    name = path.relative_to(ROOT)
    return [
        f"{name}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if _reaches_out(line, len(name.parts))
    ]


def test_the_search_sees_the_repository() -> None:
    files = {path.relative_to(ROOT).as_posix() for path in _python_files()}
    assert {"manage.py", "coding/engine/propose.py", "tests/conftest.py"} <= files
    assert not any(name.startswith(".venv/") for name in files)


def test_the_search_catches_a_climb_out_of_the_repository() -> None:
    assert PARENT_IN_STRING.search('EXAMPLES = Path("../shared/coding-cases")')
    assert PARENT_IN_STRING.search('os.path.join(BASE_DIR, "..", "shared")')
    assert ROOT_PARENT.search('REFERENCE = REPO_ROOT.parent / "shared" / "rules.md"')
    (climb,) = FILE_CLIMB.finditer('Path(__file__).resolve().parents[2].parent / "shared"')
    assert _climb(climb.group(1)) == 4  # from tests/coding/x.py (depth 3): above the root
    (inside,) = FILE_CLIMB.finditer("Path(__file__).resolve().parent.parent")
    assert _climb(inside.group(1)) == 2  # from config/settings.py (depth 2): the root
    assert not PARENT_IN_STRING.search("from ..models import Claim")


def test_no_python_file_reads_outside_the_repository() -> None:
    offences = [offence for path in _python_files() for offence in _offences(path)]
    assert not offences, (
        "these lines reach outside the repository, so a fresh clone cannot run them; keep "
        "the file in the repository (rules: docs/coding-rules.md, example cases: "
        "tests/data/coding-cases/) and point at it from the repository root:\n"
        + "\n".join(offences)
    )
