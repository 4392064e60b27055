"""Fixtures of the billing tests: a signed claim, a second biller, flushable transactional tests."""

from __future__ import annotations

import pytest

from tests.audits.flush import release_signed_locks
from tests.factories import UserFactory
from tests.payers.helpers import signed_claim


@pytest.fixture
def claim(db, prescriber):
    """A clean queued claim (99214 + 90833, commercial) of the ``prescriber`` fixture."""
    return signed_claim(clinician=prescriber.clinician)


@pytest.fixture
def other_biller(db):
    return UserFactory(role="Biller", first_name="Bea", last_name="Second")


@pytest.fixture
def transactional_claims(transactional_db):
    """``transactional_db`` whose flush also clears signed encounters on SQLite."""
    yield
    release_signed_locks()
