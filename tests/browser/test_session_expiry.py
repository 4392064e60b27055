"""An idle session ends while a visit is being documented, and nothing typed is lost.

Issue 8, item 2: the prescriber starts the timer, writes the note, stays idle past the
session limit and presses Stop. The panel must say "signed out" (not render the login
page), Sign must lead through the login page back to the form with everything typed,
a running timer keeps running, and one minute before the limit the page offers to stay
signed in. The browser clock is Playwright's (``page.clock``), so the timers read exact
times; the server's session is ended by deleting its rows, as its expiry would.
"""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from encounters import services
from encounters.icd import icd_search
from encounters.models import Encounter, EncounterStatus
from tests.browser.helpers import assert_accessible
from tests.factories import ClinicianFactory, CoverageFactory, PatientFactory
from tests.sqlite_locks import release_signed_locks

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct-horse-battery"
COPIES = "Object.keys(localStorage).filter((k) => k.startsWith('encounter-copy:'))"


@pytest.fixture
def practice(transactional_db):
    clinician = ClinicianFactory(
        credential="MD", user__username="dr.idle", user__first_name="Ida", user__last_name="Lee"
    )
    patient = PatientFactory(first_name="Noor", last_name="Haddad", mrn="MRN868686")
    patient.clinicians.add(clinician)
    CoverageFactory(patient=patient, priority=1)
    icd_search("panic")  # load the code set before the page's clock runs
    yield clinician, patient
    release_signed_locks()


def _yesterday_at(hour: int, minute: int) -> datetime.datetime:
    """A practice-time moment of yesterday: its visit times are never later than now."""
    day = timezone.localdate() - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _log_in(page: Page, username: str = "dr.idle") -> None:
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _wait_for_the_form(page: Page) -> None:
    """The form's scripts are running once htmx has filled the panel the first time."""
    expect(page.get_by_test_id("proposal-panel")).to_be_visible()
    assert_accessible(page)


def _medication(page: Page, row: int, name: str, dose: str) -> None:
    page.locator(f"#id_medications-{row}-name").fill(name)
    page.locator(f"#id_medications-{row}-dose").fill(dose)
    page.locator(f"#id_medications-{row}-frequency").fill("daily")
    page.locator(f"#id_medications-{row}-adherence").select_option("full")
    page.locator(f"#id_medications-{row}-effect").select_option("improved")
    page.locator(f"#id_medications-{row}-change").select_option("continued")


def _end_sessions() -> None:
    """What the idle limit does on the server: the session is gone."""
    Session.objects.all().delete()


