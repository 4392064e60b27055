"""The month page's table rows written in Python (audits.month_page) print what the page's
template printed: each row is held to the template text it replaced, drawn by Django."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone

from audits.models import CHECKLIST, Outcome
from audits.month_page import (
    chart_row,
    clinician_row,
    code_row,
    money_row,
    month_page,
    stratum_row,
    trend_row,
)
from audits.reports import PrescriberMoney, PrescriberTrend, month_report, tally
from audits.selectors import ChartInfo, MonthReportInfo, ReviewInfo, UserInfo
from tests.audits.test_reports import info

# The rows as templates/audits/sample_detail.html wrote them before audits.month_page.
CHART_TEMPLATE = """{% with chart=row %}<tr data-testid="sample-chart">
      <td>{{ chart.position }}</td>
      <td><a href="{{ detail_url }}charts/{{ chart.encounter_id }}/" data-testid="chart-link">Encounter {{ chart.encounter_id }}</a></td>
      <td>{{ chart.date_of_service|date:"Y-m-d" }}</td>
      <td>{{ chart.clinician_name }}</td>
      <td><code>{{ chart.billed_text|default:"nothing billed" }}</code></td>
      <td data-testid="chart-outcome">{% if chart.review %}{% include "audits/partials/outcome_badge.html" with outcome=chart.review.outcome outcome_label=chart.review.outcome_label %}{% else %}<span class="text-muted">not reviewed</span>{% endif %}</td>
      <td><code>{{ chart.review.reviewer_code }}</code></td>
      <td class="text-end" data-testid="chart-difference">{% if chart.review.difference is not None %}${{ chart.review.difference }}{% endif %}</td>
      <td class="small">{% if chart.review.acknowledged_at %}{{ chart.review.acknowledged_by.name }}, {{ chart.review.acknowledged_at|date:"Y-m-d" }}{% elif chart.review %}<span class="text-muted">pending</span>{% endif %}</td>
    </tr>{% endwith %}"""  # noqa: E501
CLINICIAN_TEMPLATE = """{% with t=row %}<tr><td>{{ t.label }}</td><td class="text-end">{{ t.reviewed }}</td><td class="text-end">{{ t.supported }}</td><td class="text-end">{% widthratio t.supported t.reviewed 100 %}%</td></tr>{% endwith %}"""  # noqa: E501
CODE_TEMPLATE = """{% with t=row %}<tr><td><code>{{ t.label }}</code></td>{% for label, n in t.outcome_counts %}<td class="text-end">{{ n }}</td>{% endfor %}</tr>{% endwith %}"""  # noqa: E501
MONEY_TEMPLATE = """{% with m=row %}<tr data-testid="money-row"><td>{{ m.label }}</td><td class="text-end">{{ m.reviewed }}</td><td class="text-end">{{ m.error_rate_text }}</td><td class="text-end">${{ m.overpaid }}</td><td class="text-end">${{ m.underpaid }}</td><td class="text-end">${{ m.net }}</td></tr>{% endwith %}"""  # noqa: E501
MONEY_TOTAL_TEMPLATE = """{% with t=row %}<tr class="fw-semibold" data-testid="money-total"><td>{{ t.label }}</td><td class="text-end">{{ t.reviewed }}</td><td class="text-end">{{ t.error_rate_text }}</td><td class="text-end">${{ t.overpaid }}</td><td class="text-end">${{ t.underpaid }}</td><td class="text-end">${{ t.net }}</td></tr>{% endwith %}"""  # noqa: E501
TREND_TEMPLATE = """{% with t=row %}<tr><td>{{ t.label }}</td>{% for cell in t.cells %}<td class="text-end">{{ cell }}</td>{% endfor %}</tr>{% endwith %}"""  # noqa: E501
STRATUM_TEMPLATE = """{% with s=row %}<tr><td>{{ s.clinician_id }}</td><td class="text-end">{{ s.signed }}</td><td class="text-end">{{ s.drawn_before }}</td><td class="text-end">{{ s.minimum }}</td><td class="text-end">{{ s.drawn }}</td></tr>{% endwith %}"""  # noqa: E501

DETAIL_URL = "/audits/2026-03/"
TRICKY = 'Zoë <b>"O\'Neil" & Ñúñez</b>'  # every character the template escapes


def drawn(template: str, row: object) -> str:
    return Template(template).render(Context({"row": row, "detail_url": DETAIL_URL}))


def review_of(
    outcome: str = Outcome.SUPPORTED,
    *,
    code: str = "",
    billed: str | None = "150.00",
    audited: str | None = "150.00",
    acknowledged_at: datetime.datetime | None = None,
    acknowledged_by: UserInfo | None = None,
) -> ReviewInfo:
    return ReviewInfo(
        outcome=outcome,
        reviewer_code=code,
        comment="",
        checks=tuple((name, "met") for name in CHECKLIST),
        reviewer=UserInfo(username="officer", name="Olive Officer"),
        reviewed_at=timezone.now(),
        acknowledged_by=acknowledged_by,
        acknowledged_at=acknowledged_at,
        billed_amount=None if billed is None else Decimal(billed),
        audited_amount=None if audited is None else Decimal(audited),
    )


def chart_of(
    review: ReviewInfo | None, *, name: str = "Dana Lee", billed: str = "99214"
) -> ChartInfo:
    return ChartInfo(
        position=12,
        encounter_id=123456,
        patient_id=7,
        part2=False,
        date_of_service=datetime.date(2026, 3, 9),
        clinician_id=3,
        clinician_name=name,
        billed_codes=tuple(billed.split(" + ")) if billed else (),
        billed_text=billed,
        review=review,
    )


# Late in the evening, New York time: already the next day in UTC.
LATE = timezone.make_aware(datetime.datetime(2026, 4, 3, 22, 30))
DANA = UserInfo(username="drlee", name=TRICKY)

CHARTS = {
    "not reviewed": chart_of(None),
    "nothing billed": chart_of(None, billed=""),
    "supported, pending": chart_of(review_of()),
    "escaped text": chart_of(review_of(Outcome.OVER_CODED, code="<99213>"), name=TRICKY),
    "under-coded, underpaid": chart_of(
        review_of(Outcome.UNDER_CODED, code="99215", billed="100.00", audited="180.50")
    ),
    "not supported, unpriced": chart_of(review_of(Outcome.NOT_SUPPORTED, billed=None)),
    "acknowledged late": chart_of(
        review_of(Outcome.OVER_CODED, code="99213", acknowledged_at=LATE, acknowledged_by=DANA)
    ),
    "acknowledged by nobody named": chart_of(review_of(acknowledged_at=LATE)),
}


@pytest.mark.parametrize("name", CHARTS)
def test_chart_row_prints_what_the_template_printed(name):
    chart = CHARTS[name]
    assert chart_row(chart, detail_url=DETAIL_URL) == drawn(CHART_TEMPLATE, chart)


def test_chart_row_escapes_names_and_codes():
    row = chart_row(CHARTS["escaped text"], detail_url=DETAIL_URL)
    assert "<b>" not in row
    assert "Zoë &lt;b&gt;&quot;O&#x27;Neil&quot; &amp; Ñúñez&lt;/b&gt;" in row
    assert "<code>&lt;99213&gt;</code>" in row


@pytest.mark.parametrize("outcome", Outcome.values)
def test_outcome_badge_has_the_partials_colour(outcome):
    """The badge a chart row writes is the one the shared partial draws (finding list)."""
    review = review_of(outcome, code="99213")
    partial = render_to_string(
        "audits/partials/outcome_badge.html",
        {"outcome": outcome, "outcome_label": review.outcome_label},
    )
    assert partial in chart_row(chart_of(review), detail_url=DETAIL_URL)


@pytest.mark.parametrize(
    ("supported", "reviewed"),
    [(0, 1), (1, 1), (1, 3), (2, 3), (1, 8), (3, 8), (5, 8), (7, 8), (1, 40), (39, 40)],
)
def test_clinician_row_rounds_the_accuracy_as_widthratio_did(supported, reviewed):
    outcomes = [Outcome.SUPPORTED] * supported + [Outcome.OVER_CODED] * (reviewed - supported)
    row = tally(TRICKY, [review_of(outcome, code="99213") for outcome in outcomes])
    assert clinician_row(row) == drawn(CLINICIAN_TEMPLATE, row)


def test_code_money_and_trend_rows_print_what_the_template_printed():
    reviews = [
        review_of(),
        review_of(Outcome.OVER_CODED, code="99213", billed="225.00", audited="150.10"),
        review_of(Outcome.UNDER_CODED, code="99215", billed="100.00", audited="310.00"),
        review_of(Outcome.NOT_SUPPORTED, billed=None),
    ]
    code = tally("<90833>", reviews)
    assert code_row(code) == drawn(CODE_TEMPLATE, code)
    for money in (
        PrescriberMoney(TRICKY, 4, 1, Decimal("74.90"), Decimal("210.00")),
        PrescriberMoney("All charts", 0, 0, Decimal("0.00"), Decimal("0.00")),
    ):
        assert money_row(money) == drawn(MONEY_TEMPLATE, money)
    report = month_report(info(chart_of(reviews[1])))
    assert report.money_total is not None
    page = month_page(report, detail_url=DETAIL_URL)
    assert page.money_total == drawn(MONEY_TOTAL_TEMPLATE, report.money_total)
    trend = PrescriberTrend(TRICKY, ((0, 0), (1, 3), (2, 2), (0, 1), (0, 0), (5, 8)))
    assert trend_row(trend) == drawn(TREND_TEMPLATE, trend)


def test_stratum_row_prints_each_count_none_for_a_null_and_nothing_for_a_missing_key():
    stratum = {"clinician_id": 4, "signed": 1925, "drawn_before": 2, "minimum": 1, "drawn": 1}
    assert stratum_row(stratum) == drawn(STRATUM_TEMPLATE, stratum)
    old = {"clinician_id": 5, "signed": 12, "drawn_before": None, "minimum": 1, "drawn": 0}
    assert stratum_row(old) == drawn(STRATUM_TEMPLATE, old)
    assert '<td class="text-end">None</td>' in stratum_row(old)
    partial = {"clinician_id": 6, "signed": 3}
    assert stratum_row(partial) == drawn(STRATUM_TEMPLATE, partial)


def test_month_page_without_reviews_has_no_money_total_and_no_strata():
    report = month_report(
        MonthReportInfo(
            sample=info().sample, target=0.95, charts=(chart_of(None),), month_counts=()
        )
    )
    page = month_page(report, detail_url=DETAIL_URL)
    assert len(page.charts) == 1
    assert (page.by_clinician, page.by_code, page.money, page.strata) == ((), (), (), ())
    assert page.money_total == ""
