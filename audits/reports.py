"""The month's audit report: its figures, an SVG trend chart, a CSV of findings and a PDF.

``month_report`` computes every figure (accuracy against AUDIT_ACCURACY_TARGET,
findings by checklist item, by clinician and by billed code, the 12-month
trend) from the ``MonthReportInfo`` that ``audits.selectors.month_report_info_fetch``
loads. Nothing here queries the database, so the page, the CSV and the PDF show
the same numbers and cost the same few queries however many charts were drawn.
"""

from __future__ import annotations

import datetime
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import NamedTuple

from django.utils import timezone
from fpdf import FPDF
from fpdf.fonts import FontFace

from accounts.csv_export import csv_document

from .models import CHECKLIST, POPULATION_RULE, AuditSample, Check, Outcome
from .sampling import months_back
from .selectors import (
    PRESCRIBER_TREND_MONTHS,
    TREND_MONTHS,
    ChartInfo,
    ClinicianMonth,
    FrameRow,
    MonthReportInfo,
    ReviewInfo,
    TrendPoint,
)

TITLE_TAG = re.compile(r"<title[^>]*>.*?</title>", re.S)
MONITORING_NOTE = (
    "A draw of this size is a monitoring sample: it shows trends over months and points "
    "to charts worth a closer look. It cannot be extrapolated to all claims (AU-3)."
)
MONEY_NOTE = (
    "Dollar figures are the payer's expected (allowed) amounts from the fee schedule: billed "
    "as on the claim, audited as the reviewer would bill. They are the sampled charts' own "
    "over- and under-payments, not an estimate for the practice: a monitoring sample cannot "
    "be extrapolated. An extrapolation needs a statistically valid sample appraised by an "
    "auditor (the RAT-STATS files below)."
)
ALGORITHM = (
    f"Population: {POPULATION_RULE} Its ids, in that order, are population_ids (size N). "
    "Sample: random.Random(seed).sample(population_ids, min(k, N)). "
    "Stratified draws first take, with the same generator, rng.choice(ids of each clinician, "
    "by clinician id), then rng.sample(remaining ids, k - clinicians)."
)


# Figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Outcomes of a group of reviewed charts."""

    label: str
    reviewed: int
    supported: int
    outcome_counts: tuple[tuple[str, int], ...]  # (outcome label, charts), in Outcome order

    @property
    def accuracy(self) -> float | None:
        return self.supported / self.reviewed if self.reviewed else None


class CheckCount(NamedTuple):
    """One checklist item over the month's reviews."""

    label: str
    not_met: int
    applicable: int  # reviews where the item was not "not applicable"


@dataclass(frozen=True)
class PrescriberMoney:
    """A prescriber's reviewed charts: error rate and the net over- and under-payment."""

    label: str
    reviewed: int
    supported: int
    overpaid: Decimal  # sum of billed - audited where billed more
    underpaid: Decimal  # sum of audited - billed where billed less (a positive figure)

    @property
    def error_rate(self) -> float | None:
        return (self.reviewed - self.supported) / self.reviewed if self.reviewed else None

    @property
    def error_rate_text(self) -> str:
        return percent(self.error_rate)

    @property
    def net(self) -> Decimal:
        """Above zero: the practice was overpaid on these charts; below zero: underpaid."""
        return self.overpaid - self.underpaid


@dataclass(frozen=True)
class PrescriberTrend:
    """A prescriber's accuracy in each of the trend's months (None: nothing reviewed)."""

    label: str
    points: tuple[tuple[int, int], ...]  # (supported, reviewed) per month of the trend

    def accuracy(self, index: int) -> float | None:
        supported, reviewed = self.points[index]
        return supported / reviewed if reviewed else None

    @property
    def cells(self) -> tuple[str, ...]:
        return tuple(
            f"{percent(self.accuracy(i))} ({s}/{r})" if r else "-"
            for i, (s, r) in enumerate(self.points)
        )


