"""Two workers draw the same month at the same moment: one sample, never two (AU-2).

On PostgreSQL (CI) both threads really overlap: the loser's insert waits on the
unique index, fails, and returns the winner's sample, with no error and no retry.
SQLite's shared in-memory test database refuses a second writer outright
("table is locked"); the task's ``autoretry_for`` retries such errors, and the
threads do the same here, so the retried draw must find the stored sample.
"""

from __future__ import annotations

import threading
import time

from django.db import OperationalError, connection, connections

from audits.models import AuditSample, AuditSampleItem
from audits.services import audit_sample_draw
from audits.tasks import audit_sample_draw_task, sample_as_dict


def test_au_2_two_concurrent_draws_store_one_sample(transactional_signed, make_signed, last_month):
    assert OperationalError in audit_sample_draw_task.autoretry_for
    for day in range(1, 10):
        make_signed(day=day)
    start = threading.Barrier(2)
    results: list[dict] = []
    errors: list[BaseException] = []
    retries: list[OperationalError] = []

    def draw() -> None:
        try:
            start.wait(timeout=10)
            for _attempt in range(20):
                try:
                    results.append(sample_as_dict(audit_sample_draw(month=last_month)))
                    return
                except OperationalError as exc:  # what autoretry_for retries
                    retries.append(exc)
                    time.sleep(0.05)
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    if connection.vendor == "postgresql":
        assert retries == []  # the unique constraint alone settles the race
    assert len(results) == 2
    assert results[0] == results[1]
    sample = AuditSample.objects.get()
    assert results[0] == sample_as_dict(sample)
    assert AuditSampleItem.objects.count() == sample.items.count() == len(results[0]["encounters"])
    assert AuditSampleItem.objects.count() >= 5  # every prescriber's minimum, or five
