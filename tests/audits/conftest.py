"""Fixtures of the audit tests: last month, signed encounters, flushable transactional tests."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from audits.sampling import previous_month
from audits.services import audit_sample_draw, chart_review_save, finding_acknowledge
from tests.audits.helpers import review_data, signed_encounter
from tests.factories import ClinicianFactory
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
def reviewed_sample(make_signed, last_month, compliance):
    """reviewed_sample(charts) -> last month drawn with ``charts`` charts, every one reviewed.

    Two clinicians; every other chart is over-coded and its finding acknowledged by the
    clinician; the month before is drawn and reviewed too, so the trend has two months.
    """

    def make(charts: int):
        before = previous_month(last_month)
        make_signed(month=before, day=5)
        for item in audit_sample_draw(month=before).items.all():
            chart_review_save(user=compliance, item=item, data=review_data())
        clinicians = [ClinicianFactory(credential="MD"), ClinicianFactory(credential="NP")]
        for chart in range(1, charts + 1):  # past 28 charts, a second round of days
            make_signed(clinician=clinicians[chart % 2], day=(chart - 1) % 28 + 1)
        sample = audit_sample_draw(month=last_month, size=charts)
        items = sample.items.select_related("encounter__clinician__user").order_by("position")
        for item in items:
            if item.position % 2:
                chart_review_save(user=compliance, item=item, data=review_data())
                continue
            data = review_data("over_coded", "99213 + 90833", "Low MDM.", check_em_level="not_met")
            review = chart_review_save(user=compliance, item=item, data=data)
            finding_acknowledge(user=item.encounter.clinician.user, review=review)
        return sample

    return make


@pytest.fixture
def no_stored_proposal(monkeypatch):
    """Sign the way charts were signed before the proposal was stored: the claim is built
    from the engine's answer at signing, and nothing of it is kept.

    Stored proposals are append-only (the database refuses to delete one), so a chart
    without one is signed that way rather than having its proposal deleted afterwards.
    Request it before the fixtures that sign.
    """
    from coding.models import SignedProposal

    monkeypatch.setattr(SignedProposal.objects, "create", lambda **fields: SignedProposal(**fields))


@pytest.fixture
def transactional_signed(transactional_db):
    """``transactional_db`` whose flush also clears signed encounters on SQLite."""
    yield
    release_signed_locks()
