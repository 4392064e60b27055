"""The audit home says when the automatic draw is late: background work is delayed (issue 10).

Beat draws last month daily from 02:00 on the 1st (the task runs on the worker through
Redis). When either is down the month stays undrawn, and compliance staff are told so,
and that drawing it by hand works without them.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.selectors import scheduled_draw_overdue
from audits.services import audit_sample_draw

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)


def local(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 4, day, hour, minute))


@pytest.fixture
def with_worker(settings):
    """Tasks go to a worker through a broker, as in production (no eager execution)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture
def mid_month(monkeypatch):
    """The clock at noon on the 15th of this month, well past the draw's time and grace."""
    moment = timezone.localtime().replace(day=15, hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def test_the_draw_is_not_late_before_its_time_and_grace(with_worker):
    assert scheduled_draw_overdue(now=local(1, 2, 59)) is None


def test_an_undrawn_month_an_hour_after_the_scheduled_draw_is_late(with_worker):
    assert scheduled_draw_overdue(now=local(1, 3, 0)) == MARCH
    assert scheduled_draw_overdue(now=local(17, 9)) == MARCH


def test_a_drawn_month_is_not_late(with_worker):
    audit_sample_draw(month=MARCH)
    assert scheduled_draw_overdue(now=local(2, 9)) is None


def test_without_a_worker_nothing_is_scheduled_so_nothing_is_late(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no REDIS_URL: tasks run in the web process
    assert scheduled_draw_overdue(now=local(17, 9)) is None


def test_the_audit_home_tells_compliance_staff_the_draw_is_delayed(
    with_worker, mid_month, client_for, compliance, last_month
):
    response = client_for(compliance).get(reverse("audits:audit-home"))
    page = response.content.decode()
    assert 'data-testid="draw-overdue"' in page
    assert "Background work is delayed" in page
    assert f"{last_month:%B %Y}" in page


def test_the_audit_home_says_nothing_once_the_month_is_drawn(
    with_worker, mid_month, client_for, compliance, last_month
):
    audit_sample_draw(month=last_month)
    response = client_for(compliance).get(reverse("audits:audit-home"))
    assert 'data-testid="draw-overdue"' not in response.content.decode()
