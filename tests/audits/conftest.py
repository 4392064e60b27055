"""Fixtures of the audit tests: last month, signed encounters, flushable transactional tests."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from audits.sampling import previous_month
from tests.audits.helpers import signed_encounter
from tests.sqlite_locks import release_signed_locks


@pytest.fixture
def last_month() -> datetime.date:
    return previous_month(timezone.localdate())


@pytest.fixture
def make_signed(db, last_month):
    """make_signed(clinician=..., day=..., month=..., **encounter fields) -> signed encounter."""

    def make(*, month: datetime.date | None = None, **kwargs):
        return signed_encounter(month=month or last_month, **kwargs)

    return make


@pytest.fixture
def transactional_signed(transactional_db):
    """``transactional_db`` whose flush also clears signed encounters on SQLite."""
    yield
    release_signed_locks()
