"""The draw through a real Celery worker on Redis, as beat runs it in production (AU-2).

The worker runs in a thread with its own database connection, so the test data
is committed (``transactional_db``). Redis runs locally here and in CI; with no
REDIS_URL the test uses database 15 of the local server. A queue of its own keeps
workers of other test runs sharing that Redis from taking the task.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections

from audits.models import AuditSample
from audits.tasks import audit_sample_draw_task
from config.celery import app
from tests.factories import ClinicianFactory

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"

pytestmark = pytest.mark.celery_worker


@pytest.fixture
def redis_app():
    """The project's Celery app pointed at Redis, not eager, on a queue of its own."""
    queue = f"audits-test-{uuid.uuid4().hex[:8]}"
    overrides = {
        "broker_url": REDIS_URL,
        "result_backend": REDIS_URL,
        "task_always_eager": False,
        "task_default_queue": queue,
        "broker_connection_retry_on_startup": False,
    }
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    _forget_connections()
    try:
        with start_worker(app, queues=[queue], perform_ping_check=False, shutdown_timeout=20):
            yield app
    finally:
        app.conf.update(saved)
        _forget_connections()
        connections.close_all()


def _forget_connections() -> None:
    """Drop the broker pool and result backend the app built for the previous settings."""
    app._pool = None
    app._backend_cache = None
    app._local = threading.local()
    app.amqp._producer_pool = None


def test_draw_runs_on_a_real_worker_and_a_second_run_returns_the_same_sample(
    transactional_signed, make_signed, last_month, redis_app
):
    doctor = ClinicianFactory(credential="MD")  # one prescriber: the practice-wide five
    signed = {make_signed(clinician=doctor, day=day).pk for day in range(1, 9)}
    month = f"{last_month:%Y-%m}"

    first = audit_sample_draw_task.delay(month).get(timeout=30)
    again = audit_sample_draw_task.delay(month).get(timeout=30)

    sample = AuditSample.objects.get()
    stored = list(sample.items.order_by("position").values_list("encounter_id", flat=True))
    assert first == {
        "month": month,
        "seed": sample.seed,
        "population": 8,
        "encounters": stored,
    }
    assert again == first
    assert len(set(stored)) == 5
    assert set(stored) <= signed
