"""Prior authorization screens for billers: the worklist, recording a new authorization for
a coverage, and changing one. Thin views: ``claims.authorizations`` reads, checks, records."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import role_required
from accounts.http import AuthenticatedRequest
from accounts.roles import Role
from coding.engine.authorization import SERVICE_FAMILIES
from encounters.models import Authorization, Coverage

from . import authorizations
from .authorization_forms import AuthorizationForm


@require_GET
@role_required(Role.BILLER)
def authorization_worklist(request: AuthenticatedRequest) -> HttpResponse:
    """Authorizations ending within 14 days or with two or fewer visits left, and the
    patient's next scheduled visit."""
    today = timezone.localdate()
    worklist = authorizations.authorization_worklist(
        user=request.user,
        today=today,
        page_number=request.GET.get("page") or 1,
        path=request.get_full_path(),
    )
    context = {
        "worklist": worklist,
        "page": worklist.page,
        "today": today,
        "ending_within": authorizations.ENDING_WITHIN_DAYS,
        "few_left": authorizations.FEW_LEFT,
    }
    return render(request, "claims/authorization_worklist.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.BILLER)
def authorization_create(request: AuthenticatedRequest, coverage_id: int) -> HttpResponse:
    """Record a payer's authorization for a coverage; ``?renew=<id>`` starts from one that is
    running out (its services, the day after it ends)."""
    coverage = authorizations.coverage_get_for_biller(
        user=request.user, coverage_id=coverage_id, path=request.path
    )
    if request.method == "POST":
        form = AuthorizationForm(request.POST)
        saved = _save(form, request, coverage=coverage)
        if saved is not None:
            messages.success(request, f"Authorization {saved.number} recorded.")
            return redirect("claims:authorization-worklist")
    else:
        form = AuthorizationForm(initial=_renewal(request, coverage))
    return _render_form(request, form, coverage=coverage, authorization=None)


@require_http_methods(["GET", "POST"])
@role_required(Role.BILLER)
def authorization_update(request: AuthenticatedRequest, authorization_id: int) -> HttpResponse:
    """Change an authorization (an extension: a later last day, more visits)."""
    authorization = authorizations.authorization_get_for_biller(
        user=request.user, authorization_id=authorization_id, path=request.path
    )
    coverage = authorization.coverage
    if request.method == "POST":
        form = AuthorizationForm(request.POST)
        saved = _save(form, request, coverage=coverage, authorization=authorization)
        if saved is not None:
            messages.success(request, f"Authorization {saved.number} saved.")
            return redirect("claims:authorization-worklist")
    else:
        initial = {name: getattr(authorization, name) for name in AuthorizationForm.base_fields}
        form = AuthorizationForm(initial=initial)
    return _render_form(request, form, coverage=coverage, authorization=authorization)


def _save(
    form: AuthorizationForm,
    request: AuthenticatedRequest,
    *,
    coverage: Coverage,
    authorization: Authorization | None = None,
) -> Authorization | None:
    """The service's answer for a valid form; None with the errors on the form otherwise."""
    if not form.is_valid():
        return None
    try:
        return authorizations.authorization_record(
            user=request.user,
            coverage=coverage,
            data=form.cleaned_data,
            authorization=authorization,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return None


def _renewal(request: AuthenticatedRequest, coverage: Coverage) -> dict[str, Any]:
    """Initial values for the authorization that follows ``?renew=<id>`` of this coverage."""
    renew = request.GET.get("renew", "")
    old = None
    if renew.isascii() and renew.isdigit():
        old = authorizations.authorization_of_coverage(coverage=coverage, pk=int(renew))
    if old is None:
        return {"start_date": timezone.localdate(), "counts": "visits"}
    start = old.end_date + datetime.timedelta(days=1)
    return {
        **{family: getattr(old, family) for family in SERVICE_FAMILIES},
        "start_date": start,
        "counts": old.counts,
    }


def _render_form(
    request: AuthenticatedRequest,
    form: AuthorizationForm,
    *,
    coverage: Coverage,
    authorization: Authorization | None,
) -> HttpResponse:
    context = {"form": form, "coverage": coverage, "authorization": authorization}
    return render(request, "claims/authorization_form.html", context)
