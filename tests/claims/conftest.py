"""Fixtures of the billing tests: a signed claim and a second biller."""

from __future__ import annotations

import pytest

from tests.claims.helpers import signed_claim
from tests.factories import UserFactory


@pytest.fixture
def claim(db, prescriber):
    """A clean queued claim (99214 + 90833, commercial) of the ``prescriber`` fixture."""
    return signed_claim(clinician=prescriber.clinician)


@pytest.fixture
def other_biller(db):
    return UserFactory(role="Biller", first_name="Bea", last_name="Second")
