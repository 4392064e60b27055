"""Focused (probe) audits, findings with money, the RAT-STATS files and follow-up re-audits."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audits.models import AuditSample, SampleKind
from audits.reports import (
    RATSTATS_FRAME_HEADER,
    RATSTATS_SAMPLE_HEADER,
    month_report,
    ratstats_frame_csv,
    ratstats_sample_csv,
)
from audits.sampling import previous_month
from audits.selectors import month_report_info_fetch, ratstats_frame_fetch
from audits.services import (
    Focus,
    audit_follow_ups_draw,
    audit_month_draw,
    audit_sample_draw,
    chart_review_save,
    focused_audit_start,
)
from payers.models import FeeScheduleEntry
from tests.audits.helpers import review_data
from tests.factories import ClinicianFactory, payer

FEES = {"99215": "190.00", "99214": "130.00", "90838": "160.00", "90836": "120.00"}


@pytest.fixture
def fees(db):
    """The commercial payer's schedule for the codes under audit (allowed amounts)."""
    commercial = payer()
    for code, allowed in FEES.items():
        FeeScheduleEntry.objects.update_or_create(
            payer=commercial,
            code=code,
            modifier="",
            defaults={"charge": Decimal(allowed) * 2, "allowed": Decimal(allowed)},
        )
    return commercial


def billed_as(*codes):
    return {
        "coding_choice": {"option": "custom", "lines": [{"code": c, "units": 1} for c in codes]},
        "coding_override_reason": "Clinician judgement",
        "pt_start": datetime.time(8, 30),
        "pt_end": datetime.time(9, 30),
        "em_start": datetime.time(9, 30),
        "em_end": datetime.time(9, 45),
    }


@pytest.fixture
def pair_charts(make_signed, fees):
    """Three charts billed 99215 + 90838 and two billed otherwise, last month, by one MD."""
    md = ClinicianFactory(credential="MD")
    pairs = [make_signed(clinician=md, day=d, **billed_as("99215", "90838")) for d in (2, 3, 4)]
    others = [make_signed(clinician=md, day=d, **billed_as("99214", "90836")) for d in (5, 6)]
    return pairs, others


def month_span(month):
    return Focus(date_from=month, date_to=month.replace(day=28))


def test_a_focused_audit_draws_only_charts_billed_with_the_code_pair(
    pair_charts, last_month, compliance
):
    pairs, _others = pair_charts
    focus = Focus(
        date_from=last_month, date_to=last_month.replace(day=28), codes=("99215", "90838")
    )
    sample = focused_audit_start(user=compliance, focus=focus, size=2, seed=42)
    assert sample.kind == SampleKind.FOCUSED
    assert sample.seed == 42
    assert sample.population_ids == sorted(e.pk for e in pairs)
    drawn = list(sample.items.values_list("encounter_id", flat=True))
    assert len(drawn) == 2
    assert set(drawn) <= {e.pk for e in pairs}
    assert sample.verified is True
    assert "99215 + 90838" in sample.title
    # Its own sample: the month's monthly draw is untouched and can still happen.
    monthly = audit_sample_draw(month=last_month)
    assert monthly.kind == SampleKind.MONTHLY
    assert monthly.pk != sample.pk


def test_a_focused_audit_can_target_a_clinician_and_refuses_an_open_period(
    make_signed, last_month, compliance
):
    mine = ClinicianFactory(credential="MD")
    chart = make_signed(clinician=mine, day=3)
    make_signed(day=4)
    focus = Focus(date_from=last_month, date_to=last_month.replace(day=28), clinician_id=mine.pk)
    sample = focused_audit_start(user=compliance, focus=focus, size=5)
    assert sample.population_ids == [chart.pk]
    with pytest.raises(ValidationError, match="before today"):
        focused_audit_start(
            user=compliance,
            focus=Focus(date_from=last_month, date_to=datetime.date.today()),
            size=5,
        )


def test_a_review_carries_the_billed_and_audited_dollars_of_the_fee_schedule(
    pair_charts, last_month, compliance
):
    pairs, _ = pair_charts
    sample = focused_audit_start(
        user=compliance,
        focus=Focus(date_from=last_month, date_to=last_month.replace(day=28), codes=("99215",)),
        size=3,
    )
    items = list(sample.items.order_by("position"))
    over = chart_review_save(
        user=compliance,
        item=items[0],
        data=review_data("over_coded", "99214 + 90836", "MDM moderate; 45 minutes."),
    )
    supported = chart_review_save(user=compliance, item=items[1], data=review_data())
    unsupported = chart_review_save(
        user=compliance, item=items[2], data=review_data("not_supported", "", "No note.")
    )
    billed = Decimal(FEES["99215"]) + Decimal(FEES["90838"])
    assert over.billed_amount == billed
    assert over.audited_amount == Decimal(FEES["99214"]) + Decimal(FEES["90836"])
    assert over.difference == Decimal("100.00")
    assert [line["code"] for line in over.audited_lines] == ["99214", "90836"]
    assert supported.audited_amount == supported.billed_amount == billed
    assert unsupported.audited_amount == Decimal("0.00")

    report = month_report(month_report_info_fetch(sample=sample))
    (row,) = report.money
    assert row.reviewed == 3
    assert row.error_rate == pytest.approx(2 / 3)
    assert row.overpaid == Decimal("100.00") + billed
    assert row.underpaid == Decimal("0.00")
    assert row.net == row.overpaid


