"""The draw task and its schedule: JSON arguments, retries, time limits, daily catch-up."""

from __future__ import annotations

import json

from celery.schedules import crontab
from django.conf import settings
from django.db import InterfaceError, OperationalError

from audits.models import AuditSample
from audits.tasks import audit_sample_draw_task
from config.celery import app


def test_task_arguments_and_result_are_json(make_signed, last_month):
    make_signed(day=4)
    signature = audit_sample_draw_task.s(f"{last_month:%Y-%m}")
    assert json.loads(json.dumps(signature.args)) == list(signature.args)
    assert json.loads(json.dumps(signature.kwargs)) == signature.kwargs
    result = signature.apply().get()
    assert json.loads(json.dumps(result)) == result
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]


def test_task_with_no_month_draws_the_previous_month_once(make_signed, last_month):
    make_signed(day=4)
    first = audit_sample_draw_task.apply().get()
    again = audit_sample_draw_task.apply().get()
    assert first["month"] == f"{last_month:%Y-%m}"
    assert again == first
    assert AuditSample.objects.count() == 1


def test_task_retries_only_database_outages_with_backoff_and_time_limits():
    task = audit_sample_draw_task
    assert task.autoretry_for == (OperationalError, InterfaceError)
    assert task.retry_backoff
    assert task.max_retries
    assert task.soft_time_limit < task.time_limit
    assert task.acks_late


def test_beat_runs_the_draw_daily_so_a_missed_first_is_caught_up():
    entry = settings.CELERY_BEAT_SCHEDULE["audit-sample-draw"]
    assert entry["task"] == audit_sample_draw_task.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=2, minute=0)
    assert "args" not in entry  # no month: the task picks the previous month
