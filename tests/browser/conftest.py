"""Every browser test's pages are checked with axe-core (WCAG 2.2 AA, issue 13)."""

from __future__ import annotations

import pytest

from tests.browser.helpers import AxeWatch


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture(autouse=True)
def axe_watch(request):
    """Check the page each test ends on, and fail a test that loaded a page it never checked.

    Each step calls ``assert_accessible(page)`` once its page has arrived; this fixture
    is the net under them. Tests that open their own pages (``browser.new_context()``)
    call ``assert_accessible`` on them directly.
    """
    if "page" not in request.fixturenames:
        yield None
        return
    watch = AxeWatch(request.getfixturevalue("page"))
    yield watch
    if not getattr(request.node, "call_failed", False):  # one failure at a time
        watch.finish()