def test_under_coding_is_an_underpayment(pair_charts, last_month, compliance):
    _, others = pair_charts
    sample = focused_audit_start(
        user=compliance,
        focus=Focus(date_from=last_month, date_to=last_month.replace(day=28), codes=("99214",)),
        size=1,
    )
    review = chart_review_save(
        user=compliance,
        item=sample.items.get(),
        data=review_data("under_coded", "99215 + 90838", "High MDM, 60 minutes."),
    )
    assert review.difference == Decimal("-100.00")
    (row,) = month_report(month_report_info_fetch(sample=sample)).money
    assert row.underpaid == Decimal("100.00")
    assert row.net == Decimal("-100.00")


def test_ratstats_files_have_the_frame_and_the_appraisal_layout(
    pair_charts, last_month, compliance, settings
):
    settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_MONTH = 0
    settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_QUARTER = 0
    sample = audit_sample_draw(month=last_month, size=2)
    item = sample.items.order_by("position").first()
    chart_review_save(user=compliance, item=item, data=review_data("not_supported", "", "No note."))
    frame = ratstats_frame_fetch(sample=sample)
    rows = list(csv.reader(io.StringIO(ratstats_frame_csv(frame))))
    assert rows[0] == RATSTATS_FRAME_HEADER
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 6))  # frame items 1..N
    assert [int(r[1]) for r in rows[1:]] == sample.population_ids
    amounts = {int(r[1]): Decimal(r[3]) for r in rows[1:]}
    pairs, others = pair_charts
    for chart in pairs:
        assert amounts[chart.pk] == Decimal(FEES["99215"]) + Decimal(FEES["90838"])
    for chart in others:
        assert amounts[chart.pk] == Decimal(FEES["99214"]) + Decimal(FEES["90836"])

    report = month_report(month_report_info_fetch(sample=sample))
    rows = list(csv.reader(io.StringIO(ratstats_sample_csv(report, frame))))
    assert (
        rows[0]
        == RATSTATS_SAMPLE_HEADER
        == [
            "sample_item",
            "examined_value",
            "audited_value",
            "difference_value",
        ]
    )
    assert len(rows) == 3
    reviewed = next(r for r in rows[1:] if r[2])
    frame_item = sample.population_ids.index(item.encounter_id) + 1
    assert int(reviewed[0]) == frame_item
    assert Decimal(reviewed[1]) == amounts[item.encounter_id]
    assert Decimal(reviewed[2]) == Decimal("0.00")
    assert Decimal(reviewed[3]) == amounts[item.encounter_id]
    assert [int(r[0]) for r in rows[1:]] == sorted(int(r[0]) for r in rows[1:])


def test_ratstats_downloads_for_a_focused_sample(pair_charts, last_month, compliance, client_for):
    sample = focused_audit_start(
        user=compliance,
        focus=Focus(date_from=last_month, date_to=last_month.replace(day=28), codes=("90838",)),
        size=3,
    )
    client = client_for(compliance)
    frame = client.get(reverse("audits:sample-ratstats-frame-by-id", args=[sample.pk]))
    assert frame.status_code == 200
    assert f"ratstats-frame-focused-{sample.pk}.csv" in frame["Content-Disposition"]
    assert len(frame.content.decode().strip().splitlines()) == 1 + 3


# --- follow-up re-audits ---------------------------------------------------------------


def test_a_prescriber_below_target_gets_a_follow_up_re_audit_of_the_next_month(
    make_signed, last_month, compliance, settings
):
    settings.AUDIT_FOLLOW_UP_SIZE = 2
    before = previous_month(last_month)
    weak, strong = ClinicianFactory(credential="MD"), ClinicianFactory(credential="NP")
    for day in (3, 4):
        make_signed(clinician=weak, month=before, day=day)
        make_signed(clinician=strong, month=before, day=day + 2)
    earlier = audit_sample_draw(month=before)
    for item in earlier.items.select_related("encounter"):
        if item.encounter.clinician_id == weak.pk:
            data = review_data("over_coded", "99213 + 90833", "Low MDM.")
        else:
            data = review_data()
        chart_review_save(user=compliance, item=item, data=data)
    next_charts = [make_signed(clinician=weak, day=day) for day in (5, 6, 7)]
    make_signed(clinician=strong, day=8)

    monthly = audit_month_draw(month=last_month)
    follow_up = AuditSample.objects.get(kind=SampleKind.FOLLOW_UP)
    assert follow_up.follows == earlier
    assert follow_up.clinician == weak
    assert follow_up.period_start == last_month
    assert follow_up.population_ids == [e.pk for e in next_charts]
    assert follow_up.items.count() == 2
    assert monthly.kind == SampleKind.MONTHLY
    # Drawn once: the daily task runs again and adds nothing.
    assert audit_follow_ups_draw(month=last_month) == []
    assert AuditSample.objects.filter(kind=SampleKind.FOLLOW_UP).count() == 1


def test_follow_ups_follow_the_setting(make_signed, last_month, compliance, settings):
    settings.AUDIT_FOLLOW_UP = False
    before = previous_month(last_month)
    make_signed(month=before, day=3)
    for item in audit_sample_draw(month=before).items.all():
        chart_review_save(
            user=compliance, item=item, data=review_data("not_supported", "", "No note.")
        )
    make_signed(day=4)
    audit_month_draw(month=last_month)
    assert not AuditSample.objects.filter(kind=SampleKind.FOLLOW_UP).exists()
