"""The draw as a pure function: same seed, same charts; stratification; month arithmetic."""

from __future__ import annotations

import datetime
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audits.sampling import draw_ids, months_back, parse_month, previous_month

population_st = st.lists(
    st.tuples(st.integers(1, 10_000), st.integers(1, 6)), unique_by=lambda p: p[0], max_size=60
)


@given(population=population_st, seed=st.integers(0, 2**53), size=st.integers(0, 8))
def test_au_1_unstratified_draw_is_random_sample_of_the_ids_in_id_order(population, seed, size):
    ids = sorted(i for i, _ in population)
    expected = random.Random(seed).sample(ids, min(size, len(ids)))
    assert draw_ids(population, seed=seed, size=size, stratify=False).encounter_ids == expected


@given(population=population_st, seed=st.integers(0, 2**53), size=st.integers(0, 8))
def test_au_1_draw_is_distinct_charts_of_the_population_and_repeatable(population, seed, size):
    first = draw_ids(population, seed=seed, size=size, stratify=True)
    again = draw_ids(list(reversed(population)), seed=seed, size=size, stratify=True)
    assert first == again
    assert len(set(first.encounter_ids)) == len(first.encounter_ids) == min(size, len(population))
    assert set(first.encounter_ids) <= {i for i, _ in population}


@given(population=population_st, seed=st.integers(0, 2**53))
def test_stratified_draw_takes_a_chart_of_every_clinician_when_the_size_allows(population, seed):
    clinicians = {c for _, c in population}
    size = 6
    draw = draw_ids(population, seed=seed, size=size, stratify=True)
    by_id = dict(population)
    assert {by_id[i] for i in draw.encounter_ids} == clinicians
    assert draw.stratified is bool(population)


def test_stratification_is_dropped_and_said_when_clinicians_outnumber_the_sample():
    population = [(i, i) for i in range(1, 8)]  # seven clinicians, one chart each
    draw = draw_ids(population, seed=1, size=5, stratify=True)
    assert draw.stratified is False
    assert "7 clinicians" in draw.note
    assert draw.encounter_ids == random.Random(1).sample(list(range(1, 8)), 5)


def test_month_helpers():
    assert previous_month(datetime.date(2026, 1, 15)) == datetime.date(2025, 12, 1)
    assert previous_month(datetime.date(2026, 3, 1)) == datetime.date(2026, 2, 1)
    assert parse_month("2026-02") == datetime.date(2026, 2, 1)
    assert months_back(datetime.date(2026, 2, 1), 3) == [
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]


@pytest.mark.parametrize("text", ["2026-13", "26-01", "2026/01", "", "January"])
def test_parse_month_says_what_it_expects(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(text)
