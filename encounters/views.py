"""The prescriber's pages: patients, the encounter list, the encounter form and its detail.

Thin function views: a form parses, a selector fetches (checking role and
object, recording the access), a service writes. Failed POSTs re-render the
bound form with status 200 so nothing typed is lost.
"""

from __future__ import annotations

import datetime
from typing import Any, TypedDict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.forms import BaseForm
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django.views.decorators.http import require_http_methods

from accounts.decorators import role_required
from accounts.http import AuthenticatedRequest
from accounts.models import AccessAction, Clinician
from accounts.roles import Role, role_of
from accounts.selectors import clinician_for_user
from coding.engine.payer import within_licence
from payers.selectors import payer_profile_list

from . import services
from .forms import (
    DATA_COUNTERS,
    DATA_FLAGS,
    DIAGNOSIS_FIELDS,
    AddendumForm,
    BaseInjectionFormSet,
    BaseInstrumentFormSet,
    BaseMedicationFormSet,
    CoverageFormSet,
    EncounterForm,
    NoteTemplateForm,
    PatientForm,
    ScheduledVisitForm,
    carry_forward,
    injection_formset,
    instrument_formset,
    mdm_summary,
    mdm_summary_from,
    medication_formset,
)
from .icd import ICD_QUERY_MAX_LENGTH, ICD_QUERY_MIN_LENGTH
from .icd import icd_search as icd_search_codes
from .models import (
    Encounter,
    EncounterLocked,
    EncounterStatus,
    NoteTemplate,
    Patient,
    PatientStatus,
    ScheduledVisit,
)
from .selectors import (
    day_for_prescriber,
    encounter_carry_forward_for_user,
    encounter_get_for_user,
    encounter_list_for_user,
    encounter_page_for_user,
    note_template_get_for_user,
    note_template_list_for_user,
    patient_get_for_user,
    patient_last_visit,
    patient_page_for_user,
    patient_primary_coverage,
    patient_status_suggest,
    schedulable_clinicians,
    scheduled_visit_get_for_user,
)

PAGE_SIZE = 25
FORM_TEMPLATE = "encounters/encounter_form.html"
DETAIL_TEMPLATE = "encounters/encounter_detail.html"


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    """Put a service's errors next to the form's fields (the rest above the form)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.message_dict.items():
        target = DIAGNOSIS_FIELDS[0] if field == "diagnoses" else field
        shown = target in form.fields and not form.fields[target].widget.is_hidden
        for message in errors:
            form.add_error(target if shown else None, message)


# --- patients ---------------------------------------------------------------


@require_http_methods(["GET"])
@role_required(Role.PRESCRIBER, Role.ADMIN)
def patient_list(request: AuthenticatedRequest) -> HttpResponse:
    """Patients the user may see, searched by name, MRN or date of birth as they type."""
    query = request.GET.get("q", "").strip()
    page = patient_page_for_user(
        user=request.user,
        query=query,
        page_number=request.GET.get("page"),
        page_size=PAGE_SIZE,
        path=request.get_full_path(),
    )
    template = "encounters/patient_list.html"
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:  # a history restore needs the whole page
        template += "#patient-table"
    response = render(
        request,
        template,
        {"page": page, "query": query, "is_admin": role_of(request.user) == Role.ADMIN},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET"])
@role_required(Role.PRESCRIBER, Role.ADMIN)
def patient_detail(request: AuthenticatedRequest, patient_id: int) -> HttpResponse:
    """Demographics and coverage; a prescriber also sees their encounters with the patient."""
    patient = patient_get_for_user(user=request.user, patient_id=patient_id, path=request.path)
    is_prescriber = role_of(request.user) == Role.PRESCRIBER
    encounters = (
        encounter_list_for_user(user=request.user, patient=patient)[:100] if is_prescriber else []
    )
    return render(
        request,
        "encounters/patient_detail.html",
        {"patient": patient, "encounters": encounters, "is_prescriber": is_prescriber},
    )


def _patient_form_page(request: AuthenticatedRequest, patient: Patient | None) -> HttpResponse:
    bound = request.method == "POST"
    instance = patient or Patient()
    form = PatientForm(request.POST if bound else None, instance=instance)
    coverages = CoverageFormSet(
        request.POST if bound else None, instance=instance, prefix="coverages"
    )
    if bound and form.is_valid() and coverages.is_valid():
        new_patient = form.save(commit=False)
        try:
            saved = services.patient_save(
                user=request.user,
                patient=new_patient,
                coverages=coverages.save(commit=False),
                coverages_removed=coverages.deleted_objects,
                clinicians=form.cleaned_data["clinicians"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except IntegrityError:
            form.add_error(None, "Two active coverages share a priority: give each its own.")
        else:
            messages.success(request, f"Saved {saved.full_name}.")
            return redirect("encounters:patient-detail", patient_id=saved.pk)
    return render(
        request,
        "encounters/patient_form.html",
        {"form": form, "coverages": coverages, "patient": patient, "failed": bound},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def patient_create(request: AuthenticatedRequest) -> HttpResponse:
    """A new patient with their coverage (practice admins)."""
    return _patient_form_page(request, None)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def patient_edit(request: AuthenticatedRequest, patient_id: int) -> HttpResponse:
    """Change a patient's demographics and coverage (practice admins)."""
    patient = patient_get_for_user(user=request.user, patient_id=patient_id, path=request.path)
    return _patient_form_page(request, patient)


