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


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, text: el.textContent.trim(),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def test_the_skip_link_comes_first_and_every_stop_shows_a_focus_outline(
    page: Page, live_server, transactional_db
):
    page.goto(f"{live_server.url}/no-such-page/")  # the 404, in the layout, no autofocus
    assert_accessible(page)
    skip = page.get_by_test_id("skip-link")
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 0  # out of sight until focused

    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["text"] == "Skip to main content", focused
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0  # shown once it has focus
    assert focused["outline"] == "solid"
    assert focused["width"] >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"

    # The login page starts on Username; every stop after it shows a solid outline.
    page.goto(f"{live_server.url}/login/")
    assert_accessible(page)
    stops = [page.evaluate(FOCUSED)]
    for _ in range(3):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
    assert [stop["id"] or stop["text"] for stop in stops] == [
        "id_username",
        "id_password",
        "Log in",
        "Forgotten your password?",
    ]
    assert all(stop["outline"] == "solid" and stop["width"] >= 2 for stop in stops), stops
