"""Steps several browser journeys share: signing in, filling a medication review row, and
checking each page with axe-core (WCAG 2.2 AA)."""

from __future__ import annotations

import re
import weakref
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

PASSWORD = "correct-horse-battery"


def log_in(page: Page, live_url: str, username: str, *, lands_on: str = r"/encounters/$") -> None:
    """Sign in through the login page and wait for the role's home page; axe checks both."""
    page.goto(f"{live_url}/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(lands_on))
    assert_accessible(page)


def fill_medication_row(
    page: Page,
    row: int = 0,
    *,
    name: str = "Sertraline",
    dose: str = "100 mg",
    change: str = "increased",
    reason: str = "Partial response at 50 mg",
) -> None:
    """One medication review row: the drug, how it is taken, its effect and the decision."""
    prefix = f"#id_medications-{row}-"
    page.locator(prefix + "name").fill(name)
    page.locator(prefix + "dose").fill(dose)
    page.locator(prefix + "frequency").fill("daily")
    page.locator(prefix + "adherence").select_option("full")
    page.locator(prefix + "effect").select_option("partial")
    page.locator(prefix + "change").select_option(change)
    page.locator(prefix + "change_reason").fill(reason)


# --- Accessibility: axe-core on every page (issue 13) -------------------------------------

AXE_FILE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
# Served to the page by Playwright at this address of the page's own origin, so the app's
# Content-Security-Policy (script-src 'self') lets it run; the app never serves it.
AXE_PATH = "/__axe-core__/axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA: the practice's target (WCAG 2.2 AA).
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})

# axe waits on timers; under a paused Playwright clock (page.clock) it would wait forever, so
# it runs on the browser's own timers, which the clock keeps in window.__pwClock.builtins.
_RUN_AXE = """async (tags) => {
  const clock = window.__pwClock && window.__pwClock.builtins;
  const timers = ["setTimeout", "clearTimeout", "setInterval", "clearInterval",
    "requestAnimationFrame", "cancelAnimationFrame", "requestIdleCallback", "cancelIdleCallback"];
  const faked = {};
  if (clock) {
    for (const name of timers) {
      if (clock[name]) { faked[name] = window[name]; window[name] = clock[name]; }
    }
  }
  let results;
  try {
    results = await window.axe.run(document, {
      runOnly: {type: "tag", values: tags},
      resultTypes: ["violations"],
    });
  } finally {
    Object.assign(window, faked);
  }
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""


class AccessibilityViolations(AssertionError):
    """axe-core found serious or critical WCAG 2.2 AA violations on a page."""


_ROUTED: weakref.WeakKeyDictionary[Page, set[str]] = weakref.WeakKeyDictionary()


def _serve_axe(route: Route) -> None:
    route.fulfill(path=AXE_FILE, content_type="text/javascript")


def _inject_axe(page: Page) -> None:
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    origin = page.evaluate("() => window.location.origin")
    routed = _ROUTED.setdefault(page, set())
    if origin not in routed:
        page.route(f"{origin}{AXE_PATH}", _serve_axe)
        routed.add(origin)
    page.add_script_tag(url=f"{origin}{AXE_PATH}")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The page's serious and critical violations of WCAG 2.2 AA, as axe-core reports them."""
    _inject_axe(page)
    found: list[dict[str, Any]] = page.evaluate(_RUN_AXE, list(AXE_TAGS))
    return [v for v in found if v["impact"] in BLOCKING_IMPACTS]


def describe_violations(where: str, violations: list[dict[str, Any]]) -> str:
    """One readable block per violation: rule, impact, what to do, and each element."""
    lines = [f"{len(violations)} serious/critical accessibility violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    at {node['target']}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, *, step: str = "") -> None:
    """Fail when axe-core finds a serious or critical WCAG 2.2 AA violation on the page now.

    Call it once the page a step leads to has arrived (after its ``expect``), and again
    after a change without a navigation that shows new parts (an htmx swap, a suggestion
    list). ``axe_watch`` fails a test that loaded a page and never checked it.
    """
    _CHECKED.setdefault(page, set()).add(_address(page.url))
    violations = axe_violations(page)
    if violations:
        where = f"{page.url} ({step})" if step else page.url
        raise AccessibilityViolations(describe_violations(where, violations))


_CHECKED: weakref.WeakKeyDictionary[Page, set[str]] = weakref.WeakKeyDictionary()


def _address(url: str) -> str:
    """A page's address without its #fragment: the unit "every page" counts."""
    return url.partition("#")[0]


class AxeWatch:
    """Keeps a test honest: every page its Playwright page loads must be checked by axe.

    The load events only record the address (no call back into the page, so nothing races
    the test's own steps); :meth:`finish` checks the page left open and then fails on any
    loaded page that no :func:`assert_accessible` call checked.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.loaded: list[str] = []
        page.on("load", self._on_load)

    def _on_load(self, loaded: Page) -> None:
        address = _address(loaded.url)
        if address.startswith(("http://", "https://")) and address not in self.loaded:
            self.loaded.append(address)

    @property
    def checked(self) -> set[str]:
        return _CHECKED.get(self.page, set())

    def unchecked(self) -> list[str]:
        return [address for address in self.loaded if address not in self.checked]

    def finish(self) -> None:
        """Check the page left open, then fail on every loaded page left unchecked."""
        if not self.page.is_closed():
            assert_accessible(self.page, step="the page the test ended on")
        missing = self.unchecked()
        if missing:
            raise AccessibilityViolations(
                "Pages loaded but never checked with assert_accessible(page): " + ", ".join(missing)
            )