def test_expired_session_keeps_what_was_typed_through_sign_in_and_signs_once(
    page: Page, live_server, practice, settings
):
    # The visit lasts longer than the idle limit of the default settings; here the
    # server ends the session explicitly, so the page's own countdown stays out of the way.
    settings.SESSION_COOKIE_AGE = 4 * 60 * 60
    _, patient = practice
    ARTIFACTS.mkdir(exist_ok=True)
    new_url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    page.clock.install(time=_yesterday_at(9, 59))
    page.goto(f"{live_server.url}{new_url}")
    _log_in(page)
    _wait_for_the_form(page)
    page.clock.pause_at(_yesterday_at(10, 0))

    page.locator("#id_date_of_service").fill(_yesterday_at(10, 0).date().isoformat())
    page.locator("#id_pt_kind").select_option("individual")
    page.get_by_test_id("pt-timer-start").click()
    expect(page.locator("#id_pt_start")).to_have_value("10:00")
    page.locator("#id_pt_note").fill("Interoceptive exposure.")
    page.clock.run_for(2500)  # a pause in typing: the draft is saved
    expect(page.get_by_test_id("draft-status")).to_contain_text("Saved at")
    encounter = Encounter.objects.get(patient=patient)
    assert encounter.pt_note == "Interoceptive exposure."
    assert encounter.pt_end is None
    edit_url = reverse("encounters:encounter-edit", kwargs={"encounter_id": encounter.pk})
    expect(page).to_have_url(re.compile(re.escape(edit_url) + "$"))

    # Thirty-eight minutes later: more typing, not saved yet, and the session ends.
    page.clock.fast_forward("38:00")
    page.locator("#id_pt_note").fill("Interoceptive exposure. Practised slow breathing.")
    page.locator("#id_diagnosis_1").fill("F41.0")
    page.locator("#id_diagnosis_1").evaluate("e => e.blur()")  # moving on: suggestions stay closed
    _medication(page, 0, "Sertraline", "100 mg")
    page.get_by_test_id("medication-add").click()  # a row the server never saw
    _medication(page, 1, "Hydroxyzine", "25 mg")
    _end_sessions()

    page.get_by_test_id("pt-timer-stop").click()
    expect(page.locator("#id_pt_end")).to_have_value("10:38")
    panel = page.locator("#proposal-panel")
    expect(panel.get_by_test_id("signed-out")).to_contain_text("You are signed out")
    expect(panel.locator("input[type=password]")).to_have_count(0)
    expect(panel.get_by_text("(what you typed is kept in this browser)")).to_be_visible()
    expect(page.get_by_test_id("draft-status")).to_contain_text(
        "Not saved: signed out, sign in again"
    )
    assert_accessible(page, step="signed out, the panel says so")
    page.screenshot(path=str(ARTIFACTS / "session_signed_out.png"), full_page=True)
    encounter.refresh_from_db()
    assert encounter.pt_note == "Interoceptive exposure."  # the rest is only in the browser

    page.get_by_test_id("sign").click()
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    _log_in(page)

    # Back on the draft, with what was typed after the last autosave; the timer stopped
    # when Stop was pressed (while signed out), so its end time is kept, not re-run.
    expect(page).to_have_url(re.compile(re.escape(edit_url) + "$"))
    expect(page.get_by_test_id("draft-restored")).to_contain_text(
        "Restored what you typed at 10:38 that was not saved yet"
    )
    expect(page.locator("#id_pt_note")).to_have_value(
        "Interoceptive exposure. Practised slow breathing."
    )
    expect(page.locator("#id_pt_start")).to_have_value("10:00")
    expect(page.locator("#id_pt_end")).to_have_value("10:38")
    expect(page.get_by_test_id("pt-minutes")).to_have_text("38 min")
    expect(page.locator("#id_diagnosis_1")).to_have_value("F41.0")
    expect(page.locator("#id_medications-0-name")).to_have_value("Sertraline")
    expect(page.locator("#id_medications-1-name")).to_have_value("Hydroxyzine")
    expect(page.locator("#id_medications-1-change")).to_have_value("continued")
    expect(page.get_by_test_id("proposal-code")).to_have_text(["90834"])
    assert_accessible(page, step="restored after signing in again")
    page.screenshot(path=str(ARTIFACTS / "session_restored.png"), full_page=True)

    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("status-badge")).to_have_text("Signed — locked")
    assert_accessible(page)
    signed = Encounter.objects.get(patient=patient)
    assert signed.status == EncounterStatus.SIGNED
    assert signed.pt_note == "Interoceptive exposure. Practised slow breathing."
    assert signed.pt_end == datetime.time(10, 38)
    assert list(signed.medication_reviews.values_list("name", flat=True)) == [
        "Sertraline",
        "Hydroxyzine",
    ]
    assert page.evaluate(COPIES) == []


