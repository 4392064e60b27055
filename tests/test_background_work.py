"""Background work when a worker dies or Redis is down (issue 10, finding 6).

The settings are read back from the Celery app itself: a misspelt CELERY_ name is
silently ignored, so only ``app.conf`` tells what Celery will do.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from audits.tasks import audit_sample_draw_task
from config.celery import app

OUR_APPS = ("accounts.", "encounters.", "coding.", "payers.", "audits.", "claims.")
# Tasks acknowledged only after they ran, so a lost worker's task runs again: each must be
# safe to repeat. Add a task here only with the reason it is.
REPEATABLE_TASKS = {
    "audits.audit_sample_draw_task",  # a repeated draw returns the stored sample (AU-2)
}


def _our_tasks() -> list:
    return [task for name, task in sorted(app.tasks.items()) if name.startswith(OUR_APPS)]


def test_the_visibility_timeout_outlasts_every_task_and_its_retry_countdown():
    """Shorter, and Redis would hand a still running (or waiting) task to a second worker."""
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility == 20 * 60  # not Redis' default hour for a killed worker's task
    assert _our_tasks()
    for task in _our_tasks():
        hard_limit = task.time_limit or app.conf.task_time_limit
        countdown = task.retry_backoff_max if task.retry_backoff else task.default_retry_delay
        assert hard_limit + countdown < visibility, task.name


def test_only_tasks_safe_to_repeat_are_acknowledged_late_and_requeued_when_a_worker_dies():
    assert app.conf.task_acks_late is False
    assert app.conf.task_reject_on_worker_lost is True
    late = {task.name for task in _our_tasks() if task.acks_late}
    assert late == REPEATABLE_TASKS


def test_queueing_gives_up_within_seconds_when_redis_is_unreachable_or_silent():
    assert app.conf.broker_connection_timeout == 2
    assert app.conf.broker_transport_options["socket_connect_timeout"] == 2
    assert app.conf.broker_transport_options["socket_timeout"] == 2
    assert app.conf.redis_socket_connect_timeout == 2
    assert app.conf.redis_socket_timeout == 2
    assert app.conf.task_publish_retry_policy["max_retries"] == 1
    assert app.conf.result_backend_transport_options["retry_policy"]["max_retries"] == 1


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A server that accepts connections and never answers, like a hung Redis."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def _forget_connections() -> None:
    """Drop the broker pool and result backend built for the previous broker URL."""
    app._pool = None
    app._backend_cache = None
    app._local = threading.local()
    app.amqp._producer_pool = None


def _queue_with_broker(url: str) -> tuple[float, BaseException | None]:
    overrides = {"broker_url": url, "result_backend": url, "task_always_eager": False}
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    _forget_connections()
    started = time.monotonic()
    try:
        audit_sample_draw_task.delay("2026-01")
    except Exception as exc:  # whatever the caller would meet
        return time.monotonic() - started, exc
    finally:
        app.conf.update(saved)
        _forget_connections()
    return time.monotonic() - started, None


def test_queueing_while_redis_is_down_fails_in_seconds_not_19():
    took, error = _queue_with_broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert error is not None
    assert took < 3, f"queueing blocked {took:.1f} s"


def test_queueing_to_a_redis_that_never_answers_fails_in_seconds(silent_redis):
    took, error = _queue_with_broker(silent_redis)
    assert error is not None
    assert took < 10, f"queueing blocked {took:.1f} s"
