"""The rows of the month page's long tables, written here rather than in the template.

A value a Django template prints costs a lookup, a localisation and an escape; a loop, an
``{% include %}``, a filter or a ``{% widthratio %}`` cost more again. At 40 charts and 40
prescribers the month page printed some 1,300 values in its tables (the charts, the figures
by clinician, by code and by prescriber, the prescribers' trend, the strata): about a
third of the request. So each row of those tables is one f-string here, filled from
``audits.reports.MonthReport`` and the sample's strata, every value through ``_text``
(escaped as the template escaped it; Django's ``format_html`` took nearly as long as the
template). ``templates/audits/sample_detail.html`` keeps the tables' headings, their empty
rows and the page's single figures, and prints these rows. The HTML is the same, byte for
byte, as the template wrote it.

Counts and ids are written as digits, as the template wrote them (the project does not
group thousands: ``USE_THOUSAND_SEPARATOR`` is off); amounts through ``localize``, as the
template's ``{{ amount }}`` did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString

from .models import Outcome
from .reports import MonthReport, PrescriberMoney, PrescriberTrend, Tally
from .selectors import ChartInfo, ReviewInfo

# The outcome badge's colours, as templates/audits/partials/outcome_badge.html picks them
# (tests/audits/test_month_page.py holds the two together); any other outcome is red.
OUTCOME_BADGES: dict[str, str] = {
    Outcome.SUPPORTED: "text-bg-success",
    Outcome.UNDER_CODED: "text-bg-info",
}
OTHER_OUTCOME_BADGE = "text-bg-danger"


@dataclass(frozen=True)
class MonthPage:
    """The rows of the month page's long tables, each a piece of escaped HTML."""

    charts: tuple[SafeString, ...]
    by_clinician: tuple[SafeString, ...]
    by_code: tuple[SafeString, ...]
    money: tuple[SafeString, ...]
    money_total: SafeString  # "" without reviews
    prescriber_trend: tuple[SafeString, ...]
    strata: tuple[SafeString, ...]


def _text(value: object) -> str:
    """``{{ value }}`` of a value the page prints: its text, escaped (the stdlib's escape,
    which Django's ``escape`` calls)."""
    return escape(str(value))


def _amount(value: Decimal) -> str:
    return _text(localize(value))


def _outcome(review: ReviewInfo | None) -> str:
    if review is None:
        return '<span class="text-muted">not reviewed</span>'
    badge = OUTCOME_BADGES.get(review.outcome, OTHER_OUTCOME_BADGE)
    return (
        f'<span class="badge {badge}" data-testid="outcome-badge">'
        f"{_text(review.outcome_label)}</span>\n"
    )


def _acknowledged(review: ReviewInfo | None) -> str:
    """Who acknowledged the finding and on which (local) day; "pending" until then."""
    if review is None:
        return ""
    if review.acknowledged_at is None:
        return '<span class="text-muted">pending</span>'
    by = review.acknowledged_by.name if review.acknowledged_by else ""
    return f"{_text(by)}, {timezone.localtime(review.acknowledged_at):%Y-%m-%d}"


def chart_row(chart: ChartInfo, *, detail_url: str) -> SafeString:
    """One sampled chart: its link, what was billed, the outcome, the money, the
    prescriber's acknowledgement."""
    review = chart.review
    difference = review.difference if review is not None else None
    encounter = _text(chart.encounter_id)
    return SafeString(
        '<tr data-testid="sample-chart">\n'
        f"      <td>{_text(chart.position)}</td>\n"
        f'      <td><a href="{_text(detail_url)}charts/{encounter}/" data-testid="chart-link">'
        f"Encounter {encounter}</a></td>\n"
        f"      <td>{chart.date_of_service.isoformat()}</td>\n"
        f"      <td>{_text(chart.clinician_name)}</td>\n"
        f"      <td><code>{_text(chart.billed_text or 'nothing billed')}</code></td>\n"
        f'      <td data-testid="chart-outcome">{_outcome(review)}</td>\n'
        f"      <td><code>{_text(review.reviewer_code if review else '')}</code></td>\n"
        '      <td class="text-end" data-testid="chart-difference">'
        f"{'' if difference is None else '$' + _amount(difference)}</td>\n"
        f'      <td class="small">{_acknowledged(review)}</td>\n'
        "    </tr>"
    )


def _number_cells(values: Iterable[object]) -> str:
    return "".join(f'<td class="text-end">{_text(value)}</td>' for value in values)


def _percent_of(part: int, whole: int) -> int:
    """The rounded percent, as ``{% widthratio part whole 100 %}`` printed it."""
    return round(part / whole * 100) if whole else 0


def clinician_row(tally: Tally) -> SafeString:
    """A clinician's reviewed and supported charts, and the accuracy in percent."""
    accuracy = f"{_percent_of(tally.supported, tally.reviewed)}%"
    cells = _number_cells((tally.reviewed, tally.supported, accuracy))
    return SafeString(f"<tr><td>{_text(tally.label)}</td>{cells}</tr>")


def code_row(tally: Tally) -> SafeString:
    """A billed code and its charts by outcome, in ``Outcome`` order."""
    cells = _number_cells(n for _, n in tally.outcome_counts)
    return SafeString(f"<tr><td><code>{_text(tally.label)}</code></td>{cells}</tr>")


def money_row(money: PrescriberMoney, *, total: bool = False) -> SafeString:
    """A prescriber's error rate and over- and under-payment; or all charts' (``total``)."""
    attrs = (
        ' class="fw-semibold" data-testid="money-total"' if total else ' data-testid="money-row"'
    )
    cells = _number_cells((money.reviewed, money.error_rate_text))
    amounts = "".join(
        f'<td class="text-end">${_amount(value)}</td>'
        for value in (money.overpaid, money.underpaid, money.net)
    )
    return SafeString(f"<tr{attrs}><td>{_text(money.label)}</td>{cells}{amounts}</tr>")


def trend_row(trend: PrescriberTrend) -> SafeString:
    """A prescriber's accuracy in each month of the trend."""
    return SafeString(f"<tr><td>{_text(trend.label)}</td>{_number_cells(trend.cells)}</tr>")


def stratum_row(stratum: Mapping[str, Any]) -> SafeString:
    """One clinician's stratum: charts signed, drawn before in the quarter, minimum, drawn.

    As the template printed them: a null (a sample drawn before ``drawn_before`` was
    stored) prints "None", a key the stratum lacks prints nothing.
    """
    counts = _number_cells(
        stratum.get(key, "") for key in ("signed", "drawn_before", "minimum", "drawn")
    )
    return SafeString(f"<tr><td>{_text(stratum.get('clinician_id', ''))}</td>{counts}</tr>")


def month_page(
    report: MonthReport, *, detail_url: str, strata: Iterable[Mapping[str, Any]] = ()
) -> MonthPage:
    """The rows of the page's long tables, from the month's report and the sample's strata
    (each with its size: ``AuditSample.strata_rows``)."""
    total = report.money_total if report.money else None
    return MonthPage(
        charts=tuple(chart_row(chart, detail_url=detail_url) for chart in report.rows),
        by_clinician=tuple(clinician_row(tally) for tally in report.by_clinician),
        by_code=tuple(code_row(tally) for tally in report.by_code),
        money=tuple(money_row(money) for money in report.money),
        money_total=money_row(total, total=True) if total is not None else SafeString(""),
        prescriber_trend=tuple(trend_row(trend) for trend in report.prescriber_trend),
        strata=tuple(stratum_row(stratum) for stratum in strata),
    )
