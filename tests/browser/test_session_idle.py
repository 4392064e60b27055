"""One minute before the idle limit the page warns, and "Stay signed in" keeps the session.

Issue 8, item 2: the session ended without notice while a visit was being documented.
The page counts down from its last request to the server (any request resets it: page
loads, htmx, the draft's autosave); the browser clock is Playwright's (``page.clock``).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible
from tests.factories import ClinicianFactory, PatientFactory

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def practice(transactional_db):
    clinician = ClinicianFactory(credential="MD", user__username="dr.idle")
    patient = PatientFactory(first_name="Noor", last_name="Haddad", mrn="MRN868687")
    patient.clinicians.add(clinician)
    PatientFactory(last_name="Quinn", mrn="MRN868688").clinicians.add(clinician)
    return clinician, patient


def _at(minute: int) -> datetime.datetime:
    """8:MM yesterday, on the page's clock."""
    day = timezone.localdate() - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, minute)))


def _log_in(page: Page) -> None:
    assert_accessible(page)
    page.get_by_label("Username").fill("dr.idle")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_idle_warning_a_minute_before_the_limit_and_stay_signed_in_keeps_the_session(
    page: Page, live_server, practice, settings
):
    settings.SESSION_COOKIE_AGE = 5 * 60
    ARTIFACTS.mkdir(exist_ok=True)
    page.clock.install(time=_at(0))
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    _log_in(page)
    expect(page).to_have_url(re.compile(r"/encounters/$"))
    page.clock.pause_at(_at(1))
    warning = page.get_by_test_id("session-warning")
    expect(page.locator("body")).to_have_attribute("data-session-idle-seconds", "300")
    assert_accessible(page)

    # Any request resets the countdown: a search on the patient list (htmx) at 3 minutes.
    page.get_by_role("link", name="Patients").click()
    expect(page.get_by_test_id("patient-link")).to_have_count(2)
    assert_accessible(page)
    page.clock.pause_at(_at(4))
    page.get_by_test_id("patient-search").fill("Hadd")
    page.clock.run_for(400)
    expect(page.get_by_test_id("patient-link")).to_have_count(1)  # the answer has arrived
    page.clock.fast_forward("03:00")  # 3 minutes after the search: still 2 to go
    expect(warning).to_have_count(0)

    page.clock.fast_forward("01:05")  # less than a minute left
    expect(warning).to_contain_text("You will be signed out in 1 minute for inactivity")
    assert_accessible(page, step="the idle warning")
    page.screenshot(path=str(ARTIFACTS / "session_idle_warning.png"), full_page=True)
    session = Session.objects.get()
    before = session.expire_date

    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_have_count(0)
    session.refresh_from_db()
    assert session.expire_date > before

    page.clock.fast_forward("03:30")  # past the old limit: still signed in
    expect(warning).to_have_count(0)
    expect(page.get_by_test_id("session-signed-out")).to_have_count(0)

    page.clock.fast_forward("02:00")  # past the new limit
    signed_out = page.get_by_test_id("session-signed-out")
    expect(signed_out).to_contain_text("You were signed out")
    link = signed_out.get_by_role("link", name="Sign in again")
    expect(link).to_have_attribute("href", re.compile(r"^/login/\?next=%2Fencounters%2Fpatients"))
    assert_accessible(page, step="signed out for inactivity")
