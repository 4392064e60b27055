"""Every page of each role's navigation, the account pages and the error pages pass axe-core.

The journeys check the pages of their stories; this sweep adds the ones no story visits
(lists, the access log, the users, password and two-step pages, the 403, 404 and lockout).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, log_in
from tests.claims.helpers import signed_claim
from tests.factories import ClinicianFactory, UserFactory
from tests.payers.helpers import default_fee_schedules
from tests.sqlite_locks import release_signed_locks

pytestmark = pytest.mark.browser

HOMES = {
    "Prescriber": r"/encounters/$",
    "Biller": r"/billing/$",
    "Compliance": r"/audits/$",
    "Practice admin": r"/encounters/patients/$",
}


@pytest.fixture
def practice(transactional_db):
    """One user per role and two signed visits, so the lists have rows to show."""
    default_fee_schedules()
    doctor = ClinicianFactory(credential="MD", user__username="sweep.prescriber")
    for days_ago in (3, 5):
        signed_claim(clinician=doctor, days_ago=days_ago)
    UserFactory(username="sweep.biller", role="Biller")
    UserFactory(username="sweep.compliance", role="Compliance")
    UserFactory(username="sweep.admin", role="Practice admin")
    yield
    release_signed_locks()


def _nav_addresses(page: Page) -> list[str]:
    return page.locator("nav .nav-link").evaluate_all("(links) => links.map((a) => a.href)")


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("sweep.prescriber", "Prescriber"),
        ("sweep.biller", "Biller"),
        ("sweep.compliance", "Compliance"),
        ("sweep.admin", "Practice admin"),
    ],
)
def test_every_page_of_the_roles_navigation_and_account_pages(
    page: Page, live_server, practice, username, role
):
    log_in(page, live_server.url, username, lands_on=HOMES[role])
    addresses = _nav_addresses(page)
    assert addresses, "the role has a navigation"
    for address in addresses:
        page.goto(address)
        expect(page.locator("main")).to_be_visible()
        assert_accessible(page)
        # The first row of a list leads to a detail page: check that one too.
        first_row = page.locator("main table tbody tr a[href]").first
        if first_row.count():
            first_row.click()
            page.wait_for_load_state("load")
            assert_accessible(page, step=f"the first row of {address}")
    for account_page in ("/password/", "/two-step/"):
        page.goto(f"{live_server.url}{account_page}")
        assert_accessible(page)
    page.goto(f"{live_server.url}/no-such-page/")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert_accessible(page)


def test_the_403_page(page: Page, live_server, practice):
    log_in(page, live_server.url, "sweep.biller", lands_on=HOMES["Biller"])
    response = page.goto(f"{live_server.url}/audits/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    assert_accessible(page)


def test_the_lockout_page(page: Page, live_server, practice, settings):
    page.goto(f"{live_server.url}/login/")
    assert_accessible(page)
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        page.get_by_label("Username").fill("sweep.biller")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
        if attempt < settings.AXES_FAILURE_LIMIT:
            expect(page.get_by_label("Password")).to_be_visible()
            assert_accessible(page, step="the login form after a wrong password")
    expect(page.get_by_test_id("locked-out")).to_be_visible()
    assert_accessible(page)