@dataclass(frozen=True)
class MonthReport:
    """The month's figures, as the page, the CSV and the PDF show them."""

    sample: AuditSample
    charts: int
    target: float
    overall: Tally
    by_check: tuple[CheckCount, ...]
    by_clinician: tuple[Tally, ...]
    by_code: tuple[Tally, ...]
    trend: tuple[TrendPoint, ...]
    rows: tuple[ChartInfo, ...]
    money: tuple[PrescriberMoney, ...] = ()
    money_total: PrescriberMoney | None = None
    trend_months: tuple[datetime.date, ...] = ()
    prescriber_trend: tuple[PrescriberTrend, ...] = ()

    @property
    def accuracy(self) -> float | None:
        return self.overall.accuracy

    @property
    def meets_target(self) -> bool | None:
        accuracy = self.accuracy
        return None if accuracy is None else accuracy >= self.target


def tally(label: str, reviews: Iterable[ReviewInfo]) -> Tally:
    """Reviewed, supported and each outcome's count over ``reviews``."""
    outcomes = Counter(review.outcome for review in reviews)
    return Tally(
        label=label,
        reviewed=sum(outcomes.values()),
        supported=outcomes[Outcome.SUPPORTED],
        outcome_counts=tuple((name, outcomes[value]) for value, name in Outcome.choices),
    )


def findings_by_check(reviews: Iterable[ReviewInfo]) -> tuple[CheckCount, ...]:
    """For each checklist item: reviews that found it not met, and reviews it applied to."""
    not_met: Counter[str] = Counter()
    applicable: Counter[str] = Counter()
    for review in reviews:
        for name, value in review.checks:
            applicable[name] += value != Check.NOT_APPLICABLE
            not_met[name] += value == Check.NOT_MET
    return tuple(
        CheckCount(label, not_met[name], applicable[name]) for name, label in CHECKLIST.items()
    )


def accuracy_trend(
    month_counts: Iterable[TrendPoint], *, last_month: datetime.date, months: int = TREND_MONTHS
) -> tuple[TrendPoint, ...]:
    """One point per month of the ``months`` ending at ``last_month``; undrawn months count 0."""
    drawn = {point.month: point for point in month_counts}
    return tuple(
        drawn.get(m, TrendPoint(month=m, reviewed=0, supported=0))
        for m in months_back(last_month, months)
    )


def prescriber_money(label: str, reviews: Iterable[ReviewInfo]) -> PrescriberMoney:
    """Error rate and the over- and under-payment over ``reviews`` (unpriced reviews add 0)."""
    reviewed = supported = 0
    over = under = Decimal("0.00")
    for review in reviews:
        reviewed += 1
        supported += review.is_supported
        difference = review.difference or Decimal("0.00")
        if difference > 0:
            over += difference
        else:
            under -= difference
    return PrescriberMoney(label, reviewed, supported, over, under)


def prescriber_trend(
    clinician_months: Iterable[ClinicianMonth], months: Sequence[datetime.date]
) -> tuple[PrescriberTrend, ...]:
    """One row per prescriber with reviews in ``months``: their accuracy month by month."""
    cells: dict[str, dict[datetime.date, tuple[int, int]]] = {}
    for row in clinician_months:
        seen = cells.setdefault(row.clinician_name, {}).get(row.month, (0, 0))
        cells[row.clinician_name][row.month] = (
            seen[0] + row.supported,
            seen[1] + row.reviewed,
        )
    return tuple(
        PrescriberTrend(name, tuple(cells[name].get(m, (0, 0)) for m in months))
        for name in sorted(cells)
    )


