"""Payer screens for the practice admin: the payers, one payer's profile and fee schedule,
and the drug table (add, edit, end-date).

Thin views: each checks the role with its decorator and gets the payer from a selector;
services do the writes and record every change.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.http import AuthenticatedRequest
from accounts.roles import Role

from . import services
from .forms import DrugEndForm, DrugForm, FeeForm, PayerForm
from .models import Drug, Payer
from .selectors import (
    drug_get_for_admin,
    drug_list_for_admin,
    payer_fee,
    payer_get_for_admin,
    payer_list_for_admin,
)


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


# ----------------------------------------------------------------------------- the drug table
def _drug_list_page(request: AuthenticatedRequest, form: DrugForm) -> HttpResponse:
    drugs = drug_list_for_admin(user=request.user)
    context = {"drugs": drugs, "form": form, "today": timezone.localdate()}
    return render(request, "payers/drug_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def drug_list(request: AuthenticatedRequest) -> HttpResponse:
    """The practice's drug table, and the form that adds a row."""
    if request.method != "POST":
        return _drug_list_page(request, DrugForm())
    form = DrugForm(request.POST)
    if form.is_valid():
        try:
            drug = services.drug_create(user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{drug.code} {drug.product} added.")
            return redirect("payers:drug-list")
    return _drug_list_page(request, form)


def _drug_page(
    request: AuthenticatedRequest, drug: Drug, form: DrugForm, end_form: DrugEndForm
) -> HttpResponse:
    context = {"drug": drug, "form": form, "end_form": end_form}
    return render(request, "payers/drug_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def drug_detail(request: AuthenticatedRequest, drug_id: int) -> HttpResponse:
    """One drug row: its form and its change history."""
    drug = drug_get_for_admin(user=request.user, drug_id=drug_id)
    if request.method != "POST":
        return _drug_page(request, drug, DrugForm(instance=drug), DrugEndForm())
    form = DrugForm(request.POST, instance=drug_get_for_admin(user=request.user, drug_id=drug_id))
    if form.is_valid():
        try:
            services.drug_update(user=request.user, drug=drug, data=form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{drug.code} saved.")
            return redirect("payers:drug-detail", drug_id=drug.pk)
    return _drug_page(request, drug, form, DrugEndForm())


@require_POST
@role_required(Role.ADMIN)
def drug_end(request: AuthenticatedRequest, drug_id: int) -> HttpResponse:
    """End-date a drug row: the last date of service it applies to."""
    drug = drug_get_for_admin(user=request.user, drug_id=drug_id)
    form = DrugEndForm(request.POST)
    if form.is_valid():
        try:
            services.drug_end_date(
                user=request.user, drug=drug, last_day=form.cleaned_data["last_day"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{drug.code} ends on {form.cleaned_data['last_day']}.")
            return redirect("payers:drug-detail", drug_id=drug.pk)
    return _drug_page(request, drug, DrugForm(instance=drug), form)
