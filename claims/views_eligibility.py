"""Eligibility screens under /billing/eligibility/: a day's schedule with each patient's
coverage state and expected share, the 271 upload, and a coverage's fix.

Thin views: billers only (``role_required``); ``claims.eligibility`` reads and writes.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.decorators import role_required
from accounts.http import AuthenticatedRequest
from accounts.roles import Role
from payers.selectors import payers_active

from . import eligibility
from .forms import CoverageFixForm, EligibilityDayForm, EligibilityUploadForm


def _day(request: AuthenticatedRequest) -> tuple[EligibilityDayForm, datetime.date]:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    form = EligibilityDayForm(request.GET if "date" in request.GET else None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["date"]
    if not form.is_bound:
        form = EligibilityDayForm(initial={"date": tomorrow})
    return form, tomorrow


@require_http_methods(["GET", "POST"])
@role_required(Role.BILLER)
def eligibility_schedule(request: AuthenticatedRequest) -> HttpResponse:
    """A day's visits (tomorrow unless asked) with coverage state; a 271 uploaded here."""
    day_form, day = _day(request)
    upload = EligibilityUploadForm(request.POST or None, request.FILES or None)
    imported = None
    if request.method == "POST" and upload.is_valid():
        file = upload.cleaned_data["file"]
        try:
            imported = eligibility.eligibility_import(
                user=request.user, name=file.name or "upload.271", data=file.read()
            )
        except ValidationError as exc:
            upload.add_error("file", list(exc.messages))
        else:
            upload = EligibilityUploadForm()
    rows = eligibility.eligibility_schedule(user=request.user, day=day, path=request.path)
    context = {
        "day_form": day_form,
        "day": day,
        "rows": rows,
        "upload": upload,
        "imported": imported,
    }
    return render(request, "claims/eligibility_schedule.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.BILLER)
def coverage_fix(request: AuthenticatedRequest, coverage_id: int) -> HttpResponse:
    """Record a patient's new coverage, verified with the payer, in place of this one."""
    coverage = eligibility.coverage_get_for_biller(
        user=request.user, coverage_id=coverage_id, path=request.path
    )
    form = CoverageFixForm(
        request.POST or None,
        payers=payers_active(),
        initial={"payer": coverage.payer_id, "group_number": coverage.group_number},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            eligibility.coverage_fix(
                user=request.user,
                coverage=coverage,
                payer=data.pop("payer"),
                member_id=data.pop("member_id"),
                group_number=data.pop("group_number"),
                values=data,
            )
        except ValidationError as exc:
            form.add_error(None, list(exc.messages))
        else:
            messages.success(request, f"New coverage recorded for {coverage.patient.full_name}.")
            back = request.GET.get("date", "")
            url = reverse("claims:eligibility-schedule")
            return redirect(f"{url}?date={back}" if _iso(back) else url)
    context = {
        "coverage": coverage,
        "form": form,
        "checks": eligibility.coverage_checks(coverage=coverage),
        "back": request.GET.get("date", "") if _iso(request.GET.get("date", "")) else "",
    }
    return render(request, "claims/coverage_fix.html", context)


def _iso(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True