def month_report(info: MonthReportInfo) -> MonthReport:
    """Accuracy against the target, findings by checklist item, clinician and code (AU-3)."""
    reviewed = [(chart, chart.review) for chart in info.charts if chart.review is not None]
    by_clinician: dict[str, list[ReviewInfo]] = {}
    by_code: dict[str, list[ReviewInfo]] = {}
    for chart, review in reviewed:
        by_clinician.setdefault(chart.clinician_name, []).append(review)
        for code in dict.fromkeys(chart.billed_codes):  # a code billed twice counts once
            by_code.setdefault(code, []).append(review)
    reviews = [review for _, review in reviewed]
    return MonthReport(
        sample=info.sample,
        charts=len(info.charts),
        target=info.target,
        overall=tally("All charts", reviews),
        by_check=findings_by_check(reviews),
        by_clinician=tuple(tally(name, by_clinician[name]) for name in sorted(by_clinician)),
        by_code=tuple(tally(code, by_code[code]) for code in sorted(by_code)),
        trend=accuracy_trend(info.month_counts, last_month=info.sample.month),
        rows=info.charts,
        money=tuple(prescriber_money(name, by_clinician[name]) for name in sorted(by_clinician)),
        money_total=prescriber_money("All charts", reviews),
        trend_months=tuple(months_back(info.sample.month, PRESCRIBER_TREND_MONTHS)),
        prescriber_trend=prescriber_trend(
            info.clinician_months, months_back(info.sample.month, PRESCRIBER_TREND_MONTHS)
        ),
    )


# Renderings ----------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def trend_svg(trend: Sequence[TrendPoint], target: float) -> str:
    """A bar chart of monthly accuracy with the target as a dashed line (no JavaScript)."""
    width, height, left, bottom, top = 640, 220, 40, 30, 12
    plot_h = height - bottom - top
    slot = (width - left - 10) / max(len(trend), 1)

    def y(fraction: float) -> float:
        return top + plot_h * (1 - fraction)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="trend-title" '
        'font-family="Helvetica, Arial, sans-serif" font-size="11">',
        '<title id="trend-title">Audit accuracy by month, last 12 months</title>',
    ]
    for tick in (0, 0.5, 1):
        parts.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - 10}" y2="{y(tick):.1f}" '
            'stroke="#dee2e6"/>'
            f'<text x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#6c757d">'
            f"{tick * 100:.0f}%</text>"
        )
    for i, point in enumerate(trend):
        x = left + i * slot
        label = escape(f"{point.month:%m/%y}")
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{height - 12}" text-anchor="middle" '
            f'fill="#495057">{label}</text>'
        )
        if point.accuracy is None:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{y(0) - 4:.1f}" text-anchor="middle" '
                'fill="#adb5bd">-</text>'
            )
            continue
        colour = "#198754" if point.accuracy >= target else "#dc3545"
        bar_h = plot_h * point.accuracy
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{y(point.accuracy):.1f}" '
            f'width="{slot * 0.7:.1f}" height="{bar_h:.1f}" fill="{colour}">'
            f"<title>{label}: {point.supported}/{point.reviewed} supported</title></rect>"
            f'<text x="{x + slot / 2:.1f}" y="{y(point.accuracy) - 3:.1f}" '
            f'text-anchor="middle" fill="#212529">{percent(point.accuracy)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{y(target):.1f}" x2="{width - 10}" y2="{y(target):.1f}" '
        'stroke="#0d6efd" stroke-dasharray="6 4" stroke-width="1.5"/>'
        f'<text x="{width - 12}" y="{y(target) - 4:.1f}" text-anchor="end" fill="#0d6efd">'
        f"target {percent(target)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


CSV_HEADER = [
    "month",
    "position",
    "encounter",
    "date_of_service",
    "clinician",
    "billed",
    "outcome",
    "reviewer_code",
    "billed_amount",
    "audited_amount",
    "difference",
    *CHECKLIST,
    "comment",
    "reviewer",
    "reviewed_at",
    "acknowledged_by",
    "acknowledged_at",
]


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def findings_csv(report: MonthReport) -> str:
    """One row per sampled chart: the billed codes, the outcome and each checklist answer.

    A 42 CFR Part 2 (substance use) chart is left out: a CSV file travels where the
    record's protections do not follow it. Written by ``accounts.csv_export``, which
    escapes text a spreadsheet would run.
    """
    rows: list[list[object]] = []
    for chart in report.rows:
        if chart.part2:
            continue
        review = chart.review
        row: list[object] = [
            report.sample.month_label,
            chart.position,
            chart.encounter_id,
            chart.date_of_service.isoformat(),
            chart.clinician_name,
            chart.billed_text,
        ]
        if review is None:
            row += ["not reviewed", "", "", "", "", *([""] * len(CHECKLIST)), "", "", "", "", ""]
        else:
            row += [
                review.outcome,
                review.reviewer_code,
                _money(review.billed_amount),
                _money(review.audited_amount),
                _money(review.difference),
                *(value for _name, value in review.checks),
                review.comment,
                review.reviewer.username,
                timezone.localtime(review.reviewed_at).isoformat(timespec="minutes"),
                review.acknowledged_by.username if review.acknowledged_by else "",
                timezone.localtime(review.acknowledged_at).isoformat(timespec="minutes")
                if review.acknowledged_at
                else "",
            ]
        rows.append(row)
    return csv_document(CSV_HEADER, rows)


FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian package fonts-dejavu-core
FONT = "DejaVu"
TREND_HEIGHT = 180 * 220 / 640  # the chart is drawn 180 mm wide; trend_svg is 640 x 220


class _ReportPdf(FPDF):
    """A Letter page with a Unicode font, so "Zoë Ñúñez" and "Đặng" print as written."""

    title_text = ""

    def __init__(self) -> None:
        super().__init__(format="Letter")
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 6, f"{self.title_text} - page {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str, *, keep_with: float = 0) -> None:
        """A section heading; a new page first when the ``keep_with`` mm after it do not fit."""
        if self.get_y() + 7 + keep_with > self.page_break_trigger:
            self.add_page()
        self.set_font(FONT, "B", 12)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=10)


def _table(pdf: FPDF, header: list[str], rows: list[list[object]], widths: list[int]) -> None:
    """A bordered table whose long cells wrap (the header repeats on a new page)."""
    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=tuple(widths),
        width=sum(widths),
        align="LEFT",
        line_height=5,
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD"),
    ) as table:
        cells: list[object]
        for cells in [list[object](header), *rows]:
            line = table.row()
            for value in cells:
                line.cell(str(value))
    pdf.ln(3)


def month_pdf(report: MonthReport, *, generated_by: str) -> bytes:
    """The month's audit report as a PDF a compliance officer can file."""
    sample = report.sample
    pdf = _ReportPdf()
    pdf.title_text = f"Chart audit {sample.month_label}"
    pdf.set_title(pdf.title_text)
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    heading = (
        f"Monthly chart audit - {sample.month_label}"
        if sample.is_monthly
        else f"{sample.get_kind_display()} - {sample.title}"
    )
    pdf.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)

    def para(text: str) -> None:
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")

    drawn = timezone.localtime(sample.drawn_at).strftime("%Y-%m-%d %H:%M")
    para(
        f"Drawn {drawn} with seed {sample.seed} from {sample.population_size} signed encounters; "
        f"{report.charts} chart(s) in the sample (sample size {sample.requested_size})."
    )
    if sample.took_all:
        para("The month had fewer signed encounters than the sample size: all were taken.")
    if sample.stratification_note:
        para(sample.stratification_note)
    para("How to redraw: " + ALGORITHM)
    pdf.ln(2)
    pdf.heading("Accuracy")
    verdict = {True: "met", False: "not met", None: "no reviews yet"}[report.meets_target]
    para(
        f"Accuracy (supported / reviewed): {report.overall.supported}/{report.overall.reviewed} = "
        f"{percent(report.accuracy)}; target {percent(report.target)} ({verdict})."
    )
    para(MONITORING_NOTE)
    pdf.ln(2)
    outcome_labels = [label for _, label in Outcome.choices]
    _table(
        pdf,
        ["Checklist item", "Not met", "Applicable"],
        [[label, n, a] for label, n, a in report.by_check],
        [140, 25, 25],
    )
    _table(
        pdf,
        ["Clinician", "Reviewed", "Supported", "Accuracy"],
        [[t.label, t.reviewed, t.supported, percent(t.accuracy)] for t in report.by_clinician],
        [100, 30, 30, 30],
    )
    _table(
        pdf,
        ["Billed code", *[label.split(" (")[0] for label in outcome_labels]],
        [[t.label, *[n for _, n in t.outcome_counts]] for t in report.by_code],
        [38, 38, 38, 38, 38],
    )
    _table(
        pdf,
        ["#", "Encounter", "Date", "Clinician", "Billed", "Outcome", "Would bill"],
        [
            [
                chart.position,
                chart.encounter_id,
                chart.date_of_service.isoformat(),
                chart.clinician_name,
                chart.billed_text,
                chart.review.outcome_label.split(" (")[0] if chart.review else "not reviewed",
                chart.review.reviewer_code if chart.review else "",
            ]
            for chart in report.rows
        ],
        [8, 20, 22, 40, 36, 32, 32],
    )
    pdf.heading("Error rate and payments by prescriber", keep_with=20)
    _table(
        pdf,
        ["Prescriber", "Reviewed", "Error rate", "Overpaid", "Underpaid", "Net"],
        [
            [
                m.label,
                m.reviewed,
                percent(m.error_rate),
                f"${m.overpaid:.2f}",
                f"${m.underpaid:.2f}",
                f"${m.net:.2f}",
            ]
            for m in (*report.money, *([report.money_total] if report.money_total else []))
        ],
        [60, 22, 24, 28, 28, 28],
    )
    para(MONEY_NOTE)
    pdf.ln(2)
    if report.prescriber_trend:
        pdf.heading("Accuracy by prescriber, last 6 months", keep_with=20)
        _table(
            pdf,
            ["Prescriber", *[f"{m:%m/%y}" for m in report.trend_months]],
            [[t.label, *t.cells] for t in report.prescriber_trend],
            [40, *([25] * len(report.trend_months))],
        )
    comments = [
        (chart.position, chart.review.comment)
        for chart in report.rows
        if chart.review and chart.review.comment
    ]
    if comments:
        pdf.heading("Reviewer comments")
        for position, comment in comments:
            para(f"#{position}: {comment}")
        pdf.ln(2)
    pdf.heading("Trend, last 12 months", keep_with=TREND_HEIGHT)
    svg = TITLE_TAG.sub("", trend_svg(report.trend, report.target))  # fpdf2 skips <title>
    pdf.image(io.BytesIO(svg.encode()), w=180)
    pdf.ln(4)
    para(
        f"Generated {timezone.localtime():%Y-%m-%d %H:%M} by {generated_by}. "
        "Filed by: ______________________   Date: ____________"
    )
    return bytes(pdf.output())


