"""URLs of the chart audit: compliance staff's months and charts, the clinician's findings."""

import datetime

from django.urls import path, register_converter

from . import views


class MonthConverter:
    """'2026-01' <-> date(2026, 1, 1); an impossible month is a 404."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        year, month = value.split("-")
        return datetime.date(int(year), int(month), 1)  # ValueError -> no match -> 404

    def to_url(self, value: datetime.date | str) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


register_converter(MonthConverter, "month")

app_name = "audits"

urlpatterns = [
    path("", views.audit_home, name="audit-home"),
    path("draw/", views.sample_draw, name="sample-draw"),
    path("<month:month>/", views.sample_detail, name="sample-detail"),
    path("<month:month>/findings.csv", views.sample_findings_csv, name="sample-findings-csv"),
    path("<month:month>/report.pdf", views.sample_report_pdf, name="sample-report-pdf"),
    path("<month:month>/charts/<int:encounter_id>/", views.chart_review, name="chart-review"),
    path(
        "<month:month>/ratstats-frame.csv",
        views.sample_ratstats_frame,
        name="sample-ratstats-frame",
    ),
    path(
        "<month:month>/ratstats-sample.csv",
        views.sample_ratstats_sample,
        name="sample-ratstats-sample",
    ),
    # Focused and follow-up samples (and any sample) by id.
    path("focused/", views.focused_start, name="focused-start"),
    path("samples/<int:sample_id>/", views.sample_detail, name="sample-detail-by-id"),
    path(
        "samples/<int:sample_id>/findings.csv",
        views.sample_findings_csv,
        name="sample-findings-csv-by-id",
    ),
    path(
        "samples/<int:sample_id>/report.pdf",
        views.sample_report_pdf,
        name="sample-report-pdf-by-id",
    ),
    path(
        "samples/<int:sample_id>/ratstats-frame.csv",
        views.sample_ratstats_frame,
        name="sample-ratstats-frame-by-id",
    ),
    path(
        "samples/<int:sample_id>/ratstats-sample.csv",
        views.sample_ratstats_sample,
        name="sample-ratstats-sample-by-id",
    ),
    path(
        "samples/<int:sample_id>/charts/<int:encounter_id>/",
        views.chart_review,
        name="chart-review-by-id",
    ),
    path("findings/", views.finding_list, name="finding-list"),
    path(
        "findings/<int:review_id>/acknowledge/",
        views.finding_acknowledge,
        name="finding-acknowledge",
    ),
]
