"""Denial worklist screens for billers: the worklist, one line with its actions and history,
and the appeal letter (PDF). Thin views: ``claims.denials`` reads, checks and records."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.http import AuthenticatedRequest
from accounts.roles import Role

from . import denials
from .denial_forms import (
    AppealForm,
    AppealOutcomeForm,
    BillPatientForm,
    CorrectForm,
    ReasonForm,
    WorklistFilterForm,
)
from .models import DenialActionKind

FORMS: dict[str, type[BaseForm]] = {
    "correct": CorrectForm,
    "appeal": AppealForm,
    "appeal-outcome": AppealOutcomeForm,
    "bill-patient": BillPatientForm,
    "write-off": ReasonForm,
}


@require_GET
@role_required(Role.BILLER)
def denial_worklist(request: AuthenticatedRequest) -> HttpResponse:
    """Denied, partly denied (or underpaid) lines with their codes, age and appeal deadline."""
    worklist = denials.denial_worklist(
        user=request.user,
        filters=_filters(request),
        page_number=request.GET.get("page") or 1,
        path=request.get_full_path(),
    )
    form = WorklistFilterForm(request.GET)
    form.set_choices(payers=worklist.payers, clinicians=worklist.clinicians, carcs=worklist.carcs)
    form.is_valid()
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "worklist": worklist, "query": query.urlencode()}
    response = render(request, "claims/denial_worklist.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _filters(request: AuthenticatedRequest) -> denials.WorklistFilters:
    """The filters typed, loosely: an unknown id or code simply matches nothing."""
    get = request.GET

    def number(name: str) -> int | None:
        value = get.get(name, "")
        return int(value) if value.isascii() and value.isdigit() else None

    show = get.get("show", "")
    return denials.WorklistFilters(
        payer=number("payer"),
        clinician=number("clinician"),
        carc=get.get("carc", "").strip().upper()[:5],
        age=get.get("age", "") if get.get("age", "") in denials.AGE_BUCKETS else "",
        underpaid=show == "underpaid",
        closed=show == "all",
    )


def _render_line(
    request: AuthenticatedRequest,
    row: denials.WorklistRow,
    *,
    failed: tuple[str, BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms: dict[str, BaseForm] = {
        "correct": CorrectForm(initial={"version": row.claim.version}, auto_id="correct-%s"),
        "appeal": AppealForm(auto_id="appeal-%s"),
        "appeal-outcome": AppealOutcomeForm(auto_id="appeal-outcome-%s"),
        "bill-patient": BillPatientForm(
            initial={"amount": row.line.patient_responsibility or None}, auto_id="bill-patient-%s"
        ),
        "write-off": ReasonForm(auto_id="write-off-%s"),
    }
    if failed:
        forms[failed[0]] = failed[1]
    context = {
        "row": row,
        "claim": row.claim,
        "forms": {k.replace("-", "_"): v for k, v in forms.items()},
        "failed": failed[0] if failed else "",
        "failed_form": failed[1] if failed else None,
    }
    return render(request, "claims/denial_line.html", context, status=status)


@require_GET
@role_required(Role.BILLER)
def denial_line(request: AuthenticatedRequest, line_id: int) -> HttpResponse:
    """One line: the payer's codes explained, the rule ids, the actions and what was done."""
    row = denials.denial_line_get(user=request.user, line_id=line_id, path=request.path)
    return _render_line(request, row)


@require_POST
@role_required(Role.BILLER)
def denial_action(request: AuthenticatedRequest, line_id: int, action: str) -> HttpResponse:
    """Correct and resubmit, appeal, record an appeal's outcome, bill the patient, write off."""
    if action not in FORMS:
        raise Http404("No such action.")
    row = denials.denial_line_get(user=request.user, line_id=line_id, path=request.path)
    form = FORMS[action](request.POST, auto_id=f"{action}-%s")
    if form.is_valid():
        data = form.cleaned_data
        user = request.user
        try:
            if action == "correct":
                denials.denial_correct_resubmit(
                    user=user,
                    line_id=line_id,
                    version=data["version"],
                    reason=data["reason"],
                    payer_claim_number=data["payer_claim_number"],
                )
            elif action == "appeal":
                denials.denial_appeal(
                    user=user, line_id=line_id, reason=data["reason"], sent_on=data["sent_on"]
                )
            elif action == "appeal-outcome":
                denials.denial_appeal_outcome(
                    user=user, line_id=line_id, outcome=data["outcome"], reason=data["reason"]
                )
            elif action == "bill-patient":
                denials.denial_bill_patient(
                    user=user, line_id=line_id, amount=data["amount"], reason=data["reason"]
                )
            else:
                denials.denial_write_off(user=user, line_id=line_id, reason=data["reason"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request, f"Claim {row.claim.number}: {action.replace('-', ' ')} recorded."
            )
            return redirect("claims:denial-line", line_id=line_id)
    row = denials.denial_line_get(user=request.user, line_id=line_id, record=False)
    return _render_line(request, row, failed=(action, form), status=400)


@require_GET
@role_required(Role.BILLER)
def appeal_letter(request: AuthenticatedRequest, line_id: int) -> HttpResponse:
    """The letter of the appeal recorded on this line, as a PDF to send to the payer."""
    row = denials.denial_line_get(user=request.user, line_id=line_id, path=request.path)
    appeals = [a for a in row.actions if a.kind == DenialActionKind.APPEAL]
    if not appeals:
        messages.error(request, "Record the appeal (its reason and the day sent) first.")
        return redirect("claims:denial-line", line_id=line_id)
    pdf = denials.appeal_letter_pdf(
        row,
        reason=appeals[-1].reason,
        signed_by=request.user.get_full_name() or request.user.username,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="appeal-{row.claim.number}.pdf"'
    return response
