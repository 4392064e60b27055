"""The idle limit is written at most once a minute, and still ends an idle session (issue 14).

Writing the session on every request cost the live panel an UPDATE per keystroke pause.
`accounts.middleware.IdleTimeoutMiddleware` writes it when the last write is a minute old;
`accounts.sessions` keeps each written row a minute past the limit, so a session never ends
before the idle limit counted from the user's last request, and at most a minute after it.
The browser journeys (tests/browser/test_session_idle.py, test_session_expiry.py) check the
page's side: its countdown, "Stay signed in" and the signed-out answer.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.backends import UserBackend
from accounts.middleware import IDLE_WRITTEN_KEY
from accounts.roles import Role, role_of
from accounts.selectors import clinician_for_user
from accounts.sessions import IDLE_WRITE_INTERVAL

pytestmark = pytest.mark.django_db

PAGE = "accounts:password-change"


def _row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _written_ago(client, seconds: int) -> None:
    session = client.session
    session[IDLE_WRITTEN_KEY] = int(time.time()) - seconds
    session.save()


def test_a_request_within_the_minute_writes_nothing(client_for, prescriber):
    client = client_for(prescriber)
    client.get(reverse(PAGE))  # the first request notes the write
    before = _row(client)
    client.get(reverse(PAGE))
    after = _row(client)
    assert after.expire_date == before.expire_date
    assert after.session_data == before.session_data


def test_a_request_a_minute_after_the_last_write_moves_the_limit_on(client_for, prescriber):
    client = client_for(prescriber)
    _written_ago(client, IDLE_WRITE_INTERVAL + 1)
    before = _row(client).expire_date
    started = timezone.now()
    client.get(reverse(PAGE))
    after = _row(client).expire_date
    assert after > before
    # a minute past the idle limit counted from now: never before the limit
    limit = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + IDLE_WRITE_INTERVAL)
    assert started + limit <= after <= timezone.now() + limit
    assert time.time() - client.session[IDLE_WRITTEN_KEY] < 5


def test_an_active_user_stays_signed_in_past_the_idle_limit(client_for, prescriber):
    # Requests every few minutes: each one more than a minute after the last write moves
    # the row on, so it is never older than the limit.
    client = client_for(prescriber)
    for _ in range(3):
        _written_ago(client, IDLE_WRITE_INTERVAL * 5)
        assert client.get(reverse(PAGE)).status_code == 200
        row = _row(client)
        assert row.expire_date - timezone.now() > dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_a_user_idle_past_the_limit_is_signed_out(client_for, prescriber):
    client = client_for(prescriber)
    client.get(reverse(PAGE))
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse(PAGE))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_a_request_without_a_session_creates_none(client):
    client.get(reverse("accounts:login"))
    client.cookies["sessionid"] = "no-such-session"
    client.get(reverse("accounts:login"))
    assert not Session.objects.exists()


def test_stay_signed_in_always_writes(client_for, prescriber):
    client = client_for(prescriber)
    client.get(reverse(PAGE))
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(seconds=30)
    )
    assert client.post(reverse("accounts:session-keep-alive")).status_code == 204
    assert _row(client).expire_date - timezone.now() > dt.timedelta(
        seconds=settings.SESSION_COOKIE_AGE
    )


# --- the user, their role and their clinician: one query ----------------------------------


def test_the_user_role_and_clinician_come_in_one_query(prescriber, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserBackend().get_user(prescriber.pk)
        assert user is not None
        assert role_of(user) == Role.PRESCRIBER
        assert clinician_for_user(user) == prescriber.clinician


def test_a_user_without_role_or_clinician_is_read_as_such(biller, django_assert_num_queries):
    biller.groups.clear()
    with django_assert_num_queries(1):
        user = UserBackend().get_user(biller.pk)
        assert user is not None
        assert role_of(user) is None
        assert clinician_for_user(user) is None


def test_the_role_is_the_first_held_in_role_order(prescriber):
    from django.contrib.auth.models import Group

    prescriber.groups.add(Group.objects.get_or_create(name=Role.ADMIN.value)[0])
    user = UserBackend().get_user(prescriber.pk)
    assert user is not None
    assert role_of(user) == Role.PRESCRIBER  # the narrower clinical role wins, as role_of


def test_an_inactive_user_is_not_read(prescriber):
    prescriber.is_active = False
    prescriber.save(update_fields=["is_active"])
    assert UserBackend().get_user(prescriber.pk) is None