# RAT-STATS files -------------------------------------------------------------------------
#
# Layouts for RAT-STATS (HHS-OIG), Variable Appraisals > Unrestricted: one row per item,
# the sample item number first, then the value columns in RAT-STATS's order (examined,
# audited, difference). See docs/audits.md for the module, the layout and the sources.

RATSTATS_FRAME_HEADER = ["frame_item", "encounter_id", "date_of_service", "billed_amount"]
RATSTATS_SAMPLE_HEADER = [
    "sample_item",
    "examined_value",
    "audited_value",
    "difference_value",
]


def ratstats_frame_csv(frame: Sequence[FrameRow]) -> str:
    """The sampling frame: every chart of the population, numbered 1..N in population order,
    with the amount billed (the universe the sample was drawn from)."""
    rows: list[list[object]] = [
        [
            row.frame_item,
            row.encounter_id,
            row.date_of_service.isoformat(),
            _money(row.billed_amount),
        ]
        for row in frame
    ]
    return csv_document(RATSTATS_FRAME_HEADER, rows)


def ratstats_sample_csv(report: MonthReport, frame: Sequence[FrameRow]) -> str:
    """The reviewed sample: each chart's frame item number (the frame file maps it to the
    encounter), examined (billed), audited and difference values, in sample item order.
    A chart not reviewed yet has no audited value: RAT-STATS needs every item reviewed
    before it appraises."""
    number = {row.encounter_id: row.frame_item for row in frame}
    rows: list[list[object]] = []
    for chart in sorted(report.rows, key=lambda c: number.get(c.encounter_id, 0)):
        review = chart.review
        rows.append(
            [
                number.get(chart.encounter_id, ""),
                _money(review.billed_amount) if review else "",
                _money(review.audited_amount) if review else "",
                _money(review.difference) if review else "",
            ]
        )
    return csv_document(RATSTATS_SAMPLE_HEADER, rows)
