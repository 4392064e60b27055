"""Per-prescriber coverage of the monthly draw, the stored redraw check and --verify (AU-1)."""

from __future__ import annotations

import datetime
import importlib
import json
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audits.models import METHOD_COVERAGE, AuditSample
from audits.sampling import draw_covering, strata_for
from audits.services import audit_sample_draw, audit_sample_redraw
from tests.factories import ClinicianFactory

JAN, FEB, MAR = (datetime.date(2026, m, 1) for m in (1, 2, 3))


def practice(prescribers: int, charts_each: int = 20) -> list[tuple[int, int]]:
    """(encounter id, clinician id) for ``prescribers`` clinicians, ids interleaved."""
    return [
        (1000 + n * prescribers + c, c + 1) for n in range(charts_each) for c in range(prescribers)
    ]


def quarter(prescribers: int, seed: int = 7) -> list[Counter[int]]:
    """Draw the quarter's three months with the default settings; charts per clinician each."""
    drawn_so_far: Counter[int] = Counter()
    months = []
    for month in (JAN, FEB, MAR):
        population = practice(prescribers)
        strata = strata_for(
            population, month=month, drawn_before=drawn_so_far, per_month=1, per_quarter=5
        )
        ids = draw_covering([i for i, _ in population], strata=strata, seed=seed, size=5)
        clinician_of = dict(population)
        counts = Counter(clinician_of[i] for i in ids)
        assert len(ids) == len(set(ids))
        drawn_so_far.update(counts)
        months.append(counts)
    return months


def test_one_prescriber_still_gets_the_practice_wide_five_a_month():
    months = quarter(1)
    assert [sum(m.values()) for m in months] == [5, 5, 5]


def test_three_prescribers_each_get_one_a_month_and_five_a_quarter_within_five_a_month():
    months = quarter(3)
    assert [sum(m.values()) for m in months] == [5, 5, 5]
    for counts in months:
        assert set(counts) == {1, 2, 3}
    total = sum(months, Counter())
    assert all(total[c] >= 5 for c in (1, 2, 3))


def test_twelve_prescribers_grow_the_sample_beyond_five_so_each_gets_five_a_quarter():
    months = quarter(12)
    assert all(len(counts) == 12 for counts in months)  # everyone, every month
    assert sum(months[0].values()) == 12  # beyond the practice-wide five
    total = sum(months, Counter())
    assert min(total.values()) >= 5
    assert sum(total.values()) == 60  # five each: the minimum, no more than needed


def test_a_prescriber_with_few_charts_gives_all_they_have():
    population = [(1, 1), (2, 2), (3, 2), (4, 2), (5, 2), (6, 2), (7, 2)]
    strata = strata_for(population, month=MAR, drawn_before={}, per_month=1, per_quarter=5)
    assert [(s.clinician_id, s.minimum) for s in strata] == [(1, 1), (2, 5)]


def test_no_minimums_is_exactly_the_plain_seeded_sample():
    ids = list(range(1, 40))
    assert draw_covering(ids, strata=[], seed=11, size=5) == random.Random(11).sample(ids, 5)


# --- stored and verified -------------------------------------------------------------------


@pytest.fixture
def three_prescribers(make_signed):
    clinicians = [ClinicianFactory(credential=c) for c in ("MD", "NP", "DO")]
    for day in range(1, 10):
        make_signed(clinician=clinicians[day % 3], day=day)
    return clinicians


def test_the_draw_stores_rule_seed_and_strata_and_checks_its_redraw(three_prescribers, last_month):
    sample = audit_sample_draw(month=last_month)
    assert sample.method == METHOD_COVERAGE
    assert sample.verified is True
    assert {s["clinician_id"] for s in sample.strata} == {c.pk for c in three_prescribers}
    drawn = set(sample.items.values_list("encounter__clinician", flat=True))
    assert drawn == {c.pk for c in three_prescribers}
    for stratum in sample.strata:
        assert stratum["drawn"] >= stratum["minimum"] >= 1
        assert len(stratum["encounter_ids"]) == 3
    assert audit_sample_redraw(sample).matches
    # the pages' copy: each stratum with its number of charts in place of their ids
    assert sample.strata_rows == [
        {**{k: v for k, v in s.items() if k != "encounter_ids"}, "signed": 3} for s in sample.strata
    ]


def test_migration_fills_strata_rows_of_samples_drawn_before_them(three_prescribers, last_month):
    """Samples drawn before ``strata_rows`` get them from their stored strata, as the draw
    writes them now; a sample without strata keeps none."""
    from django.apps import apps

    fill = importlib.import_module("audits.migrations.0003_strata_rows").fill_strata_rows
    sample = audit_sample_draw(month=last_month)
    old = {**sample.strata[0]}
    del old["drawn_before"]  # a value the pages printed as "None" when it was missing
    AuditSample.objects.filter(pk=sample.pk).update(
        strata=[old, *sample.strata[1:]], strata_rows=[]
    )
    fill(apps, None)
    expected = [{**sample.strata_rows[0], "drawn_before": None}, *sample.strata_rows[1:]]
    assert AuditSample.objects.get(pk=sample.pk).strata_rows == expected


def test_verify_prints_the_same_ids_and_fails_on_a_changed_sample(three_prescribers, last_month):
    out = StringIO()
    call_command("draw_audit_sample", "--month", f"{last_month:%Y-%m}", stdout=out)
    drawn = json.loads(out.getvalue())
    out = StringIO()
    call_command("draw_audit_sample", "--month", f"{last_month:%Y-%m}", "--verify", stdout=out)
    verified = json.loads(out.getvalue())
    assert verified["encounters"] == drawn["encounters"]
    assert verified["verified"] is True
    AuditSample.objects.update(seed=drawn["seed"] + 1)
    with pytest.raises(CommandError, match="differs"):
        call_command(
            "draw_audit_sample", "--month", f"{last_month:%Y-%m}", "--verify", stdout=StringIO()
        )


def test_verify_of_an_undrawn_month_says_so(db):
    with pytest.raises(CommandError, match="has not been drawn"):
        call_command("draw_audit_sample", "--month", "2025-01", "--verify", stdout=StringIO())
