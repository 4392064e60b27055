"""Steps several browser journeys share: signing in and filling a medication review row."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PASSWORD = "correct-horse-battery"


def log_in(page: Page, live_url: str, username: str, *, lands_on: str = r"/encounters/$") -> None:
    """Sign in through the login page and wait for the role's home page."""
    page.goto(f"{live_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(lands_on))


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
