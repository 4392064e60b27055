"""Payer screens for the practice admin: the payers, one payer's profile and fee schedule.

Thin views: each checks the role with its decorator and gets the payer from a selector;
services do the writes and record every change.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.http import AuthenticatedRequest
from accounts.roles import Role

from . import services
from .forms import FeeForm, PayerForm
from .models import Payer
from .selectors import payer_fee, payer_get_for_admin, payer_list_for_admin


def _form_errors(form: BaseForm, exc: ValidationError) -> None:
    """Put a service's errors next to the form's fields (others at the top of the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@require_GET
@role_required(Role.ADMIN)
def payer_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request, "payers/payer_list.html", {"payers": payer_list_for_admin(user=request.user)}
    )


def _payer_page(
    request: AuthenticatedRequest, payer: Payer, form: PayerForm, fee_form: FeeForm
) -> HttpResponse:
    context = {"payer": payer, "form": form, "fee_form": fee_form}
    return render(request, "payers/payer_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def payer_detail(request: AuthenticatedRequest, payer_id: int) -> HttpResponse:
    """The payer's profile form, fee schedule and change history."""
    payer = payer_get_for_admin(user=request.user, payer_id=payer_id)
    if request.method == "POST":
        form = PayerForm(request.POST, instance=payer)
        if form.is_valid():
            try:
                services.payer_update(user=request.user, payer=payer, data=form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, f"{payer.name}: profile saved.")
                return redirect("payers:payer-detail", payer_id=payer.pk)
        payer = payer_get_for_admin(user=request.user, payer_id=payer_id)
    else:
        form = PayerForm(instance=payer)
    return _payer_page(request, payer, form, FeeForm())


@require_POST
@role_required(Role.ADMIN)
def fee_save(request: AuthenticatedRequest, payer_id: int) -> HttpResponse:
    """Add or change one fee schedule amount."""
    payer = payer_get_for_admin(user=request.user, payer_id=payer_id)
    form = FeeForm(request.POST)
    if form.is_valid():
        try:
            services.fee_set(user=request.user, payer=payer, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Fee for {form.cleaned_data['code'].upper()} saved.")
            return redirect("payers:payer-detail", payer_id=payer.pk)
    return _payer_page(request, payer, PayerForm(instance=payer), form)


@require_POST
@role_required(Role.ADMIN)
def fee_delete(request: AuthenticatedRequest, payer_id: int, fee_id: int) -> HttpResponse:
    payer = payer_get_for_admin(user=request.user, payer_id=payer_id)
    entry = payer_fee(payer, fee_id)
    services.fee_delete(user=request.user, entry=entry)
    messages.success(request, f"Fee for {entry.code} removed.")
    return redirect("payers:payer-detail", payer_id=payer.pk)
