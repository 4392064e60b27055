"""Accessibility (WCAG 2.2 AA, issue 13) outside the browser: the error and lockout pages
use the app's layout, and the colours in static/css/app.css meet the contrast minimums.

The browser journeys check every page they visit with axe-core (tests/browser/helpers.py);
these tests cover the pages no journey reaches and pin the colour choices themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
APP_CSS = (ROOT / "static" / "css" / "app.css").read_text("utf-8")
PASSWORD = "correct-horse-battery"
WHITE = "#ffffff"


# --- The layout on the 403, the 404 and the lockout page ---------------------------------


def _assert_app_layout(page: str) -> None:
    assert '<html lang="en">' in page
    assert 'class="skip-link" href="#main-content"' in page
    assert '<main id="main-content"' in page
    assert 'class="navbar navbar-expand navbar-dark app-nav mb-3" aria-label="Main"' in page
    assert re.search(r'<link rel="icon" href="/static/favicon[^"]*\.svg"', page)
    assert re.search(r'<link rel="stylesheet" href="/static/css/app[^"]*\.css"', page)


@pytest.mark.django_db
def test_the_403_page_uses_the_layout_with_the_users_navigation(client_for, prescriber):
    response = client_for(prescriber).get(reverse("claims:claim-queue"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Not allowed" in page
    _assert_app_layout(page)
    assert "My encounters" in page  # the signed-in prescriber's own navigation


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [True, False])
def test_the_404_page_uses_the_layout(client_for, prescriber, signed_in):
    client = client_for(prescriber) if signed_in else Client()
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Not found" in page
    _assert_app_layout(page)


@pytest.mark.django_db
def test_the_lockout_page_uses_the_layout(settings):
    user = UserFactory(role="Biller")
    client = Client()
    login = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": user.username, "password": "wrong"})
    response = client.post(login, {"username": user.username, "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in page
    _assert_app_layout(page)


@pytest.mark.django_db
def test_a_refused_form_token_shows_the_layout_not_djangos_bare_page(prescriber):
    client = Client(enforce_csrf_checks=True)
    client.force_login(prescriber)
    response = client.post(reverse("accounts:logout"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "This form has expired" in page
    _assert_app_layout(page)
    assert "CSRF verification failed" not in page


# --- Contrast, computed from the CSS ------------------------------------------------------


def _luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _rule(selector: str) -> dict[str, str]:
    """The declarations of the first rule in app.css whose selector list is ``selector``."""
    match = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", APP_CSS)
    assert match, f"no rule {selector!r} in static/css/app.css"
    declarations = (d.split(":", 1) for d in match.group(1).split(";") if ":" in d)
    return {name.strip(): value.strip() for name, value in declarations}


def test_the_contrast_formula_matches_the_figures_in_the_issue():
    # Bootstrap's navbar-dark link: 55% white over #0d6efd, composited to #92befe.
    assert round(contrast("#92befe", "#0d6efd"), 2) == 2.36
    assert round(contrast("#dee2e6", WHITE), 2) == 1.30  # Bootstrap's control border


def test_navigation_text_is_at_least_4_5_to_1_on_the_bar():
    nav = _rule(".app-nav")
    background = nav["--app-nav-bg"]
    for name in (
        "--bs-navbar-color",
        "--bs-navbar-hover-color",
        "--bs-navbar-active-color",
        "--bs-navbar-brand-color",
        "--bs-navbar-brand-hover-color",
    ):
        assert contrast(nav[name], background) >= 4.5, name
    assert contrast(_rule(".app-nav .navbar-text")["color"], background) >= 4.5
    # The bar's outline buttons are Bootstrap's light (#f8f9fa) on the same blue.
    assert contrast("#f8f9fa", background) >= 4.5


def test_checkbox_radio_and_field_borders_are_at_least_3_to_1_on_white():
    border = _rule(".form-check-input, .form-control, .form-select")["border-color"]
    assert contrast(border, WHITE) >= 3


def test_the_focus_outline_stands_out_on_the_page_and_on_the_bar():
    on_page = _rule(":root")["--app-focus"]
    nav = _rule(".app-nav")
    assert contrast(on_page, WHITE) >= 3
    assert contrast(nav["--app-focus"], nav["--app-nav-bg"]) >= 3


def test_links_are_at_least_4_5_to_1_on_white_and_on_every_alert():
    root = _rule(":root")
    assert root["--bs-link-color-rgb"] == ", ".join(
        str(int(root["--bs-link-color"][i : i + 2], 16)) for i in (1, 3, 5)
    )
    # Bootstrap 5.3's lightest alert backgrounds: info, warning, success, danger, light.
    for background in (WHITE, "#cff4fc", "#fff3cd", "#d1e7dd", "#f8d7da", "#fcfcfd"):
        for name in ("--bs-link-color", "--bs-link-hover-color"):
            assert contrast(root[name], background) >= 4.5, (name, background)


def test_the_skip_link_is_readable_when_shown():
    skip = _rule(".skip-link")
    assert contrast(skip["color"], skip["background"]) >= 4.5
