"""Claim screens: the billers' queue, one claim, exports, the clinician's inbox.

Thin views: each checks the role with its decorator and gets objects from a selector
that checks the object; the job modules (transitions, build, queue, export, remittance)
do the writes. htmx requests get the claim's body fragment back
(``claim_detail.html#claim-body``); plain posts redirect.
"""

from __future__ import annotations

import logging
from typing import Any, TypedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import role_required
from accounts.http import AuthenticatedRequest
from accounts.roles import Role, role_of
from coding.engine.claim_lines import BilledLine
from encounters.icd import icd_lookup

from . import build, denials, era, export, payer_files, queue, remittance, transitions
from .export import claims_exportable_shown, export_batch_get, export_batches
from .forms import (
    ClaimActionForm,
    ClinicianAnswerForm,
    LineAddForm,
    LineDeleteForm,
    LineFixForm,
    PayerAnswerForm,
    PayerFileForm,
    QueueFilterForm,
    UnmatchedAttachForm,
    UnmatchedDismissForm,
)
from .models import Claim, ClaimState
from .scrubber import SCRUBBER_RULES
from .selectors import (
    claim_get_for_user,
    claim_history,
    claim_lines,
    claim_returned_for_clinician,
)
from .tasks import claim_export_task

logger = logging.getLogger(__name__)

# Actions on the claim page: URL word -> target state.
ACTIONS = {
    "approve": ClaimState.APPROVED,
    "hold": ClaimState.ON_HOLD,
    "release": ClaimState.QUEUED,
    "return": ClaimState.RETURNED,
    "void": ClaimState.VOID,
    "reopen": ClaimState.QUEUED,
    "correct": ClaimState.CORRECTED,
    "void-at-payer": ClaimState.VOID_PENDING,
}


