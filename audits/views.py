"""Views of the chart audit: thin, each checking the role here and the object in a selector."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.http import AuthenticatedRequest
from accounts.models import AccessAction
from accounts.roles import Role

from . import selectors, services
from .checklist import chart_suggestions
from .forms import ChartReviewForm, DrawForm, FocusedAuditForm
from .models import AuditSample, Outcome
from .month_page import month_page
from .reports import (
    ALGORITHM,
    MONEY_NOTE,
    MONITORING_NOTE,
    MonthReport,
    findings_csv,
    month_pdf,
    month_report,
    ratstats_frame_csv,
    ratstats_sample_csv,
    trend_svg,
)
from .sampling import next_month, previous_month
from .selectors import (
    audit_item_get_for_auditor,
    billed_lines,
    chosen_lines,
    claim_lines,
    finding_get_for_clinician,
    finding_list_for_clinician,
    focus_choices,
    month_report_info_fetch_for_auditor,
    next_unreviewed_encounter_id,
    ratstats_frame_fetch,
    ratstats_frame_fetch_for_auditor,
    sample_get_for_auditor,
    sample_list_for_auditor,
    scheduled_draw_overdue,
)


def _focused_form(data: Any = None) -> FocusedAuditForm:
    clinicians, payers = focus_choices()
    last = previous_month(timezone.localdate())
    initial = {
        "date_from": last,
        "date_to": next_month(last) - datetime.timedelta(days=1),
        "size": settings.AUDIT_FOCUSED_DEFAULT_SIZE,
    }
    return FocusedAuditForm(data, initial=initial, clinicians=clinicians, payers=payers)


def _home(
    request: AuthenticatedRequest, form: DrawForm, focused: FocusedAuditForm | None = None
) -> HttpResponse:
    samples = sample_list_for_auditor(user=request.user)
    context = {
        "samples": samples,
        "form": form,
        "focused_form": focused or _focused_form(),
        "sample_size": settings.AUDIT_SAMPLE_SIZE,
        "draw_overdue": scheduled_draw_overdue(now=timezone.now()),
    }
    return render(request, "audits/sample_list.html", context)


def _draw_form() -> DrawForm:
    return DrawForm(initial={"month": f"{previous_month(timezone.localdate()):%Y-%m}"})


@require_GET
@role_required(Role.COMPLIANCE)
def audit_home(request: AuthenticatedRequest) -> HttpResponse:
    """The drawn samples, the form to draw a month and the form to start a focused audit."""
    return _home(request, _draw_form())


@require_POST
@role_required(Role.COMPLIANCE)
def focused_start(request: AuthenticatedRequest) -> HttpResponse:
    """Start a focused (probe) audit: draw its charts once, then open it."""
    form = _focused_form(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        focus = services.Focus(
            date_from=data["date_from"],
            date_to=data["date_to"],
            clinician_id=data["clinician"],
            codes=data["codes"],
            payer_id=data["payer"],
            documentation_denials=data["documentation_denials"],
        )
        try:
            sample = services.focused_audit_start(
                user=request.user, focus=focus, size=data["size"], seed=data["seed"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            charts = selectors.sample_chart_count(sample)
            messages.success(request, f"Focused audit drawn: {charts} chart(s).")
            return redirect(sample.detail_url)
    return _home(request, _draw_form(), form)


@require_POST
@role_required(Role.COMPLIANCE)
def sample_draw(request: AuthenticatedRequest) -> HttpResponse:
    """Draw a month (once: a month already drawn shows its stored sample)."""
    form = DrawForm(request.POST)
    if form.is_valid():
        try:
            sample = services.audit_month_draw(month=form.cleaned_data["month"], user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("month", message)
        else:
            return redirect("audits:sample-detail", month=sample.month)
    return _home(request, form)


def _sample(
    request: AuthenticatedRequest,
    month: datetime.date | None,
    sample_id: int | None,
    *,
    population: bool = False,
) -> AuditSample:
    """The sample of the URL: a month's (by month) or any sample (by id); its stored
    population's ids only when ``population`` (the RAT-STATS frame lists them)."""
    return sample_get_for_auditor(
        user=request.user, month=month, sample_id=sample_id, population=population
    )