def test_a_running_timer_keeps_running_after_signing_in_again(
    page: Page, live_server, practice, settings
):
    settings.SESSION_COOKIE_AGE = 4 * 60 * 60
    _, patient = practice
    new_url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    page.clock.install(time=_yesterday_at(13, 59))
    page.goto(f"{live_server.url}{new_url}")
    _log_in(page)
    _wait_for_the_form(page)
    page.clock.pause_at(_yesterday_at(14, 0))
    page.locator("#id_date_of_service").fill(_yesterday_at(14, 0).date().isoformat())
    page.get_by_test_id("em-timer-start").click()
    expect(page.locator("#id_em_start")).to_have_value("14:00")
    page.locator("#id_em_plan").fill("Continue sertraline 100 mg.")
    page.clock.run_for(2500)
    expect(page.get_by_test_id("draft-status")).to_contain_text("Saved at")
    encounter = Encounter.objects.get(patient=patient)

    page.clock.fast_forward("05:00")
    page.locator("#id_em_plan").fill("Continue sertraline 100 mg. Recheck sleep in 4 weeks.")
    _end_sessions()
    page.clock.run_for(500)  # the panel refreshes after a pause in typing
    panel = page.locator("#proposal-panel")
    expect(panel.get_by_test_id("signed-out")).to_be_visible()
    assert_accessible(page, step="signed out, the panel says so")

    panel.get_by_role("link", name="sign in again").click()
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    _log_in(page)
    edit_url = reverse("encounters:encounter-edit", kwargs={"encounter_id": encounter.pk})
    expect(page).to_have_url(re.compile(re.escape(edit_url) + "$"))
    expect(page.locator("#id_em_plan")).to_have_value(
        "Continue sertraline 100 mg. Recheck sleep in 4 weeks."
    )
    clock = page.locator("[data-testid=em-block] [data-timer-clock]")
    expect(clock).to_have_text(re.compile(r"^05:\d\d$"))
    expect(page.get_by_test_id("em-timer-stop")).to_be_enabled()
    assert_accessible(page, step="back on the draft, the timer running")

    page.clock.run_for("10:00")
    expect(clock).to_have_text(re.compile(r"^15:\d\d$"))
    page.get_by_test_id("em-timer-stop").click()
    expect(page.locator("#id_em_end")).to_have_value("14:15")
    expect(page.get_by_test_id("em-minutes")).to_have_text("15 min")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Saved at")
    encounter.refresh_from_db()
    assert encounter.em_end == datetime.time(14, 15)
    assert encounter.em_plan == "Continue sertraline 100 mg. Recheck sleep in 4 weeks."


def test_typing_that_never_reached_the_server_comes_back_on_the_new_encounter_page(
    page: Page, live_server, practice, settings
):
    """No autosave ever succeeded: signing in again lands on a fresh "new encounter" form,
    which takes the copy and its draft_key, so the next post makes the draft exactly once."""
    settings.SESSION_COOKIE_AGE = 4 * 60 * 60
    _, patient = practice
    new_url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    page.clock.install(time=_yesterday_at(15, 59))
    page.goto(f"{live_server.url}{new_url}")
    _log_in(page)
    _wait_for_the_form(page)
    page.clock.pause_at(_yesterday_at(16, 0))  # no pause in typing elapses: nothing is saved
    draft_key = page.locator("input[name=draft_key]").input_value()
    page.locator("#id_date_of_service").fill(_yesterday_at(16, 0).date().isoformat())
    page.locator("#id_pt_kind").select_option("individual")
    page.locator("#id_pt_start").fill("15:00")
    page.locator("#id_pt_end").fill("15:40")
    page.locator("#id_pt_note").fill("Grief work; the anniversary is next week.")
    _end_sessions()

    page.get_by_test_id("sign").click()
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    assert not Encounter.objects.exists()
    _log_in(page)

    expect(page).to_have_url(re.compile(re.escape(new_url) + "$"))
    restored = page.get_by_test_id("draft-restored")
    expect(restored).to_contain_text("Restored what you typed at 16:00")
    expect(page.locator("#id_pt_note")).to_have_value("Grief work; the anniversary is next week.")
    expect(page.locator("input[name=draft_key]")).to_have_value(draft_key)
    expect(page.get_by_test_id("pt-minutes")).to_have_text("40 min")
    assert_accessible(page, step="the new visit with the restored copy")

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_role("alert").first).to_contain_text("Draft saved")
    assert_accessible(page)
    encounter = Encounter.objects.get(patient=patient)
    assert str(encounter.draft_key) == draft_key
    assert encounter.pt_note == "Grief work; the anniversary is next week."
    # Saved, and no timer running: the browser keeps nothing of the visit any more.
    assert page.evaluate(COPIES) == []


