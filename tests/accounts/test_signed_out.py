"""A session that ended: scripts are told to sign in again, pages go to the login page.

Issue 8: an htmx refresh of the proposal panel rendered the login page inside the panel,
and the draft's autosave got a login page for an answer. ``SignedOutMiddleware`` (one
place, every view) answers htmx with a "signed out" fragment and fetch with 401 JSON.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.access_tables import LOGIN, AccessSetup, load_tables

pytestmark = pytest.mark.django_db

PANEL = reverse("coding:proposal-panel")
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/encounters/7/edit/?tab=1"}
FETCH = {
    "Accept": "application/json",
    "X-Requested-With": "fetch",
    "Referer": "http://testserver/encounters/patients/3/encounters/new/",
}
LOGIN_URL = reverse("accounts:login")


def _ended(client: Client, user: Any) -> Client:
    """Signed in, then the session ends on the server (idle limit)."""
    client.force_login(user)
    Session.objects.all().delete()
    return client


def test_htmx_panel_refresh_after_the_session_ended_says_signed_out(client, prescriber):
    response = _ended(client, prescriber).post(PANEL, {"pt_kind": "individual"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="signed-out"' in html
    assert "You are signed out" in html
    # Shown only on a page whose draft.js keeps what was typed (CSS :has, static/css/app.css).
    assert '<span class="draft-kept"> (what you typed is kept in this browser)</span>' in html
    assert f'href="{LOGIN_URL}?next=%2Fencounters%2F7%2Fedit%2F%3Ftab%3D1"' in html
    assert 'type="password"' not in html
    assert response["HX-Trigger"] == "signed-out"
    assert response["HX-Reswap"] == "innerHTML"
    assert "HX-Request" in response["Vary"]
    assert "no-store" in response["Cache-Control"]


def test_autosave_fetch_after_the_session_ended_gets_401_json(client, prescriber):
    url = reverse("encounters:encounter-create", kwargs={"patient_id": 3})
    response = _ended(client, prescriber).post(url, {"action": "autosave"}, headers=FETCH)
    assert response.status_code == 401
    assert response.json() == {
        "signed_out": True,
        "login_url": f"{LOGIN_URL}?next=%2Fencounters%2Fpatients%2F3%2Fencounters%2Fnew%2F",
    }


def test_a_page_load_still_goes_to_the_login_page(client):
    response = client.post(PANEL, {})
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={PANEL}"


def test_sign_in_link_never_leads_to_another_site(client):
    headers = {**HTMX, "HX-Current-URL": "https://evil.example/steal"}
    html = client.post(PANEL, {}, headers=headers).content.decode()
    assert f'href="{LOGIN_URL}?next=%2F"' in html


def test_signed_in_user_without_the_role_still_gets_403(client_for, biller):
    response = client_for(biller).post(PANEL, {}, headers=HTMX)
    assert response.status_code == 403


def test_a_refused_token_of_a_signed_out_script_says_signed_out(prescriber):
    client = _ended(Client(enforce_csrf_checks=True), prescriber)
    response = client.post(PANEL, {}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "signed-out"
    response = client.post(PANEL, {}, headers=FETCH)
    assert response.status_code == 401


def test_a_refused_token_of_a_page_or_a_signed_in_user_is_still_403(prescriber):
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOGIN_URL, {"username": "x", "password": "y"}).status_code == 403
    client.force_login(prescriber)
    assert client.post(PANEL, {}, headers=HTMX).status_code == 403


def _login_required_cases() -> list[Any]:
    cases = []
    for name, (_module, spec) in sorted(load_tables().items()):
        for method, expected in (("get", spec.get), ("post", spec.post)):
            if expected is not None and expected["anonymous"] == LOGIN:
                cases.append(pytest.param(name, method, id=f"{name}-{method.upper()}"))
    return cases


@pytest.mark.parametrize(("url_name", "method"), _login_required_cases())
def test_every_url_behind_the_login_tells_scripts_they_are_signed_out(
    url_name, method, prescriber, other_prescriber, biller, compliance, practice_admin
):
    setup = AccessSetup(
        users={
            "anonymous": None,
            "prescriber": prescriber,
            "other_prescriber": other_prescriber,
            "biller": biller,
            "compliance": compliance,
            "admin": practice_admin,
        }
    )
    spec = load_tables()[url_name][1]
    url = reverse(url_name, kwargs=spec.kwargs(setup) if spec.kwargs else None) + spec.query
    client = Client()

    as_htmx = getattr(client, method)(url, {}, headers=HTMX)
    assert as_htmx.status_code == 200
    assert as_htmx["HX-Trigger"] == "signed-out"
    as_fetch = getattr(client, method)(url, {}, headers=FETCH)
    assert as_fetch.status_code == 401
    assert as_fetch.json()["signed_out"] is True


# --- "Stay signed in" --------------------------------------------------------------------

KEEP_ALIVE = reverse("accounts:session-keep-alive")


def test_keep_alive_touches_the_session_and_answers_204(client_for, compliance):
    client = client_for(compliance)
    soon = timezone.now() + datetime.timedelta(seconds=30)  # about to end for inactivity
    Session.objects.update(expire_date=soon)
    response = client.post(KEEP_ALIVE, headers=FETCH)
    assert response.status_code == 204
    assert response.content == b""
    assert Session.objects.get().expire_date > soon + datetime.timedelta(minutes=5)


def test_keep_alive_after_the_session_ended_gets_401(client, prescriber):
    response = _ended(client, prescriber).post(KEEP_ALIVE, headers=FETCH)
    assert response.status_code == 401


def test_keep_alive_answers_only_post(client_for, prescriber):
    assert client_for(prescriber).get(KEEP_ALIVE).status_code == 405


# --- the page's countdown ----------------------------------------------------------------


def test_signed_in_pages_carry_the_idle_limit_and_the_countdown(client_for, biller, settings):
    settings.SESSION_COOKIE_AGE = 600
    html = client_for(biller).get(reverse("claims:claim-queue")).content.decode()
    assert 'data-session-idle-seconds="600"' in html
    assert f'data-session-keep-alive-url="{KEEP_ALIVE}"' in html
    assert "js/session.js" in html


def test_the_login_page_has_no_countdown(client):
    html = client.get(LOGIN_URL).content.decode()
    assert "data-session-idle-seconds" not in html
    assert "js/session.js" not in html