# Reads, and one INSERT (the access record) that needs no transaction of its own: no BEGIN
# and COMMIT round trips on every page, as the claim queue (issue 14).
@transaction.non_atomic_requests
@require_GET
@role_required(Role.COMPLIANCE)
def sample_detail(
    request: AuthenticatedRequest,
    month: datetime.date | None = None,
    sample_id: int | None = None,
) -> HttpResponse:
    """The sample and its report: accuracy, money, findings, trends (AU-1, AU-3)."""
    sample = _sample(request, month, sample_id)
    info = month_report_info_fetch_for_auditor(user=request.user, sample=sample, path=request.path)
    report = month_report(info)
    context = {
        "sample": sample,
        "report": report,
        "page": month_page(report, detail_url=sample.detail_url, strata=sample.strata_rows),
        "trend_svg": mark_safe(trend_svg(report.trend, report.target)),  # noqa: S308 - built here
        "algorithm": ALGORITHM,
        "monitoring_note": MONITORING_NOTE,
        "money_note": MONEY_NOTE,
        "outcome_choices": Outcome.choices,
    }
    return render(request, "audits/sample_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.COMPLIANCE)
def chart_review(
    request: AuthenticatedRequest,
    encounter_id: int,
    month: datetime.date | None = None,
    sample_id: int | None = None,
) -> HttpResponse:
    """One sampled chart, read-only, with the structured review form (AU-3)."""
    sample = _sample(request, month, sample_id)
    item = audit_item_get_for_auditor(
        user=request.user, sample=sample, encounter_id=encounter_id, path=request.path
    )
    lines = billed_lines(item.encounter)
    suggestions = chart_suggestions(item.encounter, lines)
    claim = claim_lines(item.encounter)
    review = getattr(item, "review", None)
    if request.method == "POST":
        form = ChartReviewForm(request.POST, instance=review)
        if form.is_valid():
            try:
                services.chart_review_save(user=request.user, item=item, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Review of chart #{item.position} saved.")
                following = next_unreviewed_encounter_id(sample)
                if following is not None:
                    return redirect(sample.url("chart-review", encounter_id=following))
                return redirect(sample.detail_url)
    else:
        form = ChartReviewForm(instance=review, initial=None if review else suggestions.initial())
    context = {
        "sample": sample,
        "item": item,
        "encounter": item.encounter,
        "billed_lines": lines,
        "chosen_lines": chosen_lines(item.encounter),
        "claim_lines": claim,
        "claim": getattr(item.encounter, "claim", None) if claim is not None else None,
        "suggestions": suggestions,
        "form": form,
        "review": review,
    }
    return render(request, "audits/chart_review.html", context)


def _exported_report(
    request: AuthenticatedRequest,
    month: datetime.date | None,
    sample_id: int | None,
    *,
    population: bool = False,
) -> tuple[AuditSample, MonthReport]:
    """The sample of the URL and its report, read for a download (recorded as an export)."""
    sample = _sample(request, month, sample_id, population=population)
    info = month_report_info_fetch_for_auditor(
        user=request.user, sample=sample, action=AccessAction.EXPORT, path=request.path
    )
    return sample, month_report(info)


def _download(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{get_valid_filename(filename)}"'
    return response


@require_GET
@role_required(Role.COMPLIANCE)
def sample_findings_csv(
    request: AuthenticatedRequest,
    month: datetime.date | None = None,
    sample_id: int | None = None,
) -> HttpResponse:
    """The sample's findings, one row per sampled chart."""
    sample, report = _exported_report(request, month, sample_id)
    return _download(
        findings_csv(report),
        filename=f"audit-findings-{sample.month_label}.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_GET
@role_required(Role.COMPLIANCE)
def sample_report_pdf(
    request: AuthenticatedRequest,
    month: datetime.date | None = None,
    sample_id: int | None = None,
) -> HttpResponse:
    """The sample's report as a PDF to file."""
    sample, report = _exported_report(request, month, sample_id)
    pdf = month_pdf(report, generated_by=request.user.get_full_name() or request.user.username)
    return _download(
        pdf, filename=f"audit-report-{sample.month_label}.pdf", content_type="application/pdf"
    )


@require_GET
@role_required(Role.COMPLIANCE)
def sample_ratstats_frame(
    request: AuthenticatedRequest,
    month: datetime.date | None = None,
    sample_id: int | None = None,
) -> HttpResponse:
    """The sampling frame for RAT-STATS: every chart of the population and its billed amount."""
    sample = _sample(request, month, sample_id, population=True)
    frame = ratstats_frame_fetch_for_auditor(user=request.user, sample=sample, path=request.path)
    return _download(
        ratstats_frame_csv(frame),
        filename=f"ratstats-frame-{sample.month_label}.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_GET
@role_required(Role.COMPLIANCE)
def sample_ratstats_sample(
    request: AuthenticatedRequest,
    month: datetime.date | None = None,
    sample_id: int | None = None,
) -> HttpResponse:
    """The sample for RAT-STATS: item number, examined, audited and difference values."""
    sample, report = _exported_report(request, month, sample_id, population=True)
    frame = ratstats_frame_fetch(sample=sample)
    return _download(
        ratstats_sample_csv(report, frame),
        filename=f"ratstats-sample-{sample.month_label}.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_GET
@role_required(Role.PRESCRIBER)
def finding_list(request: AuthenticatedRequest) -> HttpResponse:
    """The prescriber's reviewed charts with outcome and comment."""
    findings = finding_list_for_clinician(user=request.user, path=request.path)
    return render(request, "audits/finding_list.html", {"findings": findings})


@require_POST
@role_required(Role.PRESCRIBER)
def finding_acknowledge(request: AuthenticatedRequest, review_id: int) -> HttpResponse:
    """The prescriber acknowledges a finding on their chart."""
    review = finding_get_for_clinician(user=request.user, review_id=review_id)
    review = services.finding_acknowledge(user=request.user, review=review)
    if request.htmx:
        response = render(request, "audits/finding_list.html#finding-row", {"finding": review})
    else:
        messages.success(request, "Finding acknowledged.")
        response = redirect("audits:finding-list")
    patch_vary_headers(response, ["HX-Request"])
    return response
