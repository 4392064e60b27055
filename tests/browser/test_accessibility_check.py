"""The axe-core check the journeys rely on fails when a page breaks WCAG 2.2 AA (issue 13).

These tests open their own pages (``browser.new_page()``), so the ``axe_watch`` net of
tests/browser/conftest.py does not check the pages they break on purpose.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.helpers import AccessibilityViolations, AxeWatch, assert_accessible

pytestmark = pytest.mark.browser

IMAGE_WITHOUT_ALT = """() => {
  const img = document.createElement("img");
  img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
  document.querySelector("main").prepend(img);
}"""


@pytest.fixture
def own_page(browser: Browser):
    page = browser.new_page()
    yield page
    page.close()


def test_the_login_page_passes_and_an_image_without_alt_text_fails(
    own_page: Page, live_server, transactional_db
):
    own_page.goto(f"{live_server.url}/login/")
    assert_accessible(own_page)  # the app's page, under its Content-Security-Policy

    own_page.evaluate(IMAGE_WITHOUT_ALT)
    with pytest.raises(AccessibilityViolations) as failure:
        assert_accessible(own_page, step="an image without alt text")

    message = str(failure.value)
    assert "1 serious/critical accessibility violation(s)" in message
    assert "/login/ (an image without alt text)" in message
    assert "image-alt (critical)" in message
    assert "at img:" in message


def test_low_contrast_text_fails(own_page: Page, live_server, transactional_db):
    own_page.goto(f"{live_server.url}/login/")
    own_page.evaluate(
        """() => { const p = document.createElement("p");
        p.textContent = "Pale text"; p.style.color = "#bbbbbb";
        document.querySelector("main").append(p); }"""
    )
    with pytest.raises(AccessibilityViolations, match=r"color-contrast \(serious\)"):
        assert_accessible(own_page)


def test_the_watch_fails_a_test_that_loaded_a_page_it_never_checked(
    own_page: Page, live_server, transactional_db
):
    watch = AxeWatch(own_page)
    own_page.goto(f"{live_server.url}/login/?next=/billing/")  # never checked
    own_page.goto(f"{live_server.url}/login/")

    assert watch.unchecked() == [
        f"{live_server.url}/login/?next=/billing/",
        f"{live_server.url}/login/",
    ]
    with pytest.raises(AccessibilityViolations, match=r"never checked.*/login/\?next=/billing/$"):
        watch.finish()  # checks the page it ends on (/login/), not the one before
    assert watch.unchecked() == [f"{live_server.url}/login/?next=/billing/"]