def test_a_copy_typed_over_an_older_save_is_offered_not_applied(
    page: Page, live_server, practice, settings
):
    """The draft was saved again elsewhere after this browser's typing: ask, don't overwrite."""
    settings.SESSION_COOKIE_AGE = 4 * 60 * 60
    _, patient = practice
    new_url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    page.clock.install(time=_yesterday_at(11, 59))
    page.goto(f"{live_server.url}{new_url}")
    _log_in(page)
    _wait_for_the_form(page)
    page.clock.pause_at(_yesterday_at(12, 0))
    page.locator("#id_date_of_service").fill(_yesterday_at(12, 0).date().isoformat())
    page.locator("#id_pt_focus").fill("Sleep")
    page.clock.run_for(2500)
    expect(page.get_by_test_id("draft-status")).to_contain_text("Saved at")
    page.locator("#id_pt_focus").fill("Sleep and appetite")  # only in this browser
    encounter = Encounter.objects.get(patient=patient)
    Encounter.objects.filter(pk=encounter.pk).update(
        pt_focus="Sleep (from the other computer)", updated_at=timezone.now()
    )

    page.reload()
    offer = page.get_by_test_id("draft-older-copy")
    expect(offer).to_contain_text("This browser keeps what you typed at 12:00")
    expect(page.locator("#id_pt_focus")).to_have_value("Sleep (from the other computer)")
    assert_accessible(page, step="the older copy offered")
    offer.get_by_role("button", name="Restore what you typed").click()
    expect(page.locator("#id_pt_focus")).to_have_value("Sleep and appetite")
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    assert_accessible(page, step="the copy restored")

    page.get_by_test_id("draft-discard").click()  # back to the saved draft after all
    expect(page.locator("#id_pt_focus")).to_have_value("Sleep (from the other computer)")
    expect(page.get_by_test_id("draft-restored")).to_have_count(0)
    assert page.evaluate(COPIES) == []


def test_sign_pressed_while_the_first_autosave_is_on_its_way_waits_for_it(
    page: Page, live_server, practice, settings, monkeypatch
):
    """The first autosave creates the draft; Sign is posted after its answer, to the draft."""
    settings.SESSION_COOKIE_AGE = 4 * 60 * 60
    _, patient = practice
    slow_save = services.encounter_draft_save

    def slow_autosave(**kwargs):
        time.sleep(1.5)
        return slow_save(**kwargs)

    new_url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    page.clock.install(time=_yesterday_at(17, 59))
    page.goto(f"{live_server.url}{new_url}")
    _log_in(page)
    _wait_for_the_form(page)
    page.clock.pause_at(_yesterday_at(18, 0))
    page.locator("#id_date_of_service").fill(_yesterday_at(18, 0).date().isoformat())
    page.locator("#id_pt_kind").select_option("individual")
    page.locator("#id_pt_start").fill("17:00")
    page.locator("#id_pt_end").fill("17:30")
    page.locator("#id_pt_note").fill("Exposure hierarchy reviewed.")
    page.locator("#id_diagnosis_1").fill("F41.0")
    page.locator("#id_diagnosis_1").evaluate("e => e.blur()")  # moving on: suggestions stay closed
    page.clock.run_for(500)
    expect(page.get_by_test_id("proposal-code")).to_have_text(["90832"])
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    monkeypatch.setattr(services, "encounter_draft_save", slow_autosave)
    page.clock.run_for(2500)  # the autosave leaves, and takes its time
    expect(page.get_by_test_id("draft-status")).to_have_text("Saving…")
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("status-badge")).to_have_text("Signed — locked")
    assert_accessible(page)

    encounter = Encounter.objects.get(patient=patient)
    assert encounter.status == EncounterStatus.SIGNED
    edit_url = reverse("encounters:encounter-edit", kwargs={"encounter_id": encounter.pk})
    page_posts = [url for url in posts if "/coding/" not in url and "/mdm/" not in url]
    assert [url.removeprefix(live_server.url) for url in page_posts] == [new_url, edit_url]