# --- encounters ---------------------------------------------------------------


@require_http_methods(["GET"])
@role_required(Role.PRESCRIBER)
def encounter_list(request: AuthenticatedRequest) -> HttpResponse:
    """The prescriber's drafts and signed encounters, newest first."""
    status = request.GET.get("status", "")
    page = encounter_page_for_user(
        user=request.user,
        status=status or None,
        page_number=request.GET.get("page"),
        page_size=PAGE_SIZE,
        path=request.get_full_path(),
    )
    return render(
        request,
        "encounters/encounter_list.html",
        {"page": page, "status": status, "statuses": EncounterStatus.choices},
    )


@require_http_methods(["GET"])
@role_required(Role.PRESCRIBER)
def today(request: AuthenticatedRequest) -> HttpResponse:
    """The prescriber's home: unsigned drafts of earlier days, then today's schedule and drafts."""
    day = day_for_prescriber(
        user=request.user, today=timezone.localdate(), path=request.get_full_path()
    )
    return render(request, "encounters/today.html", {"day": day, "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
@role_required(Role.PRESCRIBER, Role.ADMIN)
def scheduled_visit_create(request: AuthenticatedRequest, patient_id: int) -> HttpResponse:
    """Put a visit with the patient on the schedule (front desk or the prescriber)."""
    patient = patient_get_for_user(user=request.user, patient_id=patient_id, path=request.path)
    is_prescriber = role_of(request.user) == Role.PRESCRIBER
    clinicians = schedulable_clinicians(patient=patient, user=request.user)
    form = ScheduledVisitForm(
        request.POST if request.method == "POST" else None,
        clinicians=clinicians,
        initial={"date": timezone.localdate()},
    )
    if form.is_valid():
        try:
            visit = services.scheduled_visit_create(
                user=request.user, patient=patient, path=request.path, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"{patient.full_name} is scheduled with {visit.clinician} on "
                f"{visit.date:%Y-%m-%d} at {visit.time:%H:%M}.",
            )
            if is_prescriber:
                return redirect("encounters:today")
            return redirect("encounters:patient-detail", patient_id=patient.pk)
    return render(
        request,
        "encounters/scheduled_visit_form.html",
        {"form": form, "patient": patient, "has_clinicians": clinicians.exists()},
    )


def _status_hint(
    patient: Patient, clinician: Clinician | None, date_of_service: datetime.date
) -> dict[str, Any]:
    suggested = patient_status_suggest(
        patient=patient, clinician=clinician, date_of_service=date_of_service
    )
    return {
        "value": suggested,
        "label": PatientStatus(suggested).label,
        "last_visit": patient_last_visit(patient=patient, before=date_of_service),
    }


class _FormPage(TypedDict):
    """What ``_form_page`` needs besides the request, passed on as keywords."""

    form: EncounterForm
    medications: BaseMedicationFormSet
    instruments: BaseInstrumentFormSet
    injections: BaseInjectionFormSet
    patient: Patient
    encounter: Encounter | None


def _form_page(
    request: AuthenticatedRequest,
    *,
    form: EncounterForm,
    medications: BaseMedicationFormSet,
    instruments: BaseInstrumentFormSet,
    injections: BaseInjectionFormSet,
    patient: Patient,
    encounter: Encounter | None,
    status: int = 200,
    overlaps: list[Encounter] | None = None,
    carried_from: Encounter | None = None,
    scheduled: ScheduledVisit | None = None,
) -> HttpResponse:
    clinician = clinician_for_user(request.user)
    date_of_service = (
        (form.cleaned_data.get("date_of_service") if hasattr(form, "cleaned_data") else None)
        or form.initial.get("date_of_service")
        or timezone.localdate()
    )
    if isinstance(date_of_service, str):
        date_of_service = timezone.localdate()
    saved = encounter if encounter is not None and encounter.pk else None
    action = (
        reverse("encounters:encounter-edit", kwargs={"encounter_id": saved.pk})
        if saved
        else reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    )
    return render(
        request,
        FORM_TEMPLATE,
        {
            "form": form,
            "medications": medications,
            "instruments": instruments,
            "injections": injections,
            "formset_errors": any(
                f.total_error_count() for f in (medications, instruments, injections)
            ),
            "patient": patient,
            "encounter": encounter,
            "action": action,
            "status_hint": _status_hint(patient, clinician, date_of_service),
            "mdm": form.mdm_summary(),
            "data_counters": [form[name] for name, _ in DATA_COUNTERS],
            "data_flags": [form[name] for name, _ in DATA_FLAGS],
            "overlaps": overlaps or [],
            "carried_from": carried_from,
            "scheduled": scheduled,
            "time_zone": settings.TIME_ZONE,
            "saved_version": _saved_version(saved) if saved else "",
            "shows_med_management": _may_bill_med_management(clinician),
            "note_templates": note_template_list_for_user(user=request.user),
        },
        status=status,
    )


def _may_bill_med_management(clinician: Clinician | None) -> bool:
    """Whether any payer may let this credential bill E/M or 90863 (the engine's licence ceiling).

    A therapist whose licence rules out both never sees the med-management block.
    """
    if clinician is None:
        return True
    return within_licence(clinician.credential, "em_credentials") or within_licence(
        clinician.credential, "pharm_mgmt_90863_credentials"
    )


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _saved_version(encounter: Encounter) -> str:
    """Which save of the draft the page shows (its last change, in microseconds).

    The browser's copy of unsaved typing remembers the version it was typed over, so a
    page that shows a later save (from elsewhere) is not silently overwritten by it.
    """
    return str((encounter.updated_at - EPOCH) // datetime.timedelta(microseconds=1))


def typed_form(data: QueryDict) -> dict[str, list[str]]:
    """The posted form as typed, to keep with a draft (no token, no button).

    NUL characters are dropped: no one types them, and PostgreSQL's JSON refuses them.
    """
    return {
        k.replace("\x00", ""): [v.replace("\x00", "") for v in data.getlist(k)]
        for k in data
        if k not in {"csrfmiddlewaretoken", "action"}
    }


def _bound_from_typed(typed: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in typed.items():
        data.setlist(key, [str(v) for v in values])
    return data


def _already_signed(
    request: AuthenticatedRequest, signed: Encounter, *, autosave: bool
) -> HttpResponse:
    url = reverse("encounters:encounter-detail", kwargs={"encounter_id": signed.pk})
    if autosave:
        return JsonResponse({"signed": True, "url": url}, status=409)
    messages.info(
        request, "This visit is already signed; nothing was changed. Add an addendum to add to it."
    )
    return redirect(url)


def _save(
    request: AuthenticatedRequest, *, patient: Patient, encounter: Encounter | None
) -> HttpResponse:
    """Save the draft from the posted form, valid or not; sign it too when asked.

    Every post saves the draft first (what validates into the fields, the rest as typed),
    so nothing typed is lost; only signing needs the whole form valid.
    """
    action = request.POST.get("action", "save")
    signing = action == "sign"
    form = EncounterForm(request.POST, patient=patient, signing=signing, instance=encounter)
    medications = medication_formset(request.POST)
    instruments = instrument_formset(request.POST)
    injections = injection_formset(request.POST)
    # Every part runs, so every part shows its errors.
    valid = (
        form.is_valid() & medications.is_valid() & instruments.is_valid() & injections.is_valid()
    )
    clinician = encounter.clinician if encounter is not None else clinician_for_user(request.user)
    if clinician is None:
        raise PermissionDenied("Your account has no clinician profile.")
    try:
        saved = services.encounter_draft_save(
            user=request.user,
            clinician=clinician,
            patient=patient,
            encounter=encounter,
            data=form.encounter_data(),
            diagnoses=form.diagnosis_codes(),
            medications=medications.medications(),
            instruments=instruments.scores(),
            injections=injections.injections(),
            typed_form=None if valid else typed_form(request.POST),
        )
    except services.EncounterAlreadySigned as exc:
        return _already_signed(request, exc.encounter, autosave=action == "autosave")
    except ValidationError as exc:
        if action == "autosave":  # nothing was saved: the page keeps what was typed
            return JsonResponse({"saved": False, "errors": exc.messages}, status=422)
        _add_errors(form, exc)
        return _form_page(
            request,
            form=form,
            medications=medications,
            instruments=instruments,
            injections=injections,
            patient=patient,
            encounter=encounter,
        )
    page: _FormPage = {
        "form": form,
        "medications": medications,
        "instruments": instruments,
        "injections": injections,
        "patient": patient,
        "encounter": saved,
    }
    if action == "autosave":
        return JsonResponse(_autosaved(saved, valid=valid))
    if not signing:
        if valid:
            messages.success(request, "Draft saved.")
        else:
            messages.warning(
                request, "Draft saved as typed. Fix the fields marked in red before signing."
            )
        return redirect("encounters:encounter-edit", encounter_id=saved.pk)
    if not valid:
        messages.warning(request, "The draft is saved but not signed: see what is missing.")
        return _form_page(request, **page)
    sign = import_string(settings.SIGNING_SERVICE)  # claims.signing.visit_sign
    try:
        sign(
            user=request.user,
            encounter=saved,
            documentation_acknowledged=form.cleaned_data["documentation_acknowledged"],
        )
    except services.EncounterAlreadySigned as exc:
        return _already_signed(request, exc.encounter, autosave=False)
    except ValidationError as exc:
        _add_errors(form, exc)
        messages.warning(request, "The draft is saved but not signed: see what is missing.")
        return _form_page(request, **page, overlaps=services.encounter_overlapping(saved))
    messages.success(request, "Encounter signed and locked.")
    return redirect("encounters:encounter-detail", encounter_id=saved.pk)


def _autosaved(encounter: Encounter, *, valid: bool) -> dict[str, Any]:
    return {
        "encounter_id": encounter.pk,
        "edit_url": reverse("encounters:encounter-edit", kwargs={"encounter_id": encounter.pk}),
        "saved_at": timezone.localtime(encounter.updated_at).strftime("%H:%M:%S"),
        "complete": valid,
        "version": _saved_version(encounter),
    }


@require_http_methods(["GET", "POST"])
@role_required(Role.PRESCRIBER)
def encounter_create(request: AuthenticatedRequest, patient_id: int) -> HttpResponse:
    """A new encounter with the patient: the form, then the draft (and the signature)."""
    patient = patient_get_for_user(user=request.user, patient_id=patient_id, path=request.path)
    if request.method == "POST":
        return _save(request, patient=patient, encounter=None)
    today = timezone.localdate()
    hint = _status_hint(patient, clinician_for_user(request.user), today)
    primary = patient_primary_coverage(patient)
    initial: dict[str, Any] = {
        "date_of_service": today,
        "coverage": primary.pk if primary else None,
        "patient_status": hint["value"],
        "setting": "in_person",
    }
    last = encounter_carry_forward_for_user(
        user=request.user, patient=patient, before=today, path=request.path
    )
    carried_rows: list[dict[str, Any]] = []
    if last is not None:
        carried, carried_rows = carry_forward(last)
        initial.update(carried)
    scheduled = None
    if request.GET.get("visit", "").isdigit():
        scheduled = scheduled_visit_get_for_user(
            user=request.user, visit_id=int(request.GET["visit"]), path=request.path
        )
        if scheduled.patient_id != patient.pk:
            raise Http404("No such scheduled visit for this patient.")
        first_block = "pt_start" if initial.get("pt_kind") else "em_start"
        initial.update(
            {
                "date_of_service": scheduled.date,
                "setting": scheduled.setting,
                first_block: scheduled.time,
            }
        )
    return _form_page(
        request,
        form=EncounterForm(patient=patient, initial=initial),
        medications=medication_formset(carried=carried_rows),
        instruments=instrument_formset(),
        injections=injection_formset(),
        patient=patient,
        encounter=None,
        carried_from=last,
        scheduled=scheduled,
    )


def _detail(
    request: AuthenticatedRequest,
    encounter: Encounter,
    *,
    addendum_form: AddendumForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        DETAIL_TEMPLATE,
        {
            "encounter": encounter,
            "mdm": mdm_summary(encounter.mdm_problems, encounter.data_items, encounter.mdm_risk),
            "addendum_form": addendum_form or AddendumForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.PRESCRIBER)
def encounter_edit(request: AuthenticatedRequest, encounter_id: int) -> HttpResponse:
    """Edit a draft; a signed encounter is locked and shows its detail instead."""
    encounter = encounter_get_for_user(
        user=request.user, encounter_id=encounter_id, path=request.path
    )
    locked = "This encounter is signed and locked: add an addendum instead of editing it."
    autosave = request.POST.get("action") == "autosave"
    if encounter.is_signed:
        if autosave:
            return _already_signed(request, encounter, autosave=True)
        messages.error(request, locked)
        if request.method == "GET":
            return redirect("encounters:encounter-detail", encounter_id=encounter.pk)
        return _detail(request, encounter, status=409)
    if request.method == "POST":
        try:
            return _save(request, patient=encounter.patient, encounter=encounter)
        except EncounterLocked:
            if autosave:
                return _already_signed(request, encounter, autosave=True)
            messages.error(request, locked)
            return redirect("encounters:encounter-detail", encounter_id=encounter.pk)
    if encounter.draft_form:  # saved as typed, with fields still to fix: show it as typed
        typed = _bound_from_typed(encounter.draft_form)
        form = EncounterForm(typed, patient=encounter.patient, instance=encounter)
        medications = medication_formset(typed)
        instruments = instrument_formset(typed)
        injections = injection_formset(typed)
        for part in (form, medications, instruments, injections):
            part.is_valid()
    else:
        form = EncounterForm(patient=encounter.patient, instance=encounter)
        medications = medication_formset(encounter=encounter)
        instruments = instrument_formset(encounter=encounter)
        injections = injection_formset(encounter=encounter)
    return _form_page(
        request,
        form=form,
        medications=medications,
        instruments=instruments,
        injections=injections,
        patient=encounter.patient,
        encounter=encounter,
    )


@require_http_methods(["GET"])
@role_required(Role.PRESCRIBER)
def encounter_detail(request: AuthenticatedRequest, encounter_id: int) -> HttpResponse:
    """The encounter read-only, with its addenda once signed."""
    encounter = encounter_get_for_user(
        user=request.user, encounter_id=encounter_id, path=request.path
    )
    return _detail(request, encounter)


@require_http_methods(["POST"])
@role_required(Role.PRESCRIBER)
def encounter_addendum_add(request: AuthenticatedRequest, encounter_id: int) -> HttpResponse:
    """Append an addendum (what and why) to a signed encounter."""
    encounter = encounter_get_for_user(
        user=request.user, encounter_id=encounter_id, action=AccessAction.UPDATE, path=request.path
    )
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(
                user=request.user,
                encounter=encounter,
                text=form.cleaned_data["text"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Addendum added.")
            return redirect("encounters:encounter-detail", encounter_id=encounter.pk)
    return _detail(request, encounter, addendum_form=form)


@require_http_methods(["GET"])
@role_required(Role.PRESCRIBER)
def icd_search(request: AuthenticatedRequest) -> HttpResponse:
    """Billable ICD-10-CM codes matching the typed code or words (a listbox fragment)."""
    slot = request.GET.get("slot", "")
    slot = slot if slot.isascii() and slot.isdigit() and len(slot) <= 2 else ""
    query = (request.GET.get("q") or request.GET.get(f"diagnosis_{slot}", "")).strip()
    searchable = ICD_QUERY_MIN_LENGTH <= len(query) <= ICD_QUERY_MAX_LENGTH
    codes = icd_search_codes(query, limit=10, payers=payer_profile_list()) if searchable else []
    context = {
        "codes": codes,
        "slot": slot,
        "query": query,
        "too_long": len(query) > ICD_QUERY_MAX_LENGTH,
        "max_length": ICD_QUERY_MAX_LENGTH,
    }
    return render(request, f"{FORM_TEMPLATE}#icd-suggestions", context)


@require_http_methods(["POST"])
@role_required(Role.PRESCRIBER)
def mdm_levels(request: AuthenticatedRequest) -> HttpResponse:
    """The MDM element levels for the posted encounter form (a fragment; writes nothing)."""
    return render(request, f"{FORM_TEMPLATE}#mdm-levels", {"mdm": mdm_summary_from(request.POST)})


# --- note templates (no patient on these pages) ----------------------------------


@require_http_methods(["GET"])
@role_required(Role.PRESCRIBER)
def note_template_list(request: AuthenticatedRequest) -> HttpResponse:
    """The prescriber's own note templates."""
    templates = note_template_list_for_user(user=request.user)
    return render(request, "encounters/note_template_list.html", {"templates": templates})


def _note_template_form_page(
    request: AuthenticatedRequest, template: NoteTemplate | None
) -> HttpResponse:
    initial = (
        {"name": template.name, "pt_note": template.pt_note, "plan": template.plan}
        if template
        else None
    )
    form = NoteTemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            saved = services.note_template_save(
                user=request.user, template=template, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Template “{saved.name}” saved.")
            return redirect("encounters:note-template-list")
    return render(
        request, "encounters/note_template_form.html", {"form": form, "template": template}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.PRESCRIBER)
def note_template_create(request: AuthenticatedRequest) -> HttpResponse:
    """Add a note template."""
    return _note_template_form_page(request, None)


@require_http_methods(["GET", "POST"])
@role_required(Role.PRESCRIBER)
def note_template_edit(request: AuthenticatedRequest, template_id: int) -> HttpResponse:
    """Change one of the prescriber's own note templates (another's is a 404)."""
    template = note_template_get_for_user(user=request.user, template_id=template_id)
    return _note_template_form_page(request, template)


@require_http_methods(["GET", "POST"])
@role_required(Role.PRESCRIBER)
def note_template_delete(request: AuthenticatedRequest, template_id: int) -> HttpResponse:
    """Ask, then delete one of the prescriber's own note templates."""
    template = note_template_get_for_user(user=request.user, template_id=template_id)
    if request.method == "POST":
        services.note_template_delete(user=request.user, template=template)
        messages.success(request, f"Template “{template.name}” deleted.")
        return redirect("encounters:note-template-list")
    return render(request, "encounters/note_template_confirm_delete.html", {"template": template})
