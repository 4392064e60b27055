"""Views of the chart audit: thin, each checking the role here and the object in a selector."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
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

from . import services
from .checklist import chart_suggestions
from .forms import ChartReviewForm, DrawForm
from .models import POPULATION_RULE, Outcome
from .reports import ALGORITHM, MONITORING_NOTE, findings_csv, month_pdf, month_report, trend_svg
from .sampling import previous_month
from .selectors import (
    audit_item_get_for_auditor,
    billed_lines,
    chosen_lines,
    claim_lines,
    finding_get_for_clinician,
    finding_list_for_clinician,
    month_report_info_fetch_for_auditor,
    next_unreviewed_encounter_id,
    sample_get_for_auditor,
    sample_list_for_auditor,
    scheduled_draw_overdue,
)


def _home(request: AuthenticatedRequest, form: DrawForm) -> HttpResponse:
    samples = sample_list_for_auditor(user=request.user)
    context = {
        "samples": samples,
        "form": form,
        "sample_size": settings.AUDIT_SAMPLE_SIZE,
        "draw_overdue": scheduled_draw_overdue(now=timezone.now()),
    }
    return render(request, "audits/sample_list.html", context)


@require_GET
@role_required(Role.COMPLIANCE)
def audit_home(request: AuthenticatedRequest) -> HttpResponse:
    """The drawn months and the form to draw a month."""
    initial = {"month": f"{previous_month(timezone.localdate()):%Y-%m}"}
    return _home(request, DrawForm(initial=initial))


@require_POST
@role_required(Role.COMPLIANCE)
def sample_draw(request: AuthenticatedRequest) -> HttpResponse:
    """Draw a month (once: a month already drawn shows its stored sample)."""
    form = DrawForm(request.POST)
    if form.is_valid():
        try:
            sample = services.audit_sample_draw(month=form.cleaned_data["month"], user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("month", message)
        else:
            return redirect("audits:sample-detail", month=sample.month)
    return _home(request, form)


@require_GET
@role_required(Role.COMPLIANCE)
def sample_detail(request: AuthenticatedRequest, month: datetime.date) -> HttpResponse:
    """The month's sample and its report: accuracy, findings, trend (AU-1, AU-3)."""
    sample = sample_get_for_auditor(user=request.user, month=month)
    info = month_report_info_fetch_for_auditor(user=request.user, sample=sample, path=request.path)
    report = month_report(info)
    context = {
        "sample": sample,
        "report": report,
        "redraw": services.audit_sample_redraw(sample),
        "trend_svg": mark_safe(trend_svg(report.trend, report.target)),  # noqa: S308 - built here
        "algorithm": ALGORITHM,
        "population_rule": POPULATION_RULE,
        "monitoring_note": MONITORING_NOTE,
        "outcome_choices": Outcome.choices,
    }
    return render(request, "audits/sample_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.COMPLIANCE)
def chart_review(
    request: AuthenticatedRequest, month: datetime.date, encounter_id: int
) -> HttpResponse:
    """One sampled chart, read-only, with the structured review form (AU-3)."""
    sample = sample_get_for_auditor(user=request.user, month=month)
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
                    return redirect("audits:chart-review", month=month, encounter_id=following)
                return redirect("audits:sample-detail", month=month)
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


def _download(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{get_valid_filename(filename)}"'
    return response


@require_GET
@role_required(Role.COMPLIANCE)
def sample_findings_csv(request: AuthenticatedRequest, month: datetime.date) -> HttpResponse:
    """The month's findings, one row per sampled chart."""
    sample = sample_get_for_auditor(user=request.user, month=month)
    info = month_report_info_fetch_for_auditor(
        user=request.user, sample=sample, action=AccessAction.EXPORT, path=request.path
    )
    report = month_report(info)
    return _download(
        findings_csv(report),
        filename=f"audit-findings-{sample.month_label}.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_GET
@role_required(Role.COMPLIANCE)
def sample_report_pdf(request: AuthenticatedRequest, month: datetime.date) -> HttpResponse:
    """The month's report as a PDF to file."""
    sample = sample_get_for_auditor(user=request.user, month=month)
    info = month_report_info_fetch_for_auditor(
        user=request.user, sample=sample, action=AccessAction.EXPORT, path=request.path
    )
    report = month_report(info)
    pdf = month_pdf(report, generated_by=request.user.get_full_name() or request.user.username)
    return _download(
        pdf, filename=f"audit-report-{sample.month_label}.pdf", content_type="application/pdf"
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
