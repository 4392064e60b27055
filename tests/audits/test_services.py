"""The monthly draw (AU-1, AU-2) and its command."""

from __future__ import annotations

import datetime
import json
import random
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from audits.models import AuditSample, AuditSampleItem
from audits.services import audit_sample_draw, audit_sample_redraw
from tests.factories import EncounterFactory


@pytest.fixture(autouse=True)
def practice_wide_draw_only(settings):
    """These tests pin the plain practice-wide draw (no per-prescriber minimum);
    coverage is tested in test_coverage.py."""
    settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_MONTH = 0
    settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_QUARTER = 0


def stored_ids(sample):
    return list(sample.items.order_by("position").values_list("encounter_id", flat=True))


def test_au_1_draw_stores_seed_and_population_and_anyone_can_redraw_it(make_signed, last_month):
    signed = [make_signed(day=day) for day in range(1, 10)]
    sample = audit_sample_draw(month=last_month)
    population = sorted(e.pk for e in signed)
    assert sample.population_size == 9
    assert sample.population_ids == population
    assert stored_ids(sample) == random.Random(sample.seed).sample(population, 5)
    assert len(set(stored_ids(sample))) == 5
    redraw = audit_sample_redraw(sample)
    assert redraw.matches
    assert redraw.encounter_ids == stored_ids(sample)


def test_au_1_population_is_signed_encounters_of_the_month_only(make_signed, last_month):
    in_month = [make_signed(day=day) for day in (1, 15, 28)]
    make_signed(month=last_month - datetime.timedelta(days=1), day=20)  # month before
    EncounterFactory(date_of_service=last_month.replace(day=5))  # draft
    sample = audit_sample_draw(month=last_month)
    assert sample.population_ids == sorted(e.pk for e in in_month)


def test_au_1_charts_signed_after_the_draw_do_not_change_the_redraw(make_signed, last_month):
    for day in range(1, 8):
        make_signed(day=day)
    sample = audit_sample_draw(month=last_month)
    late = make_signed(day=9)  # signed late, after the draw
    redraw = audit_sample_redraw(sample)
    assert late.pk not in redraw.population_ids
    assert redraw.matches


def test_au_1_redraw_detects_a_changed_sample(make_signed, last_month):
    for day in range(1, 8):
        make_signed(day=day)
    sample = audit_sample_draw(month=last_month)
    AuditSample.objects.filter(pk=sample.pk).update(seed=sample.seed + 1)
    sample.refresh_from_db()
    assert not audit_sample_redraw(sample).matches


def test_au_2_second_draw_returns_the_stored_sample(make_signed, last_month):
    for day in range(1, 10):
        make_signed(day=day)
    first = audit_sample_draw(month=last_month)
    make_signed(day=12)
    again = audit_sample_draw(month=last_month.replace(day=17))
    assert again.pk == first.pk
    assert stored_ids(again) == stored_ids(first)
    assert AuditSample.objects.count() == 1
    assert AuditSampleItem.objects.count() == 5


def test_au_2_losing_a_race_returns_the_winners_sample(make_signed, last_month):
    """Both workers saw no sample; the second insert hits the unique constraint."""
    for day in range(1, 10):
        make_signed(day=day)
    real_filter = AuditSample.objects.filter
    winner = audit_sample_draw(month=last_month)

    def nothing_stored_yet(*args, **kwargs):
        queryset = real_filter(*args, **kwargs)
        nothing_stored_yet.calls += 1
        return queryset.none() if nothing_stored_yet.calls == 1 else queryset

    nothing_stored_yet.calls = 0
    with mock.patch.object(AuditSample.objects, "filter", side_effect=nothing_stored_yet):
        loser = audit_sample_draw(month=last_month)
    assert nothing_stored_yet.calls == 1  # the loser really ran past the check
    assert loser.pk == winner.pk
    assert stored_ids(loser) == stored_ids(winner)
    assert AuditSample.objects.count() == 1


def test_au_2_one_sample_per_month_is_a_database_constraint(make_signed, last_month):
    sample = audit_sample_draw(month=last_month)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditSample.objects.create(
            month=sample.month,
            seed=1,
            requested_size=5,
            population_size=0,
            drawn_at=sample.drawn_at,
        )


def test_au_2_month_with_fewer_signed_encounters_takes_them_all(make_signed, last_month):
    signed = [make_signed(day=day) for day in (2, 3, 4)]
    sample = audit_sample_draw(month=last_month)
    assert sorted(stored_ids(sample)) == sorted(e.pk for e in signed)
    assert sample.took_all
    assert sample.requested_size == 5


@pytest.mark.parametrize("months_ahead", [0, 1])
def test_au_2_the_current_or_a_future_month_cannot_be_drawn(last_month, months_ahead, db):
    this_month = (last_month + datetime.timedelta(days=40)).replace(day=1)
    month = (this_month + datetime.timedelta(days=31 * months_ahead)).replace(day=1)
    with pytest.raises(ValidationError, match="not over yet"):
        audit_sample_draw(month=month)
    assert not AuditSample.objects.exists()


def test_command_prints_the_draw_as_json_and_repeats_it(make_signed, last_month):
    for day in range(1, 10):
        make_signed(day=day)
    out = StringIO()
    call_command("draw_audit_sample", "--month", f"{last_month:%Y-%m}", stdout=out)
    first = json.loads(out.getvalue())
    sample = AuditSample.objects.get()
    assert first == {
        "month": f"{last_month:%Y-%m}",
        "seed": sample.seed,
        "population": 9,
        "encounters": stored_ids(sample),
    }
    assert len(set(first["encounters"])) == 5
    out = StringIO()
    call_command("draw_audit_sample", "--month", f"{last_month:%Y-%m}", stdout=out)
    assert json.loads(out.getvalue()) == first


def test_command_defaults_to_the_previous_month(make_signed, last_month):
    make_signed(day=1)
    out = StringIO()
    call_command("draw_audit_sample", stdout=out)
    assert json.loads(out.getvalue())["month"] == f"{last_month:%Y-%m}"


@pytest.mark.parametrize(("month", "message"), [("2026-13", "YYYY-MM"), ("2999-01", "not over")])
def test_command_refuses_bad_months_with_a_message(db, month, message):
    with pytest.raises(CommandError, match=message):
        call_command("draw_audit_sample", "--month", month, stdout=StringIO())


def test_command_draws_with_the_broker_down(make_signed, last_month):
    """The command calls the service itself: no Celery broker is needed."""
    from config.celery import app

    make_signed(day=2)
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    app._pool = None
    try:
        out = StringIO()
        call_command("draw_audit_sample", "--month", f"{last_month:%Y-%m}", stdout=out)
    finally:
        app.conf.update(saved)
        app._pool = None
    assert json.loads(out.getvalue())["population"] == 1