def _form_errors(
    form: BaseForm, exc: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Put a service's errors next to the form's fields (others at the top of the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        key = (aliases or {}).get(name, name)
        form.add_error(key if key in form.fields else None, errors)


# ----------------------------------------------------------------------------- queue
# Reads, and one INSERT (the access record) that needs no transaction of its own: no BEGIN
# and COMMIT round trips on every page (issue 14).
@transaction.non_atomic_requests
@require_GET
@role_required(Role.BILLER)
def claim_queue(request: AuthenticatedRequest) -> HttpResponse:
    """The queue: filters, sort, search, 50 a page, counts per state."""
    data = request.GET.copy()
    data.setdefault("state", ClaimState.QUEUED)  # the queue opens on queued claims
    form = QueueFilterForm(data)
    queue_page = queue.claim_queue_for_biller(
        user=request.user,
        filters=form.filters(),
        page_number=request.GET.get("page") or 1,
        path=request.get_full_path(),
    )
    form.set_choices(payers=queue_page.payers, clinicians=queue_page.clinicians)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "queue": queue_page,
        "query": query.urlencode(),
        "state_counts": [(v, label, queue_page.counts[v]) for v, label in ClaimState.choices],
        # Each row's link is this prefix and the claim's id: one reverse() for the page.
        "claim_url_prefix": reverse("claims:claim-detail", args=[0]).removesuffix("0/"),
    }
    template = "claims/claim_queue.html"
    if request.htmx:
        template += "#queue-table"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@role_required(Role.BILLER)
def claim_next(request: AuthenticatedRequest) -> HttpResponse:
    """Hand the biller the next queued claim nobody else is working on."""
    claim = queue.claim_next_for_biller(user=request.user)
    if claim is None:
        messages.info(request, "No queued claim is waiting: the queue is empty.")
        return redirect("claims:claim-queue")
    return redirect("claims:claim-detail", claim_id=claim.pk)


@require_POST
@role_required(Role.BILLER)
def claim_bulk_approve(request: AuthenticatedRequest) -> HttpResponse:
    """Approve the selected clean claims, after a confirmation that states the count."""
    ids = [int(i) for i in request.POST.getlist("claim") if i.isascii() and i.isdigit()]
    if request.POST.get("confirm") != "yes":
        approvable = queue.claims_bulk_approvable_for_biller(
            user=request.user, claim_ids=ids, path=request.path
        )
        context = {"claims": approvable, "skipped": len(ids) - len(approvable)}
        return render(request, "claims/claim_bulk_approve.html", context)
    count = queue.claim_bulk_approve(user=request.user, claim_ids=ids)
    messages.success(request, f"{count} clean claim{'s' if count != 1 else ''} approved.")
    return redirect("claims:claim-queue")


# ----------------------------------------------------------------------------- one claim
class ActionButton(TypedDict):
    word: str  # the URL word of ``ACTIONS``
    label: str
    prompt: str  # non-empty: the button asks for a reason
    asks_payer_number: bool


def _actions(claim: Claim, role: Role | None) -> list[ActionButton]:
    """The buttons of the claim page: the table's transitions for this role and state."""
    words: dict[tuple[str, str], str] = {
        (ClaimState.QUEUED, ClaimState.APPROVED): "approve",
        (ClaimState.ON_HOLD, ClaimState.QUEUED): "release",
        (ClaimState.APPROVED, ClaimState.QUEUED): "reopen",
    }
    by_target: dict[str, str] = {state: word for word, state in ACTIONS.items()}
    shown: list[ActionButton] = []
    for to_state, transition in transitions.transitions_from(claim.state, role):
        if to_state in (ClaimState.PAID, ClaimState.DENIED) or role != Role.BILLER:
            continue  # payer answers have their own form; clinicians answer in their inbox
        word = words.get((claim.state, to_state), by_target.get(to_state, ""))
        shown.append(
            ActionButton(
                word=word,
                label=transition.label,
                prompt=transition.reason_prompt,
                asks_payer_number=bool(transition.frequency),
            )
        )
    return shown


def _claim_context(claim: Claim, request: AuthenticatedRequest, **extra: Any) -> dict[str, Any]:
    role = role_of(request.user)
    return {
        "claim": claim,
        "encounter": claim.encounter,
        "lines": claim_lines(claim),
        "history": claim_history(claim),
        "diagnoses": [
            (n, code, found.description if (found := icd_lookup(code)) else "not billable")
            for n, code in enumerate(claim.diagnoses, start=1)
        ],
        "actions": _actions(claim, role),
        "is_biller": role == Role.BILLER,
        "part2": claim.encounter.part2,
        "part2_consent_missing": transitions.part2_consent_missing(claim),
        "editable": claim.state in transitions.EDITABLE_STATES and role == Role.BILLER,
        "answerable": claim.state in transitions.ANSWERABLE_STATES and role == Role.BILLER,
        "rules": SCRUBBER_RULES,
        "answer_form": PayerAnswerForm(initial={"version": claim.version}),
        "add_form": LineAddForm(initial={"version": claim.version, "units": 1}),
        "delete_form": LineDeleteForm(initial={"version": claim.version}),
        "underpayments": denials.claim_underpayments(claim.pk) if role == Role.BILLER else {},
        **extra,
    }


def _render_claim(
    request: AuthenticatedRequest, claim: Claim, *, status: int = 200, **extra: Any
) -> HttpResponse:
    template = "claims/claim_detail.html"
    if request.htmx:
        template += "#claim-body"
    response = render(request, template, _claim_context(claim, request, **extra), status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@role_required(Role.BILLER, Role.PRESCRIBER)
def claim_detail(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    """Lines, diagnoses, findings, time blocks, MDM and history (never the therapy note)."""
    claim = claim_get_for_user(user=request.user, claim_id=claim_id, path=request.path)
    return _render_claim(request, claim)


def _after_write(request: AuthenticatedRequest, claim_id: int, message: str) -> HttpResponse:
    if request.htmx:
        claim = claim_get_for_user(user=request.user, claim_id=claim_id, record=False)
        return _render_claim(request, claim, notice=message)
    messages.success(request, message)
    return redirect("claims:claim-detail", claim_id=claim_id)


@require_POST
@role_required(Role.BILLER)
def claim_line_update(request: AuthenticatedRequest, claim_id: int, position: int) -> HttpResponse:
    """Fix one line and re-scrub; errors are shown next to the fields of that line."""
    claim = claim_get_for_user(user=request.user, claim_id=claim_id, path=request.path)
    form = LineFixForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        fix = BilledLine(data["code"], data["units"], data["modifiers"], data["pointers"])
        try:
            build.claim_line_update(
                user=request.user,
                claim=claim,
                version=data["version"],
                position=position,
                fix=fix,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return _after_write(request, claim_id, f"Line {position} saved and re-scrubbed.")
    return _render_claim(request, claim, line_form=form, line_position=position)


@require_POST
@role_required(Role.BILLER)
def claim_line_add(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    """Add a line left out (with a reason), priced and re-scrubbed as a fix is."""
    claim = claim_get_for_user(user=request.user, claim_id=claim_id, path=request.path)
    form = LineAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        line = BilledLine(data["code"], data["units"], data["modifiers"], data["pointers"])
        try:
            build.claim_line_add(
                user=request.user,
                claim=claim,
                version=data["version"],
                line=line,
                reason=data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return _after_write(request, claim_id, f"Line {line.code} added and re-scrubbed.")
    return _render_claim(request, claim, add_form=form)


@require_POST
@role_required(Role.BILLER)
def claim_line_delete(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    """Delete a line billed in error (with a reason); the lines after it move up."""
    claim = claim_get_for_user(user=request.user, claim_id=claim_id, path=request.path)
    form = LineDeleteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            build.claim_line_delete(
                user=request.user,
                claim=claim,
                version=data["version"],
                position=data["position"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return _after_write(
                request, claim_id, f"Line {data['position']} deleted and re-scrubbed."
            )
    return _render_claim(request, claim, delete_form=form)


def _approve_and_next(request: AuthenticatedRequest, done: str) -> HttpResponse:
    """After "Approve and next": the next queued claim, as the queue's "Next claim" gives it."""
    claim = queue.claim_next_for_biller(user=request.user)
    if claim is None:
        messages.success(request, f"{done} No queued claim is waiting: the queue is empty.")
        target = reverse("claims:claim-queue")
    else:
        messages.success(request, f"{done} Next: claim {claim.number}.")
        target = reverse("claims:claim-detail", kwargs={"claim_id": claim.pk})
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


@require_POST
@role_required(Role.BILLER, Role.PRESCRIBER)
def claim_action(request: AuthenticatedRequest, claim_id: int, action: str) -> HttpResponse:
    """Approve, hold, release, return with a question, void, reopen, mark corrected."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    claim = claim_get_for_user(user=request.user, claim_id=claim_id, path=request.path)
    form = ClaimActionForm(request.POST)
    if form.is_valid():
        try:
            transitions.claim_transition(
                user=request.user,
                claim=claim,
                to_state=ACTIONS[action],
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                payer_claim_number=form.cleaned_data["payer_claim_number"],
            )
        except ValidationError as exc:
            return _render_claim(
                request,
                claim,
                action_errors=list(exc.messages),
                action=action,
                reason_typed=request.POST.get("reason", ""),
                payer_number_typed=request.POST.get("payer_claim_number", ""),
            )
        done = f"Claim {claim.number}: {claim.get_state_display()}."
        if action == "approve" and request.POST.get("then") == "next":
            return _approve_and_next(request, done)
        return _after_write(request, claim_id, done)
    return _render_claim(
        request,
        claim,
        action_errors=["Reload the claim and try again."],
        action=action,
        reason_typed=request.POST.get("reason", ""),
        payer_number_typed=request.POST.get("payer_claim_number", ""),
    )


@require_POST
@role_required(Role.BILLER)
def claim_payer_answer(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    """Record what the payer answered: paid with the amount, or denied with a CARC."""
    claim = claim_get_for_user(user=request.user, claim_id=claim_id, path=request.path)
    form = PayerAnswerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            remittance.claim_payer_answer(
                user=request.user,
                claim=claim,
                version=data["version"],
                outcome=data["outcome"],
                amount=data["amount"],
                carc=data["carc"],
                note=data["note"],
                payer_claim_number=data["payer_claim_number"],
                rarcs=data["rarcs"],
                over_charge_reason=data["over_charge_reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return _after_write(
                request, claim_id, f"Payer answer recorded: {claim.get_state_display()}."
            )
    return _render_claim(request, claim, answer_form=form)


# ----------------------------------------------------------------------------- clinician
def _inbox(
    request: AuthenticatedRequest, failed: tuple[int, ClinicianAnswerForm] | None = None
) -> HttpResponse:
    items = [
        (
            claim,
            failed[1]
            if failed and failed[0] == claim.pk
            else ClinicianAnswerForm(initial={"version": claim.version}),
        )
        for claim in claim_returned_for_clinician(user=request.user, path=request.path)
    ]
    return render(request, "claims/clinician_inbox.html", {"items": items})


@require_GET
@role_required(Role.PRESCRIBER)
def clinician_inbox(request: AuthenticatedRequest) -> HttpResponse:
    """The prescriber's claims returned by billers with a question."""
    return _inbox(request)


@require_POST
@role_required(Role.PRESCRIBER)
def claim_answer(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    """The clinician answers (and may add an addendum); the claim goes back to the queue."""
    claim = claim_get_for_user(user=request.user, claim_id=claim_id, path=request.path)
    form = ClinicianAnswerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            transitions.claim_clinician_answer(
                user=request.user,
                claim=claim,
                version=data["version"],
                answer=data["answer"],
                addendum_text=data["addendum_text"],
                addendum_reason=data["addendum_reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc, {"text": "addendum_text", "reason": "addendum_reason"})
        else:
            messages.success(request, f"Answer sent: claim {claim.number} is back with billing.")
            return redirect("claims:clinician-inbox")
    return _inbox(request, failed=(claim.pk, form))


# ----------------------------------------------------------------------------- export
# The export page lists this many of the waiting claims (and says how many wait in all).
EXPORT_LIST_SHOWN = 200


@require_GET
@role_required(Role.BILLER)
def export_list(request: AuthenticatedRequest) -> HttpResponse:
    """Approved claims waiting for the next 837P file, the export running (its progress bar)
    or last run, and the files made so far."""
    waiting = export.claims_exportable_count(user=request.user)
    context = {
        "claims": claims_exportable_shown(
            user=request.user, path=request.path, limit=EXPORT_LIST_SHOWN
        ),
        "waiting": waiting,
        "job": export.export_job_latest(user=request.user),
        "batches": list(export_batches(user=request.user)),
    }
    return render(request, "claims/export_list.html", context)


@require_POST
@role_required(Role.BILLER)
def export_create(request: AuthenticatedRequest) -> HttpResponse:
    """Start writing the 837P file of every exportable claim in the background (a Celery
    task, queued once this request's transaction commits); the export page shows its
    progress."""
    try:
        job = export.export_job_create(user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("claims:export-list")
    transaction.on_commit(lambda: _export_enqueue(job.pk))
    return redirect("claims:export-list")


def _export_enqueue(job_id: int) -> None:
    try:
        claim_export_task.delay(job_id)
    except Exception:  # noqa: BLE001 - the broker's many connection errors
        logger.exception("837P export job %s could not be queued", job_id)
        export.export_job_failed_to_queue(job_id=job_id)


@require_GET
@role_required(Role.BILLER)
def export_job_progress(request: AuthenticatedRequest, job_id: int) -> HttpResponse:
    """The progress bar of one export job (htmx polls it every second while it runs)."""
    job = export.export_job_get(user=request.user, job_id=job_id)
    response = render(request, "claims/export_list.html#export-job", {"job": job})
    if request.htmx and not job.running:
        response["HX-Refresh"] = "true"  # the page's waiting claims and files changed
    return response


@require_GET
@role_required(Role.BILLER)
def export_download(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = export_batch_get(user=request.user, batch_id=batch_id, path=request.path)
    response = HttpResponse(batch.content, content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{batch.filename}"'
    return response


# ----------------------------------------------------------------------------- payer files in
@require_http_methods(["GET", "POST"])
@role_required(Role.BILLER)
def payer_file_upload(request: AuthenticatedRequest) -> HttpResponse:
    """Upload an 835 (posted), a 999 or a 277CA (applied); the result or the errors shown."""
    form = PayerFileForm(request.POST or None, request.FILES or None)
    imported = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imported = payer_files.payer_file_import(
                user=request.user, name=upload.name or "upload", data=upload.read()
            )
        except ValidationError as exc:
            form.add_error("file", list(exc.messages))
    context = {
        "form": form,
        "imported": imported,
        "files": list(payer_files.payer_files_recent(user=request.user)),
    }
    return render(request, "claims/payer_file_upload.html", context)


def _unmatched_page(
    request: AuthenticatedRequest, failed: tuple[int, BaseForm] | None = None
) -> HttpResponse:
    items = [
        (
            item,
            failed[1]
            if failed and failed[0] == item.pk and isinstance(failed[1], UnmatchedAttachForm)
            else UnmatchedAttachForm(
                initial={"claim_number": item.claim.number if item.claim else ""}
            ),
            failed[1]
            if failed and failed[0] == item.pk and isinstance(failed[1], UnmatchedDismissForm)
            else UnmatchedDismissForm(),
        )
        for item in era.unmatched_open(user=request.user)
    ]
    return render(request, "claims/unmatched_list.html", {"items": items})


@require_GET
@role_required(Role.BILLER)
def unmatched_list(request: AuthenticatedRequest) -> HttpResponse:
    """Payments and lines from payer files that matched no claim, to attach or dismiss."""
    return _unmatched_page(request)


@require_POST
@role_required(Role.BILLER)
def unmatched_attach(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    """Post an unmatched payment to the claim the biller names (or a line to its line)."""
    form = UnmatchedAttachForm(request.POST)
    if form.is_valid():
        try:
            item = era.unmatched_attach(
                user=request.user,
                item_id=item_id,
                claim_number=form.cleaned_data["claim_number"],
                position=form.cleaned_data["position"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Payment attached: {item.resolution}.")
            return redirect("claims:unmatched-list")
    return _unmatched_page(request, failed=(item_id, form))


@require_POST
@role_required(Role.BILLER)
def unmatched_dismiss(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    """Close an unmatched payment without posting it, with the biller's reason."""
    form = UnmatchedDismissForm(request.POST)
    if form.is_valid():
        try:
            era.unmatched_dismiss(
                user=request.user, item_id=item_id, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Payment dismissed.")
            return redirect("claims:unmatched-list")
    return _unmatched_page(request, failed=(item_id, form))
