"""House rules that a review would otherwise repeat, checked on every run."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "encounters", "coding", "payers", "claims", "audits")


def test_views_reach_models_through_selectors_and_services_only():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for app in APPS
        for path in (ROOT / app).glob("views*.py")
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if ".objects." in line
    ]
    assert not offenders, f"ORM in views (use a selector or service): {offenders}"


# QuerySet methods that, called on ``obj.relation``, run a query through a related manager.
RELATED_MANAGER_QUERIES = frozenset(
    {
        "all", "filter", "exclude", "annotate", "aggregate", "select_related",
        "prefetch_related", "values_list", "order_by", "exists", "count", "create",
        "get_or_create", "update_or_create", "first", "last", "latest", "earliest",
        "in_bulk", "iterator", "delete",
    }
)  # fmt: skip


def _related_manager_queries(source: str) -> list[int]:
    """Lines calling a QuerySet method on ``something.relation`` (``patient.coverages.all()``)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in RELATED_MANAGER_QUERIES
        and isinstance(node.func.value, ast.Attribute)
    ]


def test_views_run_no_query_through_a_related_manager():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for app in APPS
        for path in (ROOT / app).glob("views*.py")
        for n in _related_manager_queries(path.read_text())
    ]
    assert not offenders, f"related-manager queries in views (use a selector): {offenders}"


def test_the_related_manager_check_sees_what_it_looks_for():
    assert _related_manager_queries("x = patient.coverages.all()\ny = a.b.filter(c=1)") == [1, 2]
    assert _related_manager_queries("request.POST.get('a')\nform.errors.values()") == []


def test_templates_load_no_inline_script_and_nothing_from_a_cdn():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    remote = re.compile(r"""(src|href)=["']https?://""", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if inline.search(path.read_text()) or remote.search(path.read_text())
    ]
    assert not offenders, f"inline scripts are blocked by the CSP; vendor assets: {offenders}"


def test_the_vendored_assets_are_present():
    assert (ROOT / "static/vendor/bootstrap/bootstrap.min.css").stat().st_size > 100_000
    assert (ROOT / "static/vendor/bootstrap/bootstrap.bundle.min.js").stat().st_size > 50_000


def test_make_type_checks_every_package_of_the_project():
    """mypy runs over the packages import-linter knows, from the one TYPED_APPS list."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = set(pyproject["tool"]["importlinter"]["root_packages"])
    makefile = (ROOT / "Makefile").read_text()
    typed = re.search(r"^TYPED_APPS := (.+)$", makefile, re.MULTILINE)
    assert typed is not None, "the Makefile names the type-checked apps in TYPED_APPS"
    assert packages - set(typed.group(1).split()) == set()
    runs = re.findall(r"/mypy\b(.*)$", makefile, re.MULTILINE)
    assert runs, "make runs mypy"
    assert {run.strip() for run in runs} == {"$(TYPED_APPS)"}
