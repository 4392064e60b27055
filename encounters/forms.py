"""Forms of the prescriber's pages: patients with coverage, the encounter, addenda.

Forms validate and normalise only; the writes happen in ``encounters.services``.
Every encounter field keeps the flat name of its model field, because the live
proposal panel (coding app) posts the whole ``#encounter-form`` and reads them.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.forms import BaseFormSet, BaseInlineFormSet, formset_factory, inlineformset_factory
from django.utils import timezone

from accounts.models import Clinician
from coding.engine import DataItems, mdm_from_items
from coding.engine.codes import code_lines_from_text
from coding.engine.facts import MAX_DOSE_MG, MAX_INJECTIONS
from coding.engine.mdm import PROBLEM_ITEMS, RISK_ITEMS, mdm_level
from coding.engine.rules.dg_diagnoses import MAX_DIAGNOSES

from .icd import ICD_QUERY_MAX_LENGTH, icd_explain_invalid, icd_lookup, icd_suggests_part2
from .models import (
    Adherence,
    Coverage,
    DiagnosticEvaluation,
    Effect,
    Encounter,
    Instrument,
    MedicationChange,
    NdcUnit,
    Patient,
    PatientStatus,
    PsychotherapyKind,
    Setting,
    SubscriberRelation,
)
from .posted import mdm_items_from_post, ndc_digits
from .selectors import injection_drug_table, instrument_list_active, instruments_by_id
from .services import MDM_COUNTERS
from .validation import (
    MAX_OTHER_EM_MINUTES,
    ScoreRecorded,
    encounter_time_errors,
    other_minutes_problem,
)

DIAGNOSIS_FIELDS = tuple(f"diagnosis_{i}" for i in range(1, MAX_DIAGNOSES + 1))
MEDICATION_PREFIX = "medications"
INSTRUMENT_PREFIX = "instruments"
INJECTION_PREFIX = "injections"

DATA_COUNTERS = (
    ("mdm_notes_reviewed", "External notes reviewed"),
    ("mdm_results_reviewed", "Test results reviewed"),
    ("mdm_tests_ordered", "Tests ordered"),
)
DATA_FLAGS = (
    ("mdm_independent_historian", "Assessment requiring an independent historian"),
    ("mdm_independent_interpretation", "Independent interpretation of a test"),
    ("mdm_external_discussion", "Discussion of management with an external physician"),
)

LEVEL_LABELS = {
    "minimal": "Straightforward",
    "low": "Low",
    "moderate": "Moderate",
    "high": "High",
}

_TIME_INPUT = {"type": "time", "step": 60}

if TYPE_CHECKING:
    # The form and formset bases are generic in django-stubs only; Django's take no type
    # parameters at run time, so only the type checker sees them.
    PatientModelForm = forms.ModelForm[Patient]
    CoverageModelForm = forms.ModelForm[Coverage]
    EncounterModelForm = forms.ModelForm[Encounter]
    CoverageFormSetBase = BaseInlineFormSet[Coverage, Patient, "CoverageForm"]
    MedicationFormSetBase = BaseFormSet["MedicationForm"]
    InstrumentFormSetBase = BaseFormSet["InstrumentScoreForm"]
    InjectionFormSetBase = BaseFormSet["InjectionForm"]
else:
    PatientModelForm = CoverageModelForm = EncounterModelForm = forms.ModelForm
    CoverageFormSetBase = BaseInlineFormSet
    MedicationFormSetBase = InstrumentFormSetBase = InjectionFormSetBase = BaseFormSet


def _time_widget() -> forms.TimeInput:
    return forms.TimeInput(format="%H:%M", attrs=dict(_TIME_INPUT))


# --- patients ---------------------------------------------------------------


class PatientForm(PatientModelForm):
    clinicians = forms.ModelMultipleChoiceField(
        queryset=Clinician.objects.select_related("user"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Care team",
        help_text="Prescribers of the care team see this patient.",
    )

    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "mrn",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone",
            "clinicians",
            "part2_consent_on",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "part2_consent_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "part2_consent_on": "The date on the patient's written consent to disclose "
            "substance-use (42 CFR Part 2) records to their payer for payment; blank when none.",
        }

    def clean_part2_consent_on(self) -> datetime.date | None:
        signed = self.cleaned_data.get("part2_consent_on")
        if signed is not None and signed > timezone.localdate():
            raise forms.ValidationError("The consent cannot be signed in the future.")
        return signed

    def clean_date_of_birth(self) -> datetime.date:
        dob: datetime.date = self.cleaned_data["date_of_birth"]
        if dob > timezone.localdate():
            raise forms.ValidationError("The date of birth is in the future.")
        return dob

    def clean_state(self) -> str:
        state: str = self.cleaned_data["state"]
        return state.strip().upper()


class CoverageForm(CoverageModelForm):
    class Meta:
        model = Coverage
        fields = [
            "payer",
            "member_id",
            "group_number",
            "relation",
            "subscriber_first_name",
            "subscriber_last_name",
            "subscriber_date_of_birth",
            "priority",
            "active",
        ]
        widgets = {
            "subscriber_date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("relation") and data["relation"] != SubscriberRelation.SELF:
            for name, what in (
                ("subscriber_first_name", "first name"),
                ("subscriber_last_name", "last name"),
                ("subscriber_date_of_birth", "date of birth"),
            ):
                if not data.get(name):
                    self.add_error(
                        name, f"Enter the subscriber's {what}: the patient is not the subscriber."
                    )
        return data


class BaseCoverageFormSet(CoverageFormSetBase):
    def clean(self) -> None:
        super().clean()
        seen: dict[int, int] = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if form.cleaned_data.get("DELETE") or not form.cleaned_data.get("active"):
                continue
            priority = form.cleaned_data.get("priority")
            if priority is None:
                continue
            if priority in seen:
                form.add_error(
                    "priority",
                    f"Another active coverage already has priority {priority} "
                    "(1 = primary, 2 = secondary).",
                )
            seen[priority] = 1


CoverageFormSet = inlineformset_factory(
    Patient,
    Coverage,
    form=CoverageForm,
    formset=BaseCoverageFormSet,
    extra=1,
    can_delete=True,
)


# --- encounters -------------------------------------------------------------


class EncounterForm(EncounterModelForm):
    """The whole encounter on one page, with flat field names.

    ``signing`` adds the checks that only a signature needs (a diagnosis).
    """

    pt_kind = forms.ChoiceField(
        label="Psychotherapy",
        choices=[("", "None")] + list(PsychotherapyKind.choices),
        required=False,
    )
    patient_status = forms.ChoiceField(
        label="New or established",
        choices=PatientStatus.choices,
        widget=forms.RadioSelect,
    )
    setting = forms.ChoiceField(choices=Setting.choices, widget=forms.RadioSelect)
    diagnostic_evaluation = forms.ChoiceField(
        label="Diagnostic evaluation",
        choices=[("", "None")] + list(DiagnosticEvaluation.choices),
        required=False,
    )
    mdm_problems = forms.MultipleChoiceField(
        label="Problems addressed",
        choices=[(k, label) for k, (_, label) in PROBLEM_ITEMS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mdm_risk = forms.MultipleChoiceField(
        label="Risk of patient management",
        choices=[(k, label) for k, (_, label) in RISK_ITEMS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    em_other_minutes = forms.IntegerField(
        label="Other E/M minutes today",
        required=False,
        widget=forms.NumberInput(
            attrs={
                "min": 0,
                "max": MAX_OTHER_EM_MINUTES,
                "aria-describedby": "em-other-minutes-help",
            }
        ),
        error_messages={"invalid": "Enter the other E/M minutes as a whole number."},
    )
    # Written by the proposal panel (coding app) with form="encounter-form".
    coding_option = forms.CharField(required=False, widget=forms.HiddenInput)
    coding_custom_codes = forms.CharField(required=False, widget=forms.HiddenInput)
    coding_override_reason = forms.CharField(required=False, widget=forms.HiddenInput)
    # The lines the panel showed for the chosen option when the form was posted.
    coding_shown = forms.CharField(required=False, widget=forms.HiddenInput)
    documentation_acknowledged = forms.BooleanField(
        required=False,
        label="Sign with the documentation gaps the panel lists (EM-2); they are kept with "
        "the visit",
    )
    # One opened form, one draft: a second post of the same form reaches the same draft.
    draft_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Encounter
        fields = [
            "date_of_service",
            "coverage",
            "setting",
            "patient_at_home",
            "patient_status",
            "pt_kind",
            "pt_start",
            "pt_end",
            "pt_modality",
            "pt_focus",
            "pt_note",
            "em_start",
            "em_end",
            "mdm_problems",
            "mdm_notes_reviewed",
            "mdm_results_reviewed",
            "mdm_tests_ordered",
            "mdm_independent_historian",
            "mdm_independent_interpretation",
            "mdm_external_discussion",
            "mdm_risk",
            "mdm_data_detail",
            "mdm_risk_detail",
            "em_plan",
            "em_other_minutes",
            "longitudinal_care",
            "interactive_complexity",
            "interactive_complexity_reason",
            "diagnostic_evaluation",
            "part2",
        ]
        labels = {
            "date_of_service": "Date of service",
            "patient_at_home": "Patient is at home",
            "pt_start": "Start",
            "pt_end": "End",
            "em_start": "Start",
            "em_end": "End",
            "pt_note": "Psychotherapy note",
            "em_plan": "Plan",
            "mdm_data_detail": "Data details",
            "mdm_risk_detail": "Risk details",
            "mdm_notes_reviewed": "External notes reviewed",
            "mdm_results_reviewed": "Test results reviewed",
            "mdm_tests_ordered": "Tests ordered",
            "mdm_independent_historian": "Independent historian",
            "mdm_independent_interpretation": "Independent interpretation of a test",
            "mdm_external_discussion": "Discussed management with an external physician",
            "interactive_complexity": "Interactive complexity",
            "interactive_complexity_reason": "What made communication complex",
        }
        widgets = {
            "date_of_service": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "pt_start": _time_widget(),
            "pt_end": _time_widget(),
            "em_start": _time_widget(),
            "em_end": _time_widget(),
            "pt_note": forms.Textarea(attrs={"rows": 4}),
            "em_plan": forms.Textarea(attrs={"rows": 3}),
            "mdm_data_detail": forms.Textarea(
                attrs={"rows": 2, "placeholder": "Which notes or results, which tests, with whom"}
            ),
            "mdm_risk_detail": forms.Textarea(
                attrs={
                    "rows": 2,
                    "placeholder": "Reason for a hospitalization decision; monitoring ordered",
                }
            ),
            "mdm_notes_reviewed": forms.NumberInput(attrs={"min": 0}),
            "mdm_results_reviewed": forms.NumberInput(attrs={"min": 0}),
            "mdm_tests_ordered": forms.NumberInput(attrs={"min": 0}),
        }

    def __init__(
        self,
        *args: Any,
        patient: Patient,
        signing: bool = False,
        now: datetime.datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.signing = signing
        self.now = now or timezone.localtime()
        coverages = patient.coverages.filter(active=True).select_related("payer")
        coverage = self.fields["coverage"]
        assert isinstance(coverage, forms.ModelChoiceField)  # the foreign key's form field
        coverage.queryset = coverages
        coverage.empty_label = "No coverage (self-pay)"
        for name in MDM_COUNTERS:
            field = self.fields[name]
            field.required = False
            field.validators.append(
                MaxValueValidator(
                    settings.ENCOUNTER_MAX_MDM_COUNT,
                    message="At most %(limit_value)s can be counted here.",
                )
            )
            field.widget.attrs["max"] = settings.ENCOUNTER_MAX_MDM_COUNT
        if self.instance.pk:
            self.initial.setdefault("draft_key", self.instance.draft_key)
        else:
            self.initial.setdefault("draft_key", uuid.uuid4())
        saved_choice = self.instance.coding_choice if self.instance.pk else None
        if saved_choice:
            self.initial.setdefault("coding_option", saved_choice.get("option", ""))
            self.initial.setdefault(
                "coding_custom_codes",
                ", ".join(
                    "-".join([line["code"], *line.get("modifiers", [])])
                    for line in saved_choice.get("lines", [])
                ),
            )
            self.initial.setdefault("coding_override_reason", self.instance.coding_override_reason)
        for i, name in enumerate(DIAGNOSIS_FIELDS, start=1):
            self.fields[name] = forms.CharField(
                label=f"Diagnosis {i}",
                required=False,
                max_length=ICD_QUERY_MAX_LENGTH,  # the field also takes words to search
                widget=forms.TextInput(
                    attrs={"autocomplete": "off", "placeholder": "Code or words, e.g. F41.1"}
                ),
            )
        if self.instance.pk:
            for dx in self.instance.diagnoses.all():
                if dx.position <= MAX_DIAGNOSES:
                    self.initial[f"diagnosis_{dx.position}"] = dx.code
        self.diagnosis_descriptions: dict[str, str] = {}

    def _post_clean(self) -> None:
        # The services write and run the model's checks; the form only validates input.
        pass

    # MDM counters may be left empty: they count as zero.
    def _count(self, name: str) -> int:
        return self.cleaned_data.get(name) or 0

    def clean_mdm_notes_reviewed(self) -> int:
        return self._count("mdm_notes_reviewed")

    def clean_mdm_results_reviewed(self) -> int:
        return self._count("mdm_results_reviewed")

    def clean_mdm_tests_ordered(self) -> int:
        return self._count("mdm_tests_ordered")

    def clean_em_other_minutes(self) -> int:
        minutes: int | None = self.cleaned_data.get("em_other_minutes")
        problem = other_minutes_problem(minutes)
        if problem:
            raise forms.ValidationError(problem)
        return minutes or 0

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for field, messages in encounter_time_errors(
            date_of_service=data.get("date_of_service"),
            pt_start=data.get("pt_start"),
            pt_end=data.get("pt_end"),
            em_start=data.get("em_start"),
            em_end=data.get("em_end"),
            now=self.now,
            partial_ok=not self.signing,  # a draft may hold a running timer's start alone
        ).items():
            for message in messages:
                if field in self.fields and field not in self.errors:
                    self.add_error(field, message)
                elif field not in self.fields:
                    self.add_error(None, message)
        self._clean_diagnoses()
        if (
            data.get("interactive_complexity")
            and not data.get("interactive_complexity_reason", "").strip()
        ):
            self.add_error(
                "interactive_complexity_reason", "Say what made the communication complex (IC-1)."
            )
        timed = data.get("pt_start") or data.get("pt_end")
        if self.signing and data.get("pt_kind") and not timed:
            self.add_error("pt_start", "Enter the psychotherapy start and end times (PT-4).")
        data["coding_choice"] = coding_choice_from(
            data.get("coding_option", ""),
            data.get("coding_custom_codes", ""),
            shown=data.get("coding_shown", ""),
        )
        if self.signing and data["coding_choice"] is None:
            self.add_error(None, "Choose the codes to bill on the panel before signing.")
        return data

    def _clean_diagnoses(self) -> None:
        seen: dict[str, str] = {}
        for name in DIAGNOSIS_FIELDS:
            raw = (self.cleaned_data.get(name) or "").strip()
            if not raw:
                continue
            found = icd_lookup(raw)
            if found is None:
                self.add_error(name, icd_explain_invalid(raw))
                continue
            if found.code in seen:
                self.add_error(name, f"{found.code} is already listed as {seen[found.code]}.")
                continue
            seen[found.code] = str(self.fields[name].label or name)
            self.cleaned_data[name] = found.code
            self.diagnosis_descriptions[name] = found.description
        if self.signing and not seen and DIAGNOSIS_FIELDS[0] not in self.errors:
            self.add_error(DIAGNOSIS_FIELDS[0], "Add at least one diagnosis before signing (DG-1).")

    # --- what the services need ---------------------------------------------

    def encounter_data(self) -> dict[str, Any]:
        """The values that passed the checks; a field with an error gets its empty value.

        A draft is saved from this whether or not the whole form is valid (the form as
        typed is kept beside it), so the fields never hold a value that failed a check.
        """
        data = {name: self._checked_value(name) for name in self.Meta.fields}
        data["pt_kind"] = data["pt_kind"] or ""
        data["diagnostic_evaluation"] = data["diagnostic_evaluation"] or ""
        data["pt_modality"] = data["pt_modality"] or ""
        data["draft_key"] = self.cleaned_data.get("draft_key")
        if self.cleaned_data.get("coding_choice") is not None:
            data["coding_choice"] = self.cleaned_data["coding_choice"]
            data["coding_override_reason"] = self.cleaned_data.get("coding_override_reason", "")
        return data

    def _checked_value(self, name: str) -> Any:
        if name in self.cleaned_data:
            return self.cleaned_data[name]
        if name == "date_of_service":
            return self.instance.date_of_service or timezone.localdate()
        field = Encounter._meta.get_field(name)
        assert isinstance(field, models.Field)  # Meta.fields names the model's own fields
        if field.has_default():
            return field.get_default()
        return None if field.null else ""

    def diagnosis_codes(self) -> list[str]:
        return [self.cleaned_data[n] for n in DIAGNOSIS_FIELDS if self.cleaned_data.get(n)]

    def part2_suggested(self) -> bool:
        """F10-F19 among the diagnoses typed and the Part 2 box not ticked: say so by the box."""
        typed = [str(self[name].value() or "") for name in DIAGNOSIS_FIELDS]
        return icd_suggests_part2(typed) and not self["part2"].value()

    # --- what the template shows ---------------------------------------------

    def diagnosis_rows(self) -> list[dict[str, Any]]:
        """One row per diagnosis slot: the bound field, its description, shown or hidden."""
        rows = []
        last_filled = 0
        for i, name in enumerate(DIAGNOSIS_FIELDS, start=1):
            if self[name].value():
                last_filled = i
        for i, name in enumerate(DIAGNOSIS_FIELDS, start=1):
            field = self[name]
            description = self.diagnosis_descriptions.get(name, "")
            if not description and field.value() and not field.errors:
                found = icd_lookup(str(field.value()))
                description = found.description if found else ""
            rows.append(
                {
                    "slot": i,
                    "field": field,
                    "description": description,
                    "hidden": i > max(last_filled + 1, 1) and not field.errors,
                }
            )
        return rows

    def mdm_summary(self) -> dict[str, str]:
        if self.is_bound:
            return mdm_summary_from(self.data)
        encounter = self.instance
        return mdm_summary(encounter.mdm_problems, encounter.data_items, encounter.mdm_risk)


def coding_choice_from(option: str, custom_codes: str, *, shown: str = "") -> dict[str, Any] | None:
    """The panel's choice as stored on the encounter: {"option", "shown", "lines"}.

    ``shown`` is the panel's text of the chosen option's lines when the form was posted;
    signing compares it with the lines the engine gives then. None when nothing is chosen.
    """
    option = (option or "").strip()
    if not option:
        return None
    choice: dict[str, Any] = {"option": option, "shown": (shown or "").strip()}
    if option == "custom":
        choice["lines"] = code_lines_from_text(custom_codes)
    return choice


def mdm_summary(problems: Any, items: DataItems, risk: Any) -> dict[str, str]:
    """The three MDM element levels and the MDM level (EM-2), in words."""
    mdm = mdm_from_items(
        [p for p in problems or [] if p in PROBLEM_ITEMS],
        items,
        [r for r in risk or [] if r in RISK_ITEMS],
    )
    return {
        "problems": LEVEL_LABELS[mdm.problems],
        "data": LEVEL_LABELS[mdm.data],
        "risk": LEVEL_LABELS[mdm.risk],
        "level": LEVEL_LABELS[mdm_level(mdm)],
    }


def mdm_summary_from(data: Any) -> dict[str, str]:
    """The MDM levels (EM-2) of a posted encounter form."""
    return mdm_summary(*mdm_items_from_post(data))


_BLANK = [("", "---------")]


class MedicationForm(forms.Form):
    name = forms.CharField(label="Medication", max_length=100)
    dose = forms.CharField(max_length=40)
    frequency = forms.CharField(max_length=40)
    adherence = forms.ChoiceField(choices=_BLANK + list(Adherence.choices))
    side_effects = forms.CharField(label="Side effects", max_length=200, required=False)
    effect = forms.ChoiceField(choices=_BLANK + list(Effect.choices))
    change = forms.ChoiceField(choices=_BLANK + list(MedicationChange.choices))
    change_reason = forms.CharField(label="Reason", max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        change = data.get("change")
        if change and change != MedicationChange.CONTINUED and not data.get("change_reason"):
            self.add_error("change_reason", "Say why the medication was changed.")
        return data


class BaseMedicationFormSet(MedicationFormSetBase):
    def medications(self) -> list[dict[str, Any]]:
        """The complete, valid rows (a draft keeps the others only as typed)."""
        return [
            {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


def _medication_formset_class(*, extra: int) -> type[BaseMedicationFormSet]:
    # django-stubs' formset_factory returns type[BaseFormSet], not the formset= subclass
    # Django builds.
    return formset_factory(  # type: ignore[return-value]
        MedicationForm, formset=BaseMedicationFormSet, extra=extra, can_delete=True, max_num=30
    )


MedicationFormSet = _medication_formset_class(extra=0)


def medication_formset(
    data: Any = None,
    *,
    encounter: Encounter | None = None,
    carried: list[dict[str, Any]] | None = None,
) -> BaseMedicationFormSet:
    """The medication review rows: posted, the saved ones, the carried ones, or one empty row."""
    if data is not None:
        return MedicationFormSet(data, prefix=MEDICATION_PREFIX)
    initial = list(carried or [])
    if encounter is not None and encounter.pk:
        initial = [
            {
                "name": m.name,
                "dose": m.dose,
                "frequency": m.frequency,
                "adherence": m.adherence,
                "side_effects": m.side_effects,
                "effect": m.effect,
                "change": m.change,
                "change_reason": m.change_reason,
            }
            for m in encounter.medication_reviews.all()
        ]
    formset = MedicationFormSet(initial=initial, prefix=MEDICATION_PREFIX)
    if not initial:
        formset = _medication_formset_class(extra=1)(prefix=MEDICATION_PREFIX)
    return formset


def carry_forward(last: Encounter) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What a new visit takes from the patient's last signed visit: the form's initial values
    (setting, coverage while still active, established status, the psychotherapy kind, the
    diagnoses in order) and the medication rows still taken (not stopped).

    Each medication comes with "Continued unchanged" picked, shown on the row for the
    clinician to change; adherence and effect are the last recorded, to check. No note
    text is carried: the psychotherapy note, plan, focus and details start empty.
    """
    initial: dict[str, Any] = {
        "setting": last.setting,
        "patient_status": PatientStatus.ESTABLISHED,
        "pt_kind": last.pt_kind,
    }
    if last.coverage is not None and last.coverage.active:
        initial["coverage"] = last.coverage.pk
    for dx in last.diagnoses.all():
        if dx.position <= MAX_DIAGNOSES:
            initial[f"diagnosis_{dx.position}"] = dx.code
    rows = [
        {
            "name": m.name,
            "dose": m.dose,
            "frequency": m.frequency,
            "adherence": m.adherence,
            "effect": m.effect,
            "change": MedicationChange.CONTINUED,
            "carried": True,
        }
        for m in last.medication_reviews.all()
        if m.change != MedicationChange.STOPPED
    ]
    return initial, rows


# --- the schedule -----------------------------------------------------------------


class ScheduledVisitForm(forms.Form):
    """Who sees the patient, when and how; the clinicians offered are the patient's care team."""

    clinician = forms.ModelChoiceField(queryset=Clinician.objects.none(), empty_label=None)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    setting = forms.ChoiceField(choices=Setting.choices, initial=Setting.IN_PERSON)

    def __init__(self, *args: Any, clinicians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["clinician"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = clinicians
        field.help_text = "Only the patient's care team can be scheduled."

    def clean_date(self) -> datetime.date:
        date: datetime.date = self.cleaned_data["date"]
        if date < timezone.localdate():
            raise forms.ValidationError("Pick today or a later day: the schedule is ahead of us.")
        return date


# --- instruments (BA-1) --------------------------------------------------------


def _with_rows_posted(data: Any, prefix: str) -> Any:
    """The posted data, read as "no rows" of this formset when its management form is absent.

    The page always posts it; a client that predates the formset (a script) still gets a
    clear answer instead of a management-form error.
    """
    if f"{prefix}-TOTAL_FORMS" in data:
        return data
    data = data.copy()
    data[f"{prefix}-TOTAL_FORMS"] = "0"
    data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


def instrument_label(instrument: Instrument) -> str:
    """The instrument as the form offers it: its name, range, and whether it is 96127."""
    counted = "" if instrument.counts_for_96127 else ", recorded, not 96127"
    return f"{instrument.name} ({instrument.score_min}-{instrument.score_max}{counted})"


class InstrumentScoreForm(forms.Form):
    """One standardized instrument given in the visit and its total score."""

    instrument = forms.TypedChoiceField(coerce=int, label="Instrument")
    score = forms.IntegerField(
        label="Score", error_messages={"invalid": "Enter the total score as a whole number."}
    )

    def __init__(self, *args: Any, instruments: dict[int, Instrument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instruments = instruments
        field = self.fields["instrument"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = _BLANK + [(pk, instrument_label(i)) for pk, i in instruments.items()]
        field.error_messages["invalid_choice"] = "Choose an instrument from the list."

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        instrument = self.instruments.get(data.get("instrument") or 0)
        score = data.get("score")
        if instrument is not None and score is not None:
            problem = ScoreRecorded(
                instrument.name, score, instrument.score_min, instrument.score_max
            ).problem
            if problem:
                self.add_error("score", problem)
        return data


class BaseInstrumentFormSet(InstrumentFormSetBase):
    def clean(self) -> None:
        super().clean()
        seen: set[int] = set()
        for form in self.forms:
            if not form.is_valid() or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            pk = form.cleaned_data["instrument"]
            if pk in seen:
                name = form.instruments[pk].name
                form.add_error("instrument", f"{name} is already listed: record it once.")
            seen.add(pk)

    def scores(self) -> list[dict[str, int]]:
        """The complete, valid rows: {"instrument": id, "score": n}."""
        return [
            {"instrument": form.cleaned_data["instrument"], "score": form.cleaned_data["score"]}
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


def _instrument_formset_class(*, extra: int) -> type[BaseInstrumentFormSet]:
    return formset_factory(  # type: ignore[return-value]
        InstrumentScoreForm, formset=BaseInstrumentFormSet, extra=extra, can_delete=True, max_num=20
    )


def _instrument_choices(posted_ids: list[int]) -> dict[int, Instrument]:
    """The active instruments, and any other one a draft already holds (by name)."""
    instruments = {i.pk: i for i in instrument_list_active()}
    missing = [pk for pk in posted_ids if pk not in instruments]
    instruments.update(instruments_by_id(missing))
    return dict(sorted(instruments.items(), key=lambda item: item[1].name))


def _posted_ids(data: Any, prefix: str, field: str) -> list[int]:
    return [
        int(value)
        for key in data
        if key.startswith(f"{prefix}-")
        and key.endswith(f"-{field}")
        and (value := str(data.get(key, "")).strip()).isascii()
        and value.isdigit()
    ]


def instrument_formset(
    data: Any = None, *, encounter: Encounter | None = None
) -> BaseInstrumentFormSet:
    """The instrument rows: posted, the saved ones, or one empty row."""
    if data is not None:
        kwargs = {
            "instruments": _instrument_choices(_posted_ids(data, INSTRUMENT_PREFIX, "instrument"))
        }
        return _instrument_formset_class(extra=0)(
            _with_rows_posted(data, INSTRUMENT_PREFIX), prefix=INSTRUMENT_PREFIX, form_kwargs=kwargs
        )
    saved = (
        list(encounter.instrument_scores.all()) if encounter is not None and encounter.pk else []
    )
    kwargs = {"instruments": _instrument_choices([row.instrument_id for row in saved])}
    initial = [{"instrument": row.instrument_id, "score": row.score} for row in saved]
    return _instrument_formset_class(extra=0 if initial else 1)(
        initial=initial, prefix=INSTRUMENT_PREFIX, form_kwargs=kwargs
    )


# --- injections (INJ-1, INJ-3, INJ-4) --------------------------------------------

SUPPLIED_CHOICES = [
    ("", "---------"),
    ("practice", "The practice bought it: bill the drug"),
    ("patient", "The patient or a pharmacy supplied it: 96372 alone"),
]


def drug_choices() -> list[tuple[str, str]]:
    """The drug table's codes with their products, for the injection rows."""
    table = injection_drug_table()
    products: dict[str, str] = {}
    for code in sorted(table.codes):
        drug = table.lookup(code)
        if drug is not None:
            products[code] = f"{code} {drug.product}"
    return list(products.items())


_AMOUNT_ERRORS = {"invalid": "Enter the amount in mg, e.g. 234 or 12.5."}


class InjectionForm(forms.Form):
    """One long-acting injection given in the visit."""

    drug = forms.ChoiceField(label="Drug")
    dose_mg = forms.DecimalField(
        label="Dose (mg)",
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_DOSE_MG,
        help_text="In the product's labelled strength.",
        error_messages=_AMOUNT_ERRORS,
    )
    container_mg = forms.DecimalField(
        label="Container used (mg)",
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_DOSE_MG,
        required=False,
        help_text="The syringe's or vial's labelled amount; empty: the dose.",
        error_messages=_AMOUNT_ERRORS,
    )
    supplied = forms.ChoiceField(label="Who bought the drug", choices=SUPPLIED_CHOICES)
    given_by = forms.CharField(
        label="Given by",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "the clinician"}),
    )
    lot = forms.CharField(label="Lot", max_length=40, required=False)
    ndc = forms.CharField(
        label="NDC",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "11 digits, e.g. 50458-0564-01"}),
    )
    ndc_quantity = forms.DecimalField(
        label="NDC quantity",
        max_digits=10,
        decimal_places=3,
        min_value=Decimal("0.001"),
        required=False,
        error_messages={"invalid": "Enter the NDC quantity as a number, e.g. 1."},
    )
    ndc_unit = forms.ChoiceField(
        label="NDC unit", choices=_BLANK + list(NdcUnit.choices), required=False
    )

    def __init__(self, *args: Any, drugs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["drug"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _BLANK + drugs
        field.error_messages["invalid_choice"] = "Choose the drug from the practice's drug table."

    def clean_ndc(self) -> str:
        raw = str(self.cleaned_data.get("ndc") or "").strip()
        if not raw:
            return ""
        digits = ndc_digits(raw)
        if digits is None:
            raise forms.ValidationError(
                f"Enter the NDC as its 11 digits (hyphens allowed), e.g. 50458-0564-01; got {raw}."
            )
        return digits

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        has_ndc = bool(data.get("ndc")) or "ndc" in self.errors
        if has_ndc:
            if data.get("ndc_quantity") is None and "ndc_quantity" not in self.errors:
                self.add_error("ndc_quantity", "Enter the NDC quantity (e.g. 1 syringe).")
            if not data.get("ndc_unit"):
                self.add_error("ndc_unit", "Choose the NDC unit (UN for a syringe).")
        elif data.get("ndc_quantity") is not None or data.get("ndc_unit"):
            self.add_error("ndc", "Enter the NDC the quantity and unit belong to.")
        return data

    def injection(self) -> dict[str, Any]:
        """The row as the Injection model stores it."""
        data = self.cleaned_data
        return {
            "drug": data["drug"],
            "dose_mg": data["dose_mg"],
            "container_mg": data.get("container_mg") or data["dose_mg"],
            "supplied_by_practice": data["supplied"] == "practice",
            "given_by": data.get("given_by", ""),
            "lot": data.get("lot", ""),
            "ndc": data.get("ndc", ""),
            "ndc_quantity": data.get("ndc_quantity"),
            "ndc_unit": data.get("ndc_unit", ""),
        }


class BaseInjectionFormSet(InjectionFormSetBase):
    def clean(self) -> None:
        super().clean()
        given = [
            form
            for form in self.forms
            if form.has_changed() and not (form.is_valid() and form.cleaned_data.get("DELETE"))
        ]
        if len(given) > MAX_INJECTIONS:
            raise forms.ValidationError(
                f"At most {MAX_INJECTIONS} injections per visit; {len(given)} are entered."
            )

    def injections(self) -> list[dict[str, Any]]:
        """The complete, valid rows (a draft keeps the others only as typed)."""
        return [
            form.injection()
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


def _injection_formset_class(*, extra: int) -> type[BaseInjectionFormSet]:
    return formset_factory(  # type: ignore[return-value]
        InjectionForm,
        formset=BaseInjectionFormSet,
        extra=extra,
        can_delete=True,
        max_num=MAX_INJECTIONS,
    )


def injection_formset(
    data: Any = None, *, encounter: Encounter | None = None
) -> BaseInjectionFormSet:
    """The injection rows: posted, the saved ones, or one empty row."""
    kwargs = {"drugs": drug_choices()}
    if data is not None:
        return _injection_formset_class(extra=0)(
            _with_rows_posted(data, INJECTION_PREFIX), prefix=INJECTION_PREFIX, form_kwargs=kwargs
        )
    saved = list(encounter.injections.all()) if encounter is not None and encounter.pk else []
    initial = [
        {
            "drug": row.drug,
            "dose_mg": row.dose_mg,
            "container_mg": row.container_mg,
            "supplied": "practice" if row.supplied_by_practice else "patient",
            "given_by": row.given_by,
            "lot": row.lot,
            "ndc": row.ndc,
            "ndc_quantity": row.ndc_quantity,
            "ndc_unit": row.ndc_unit,
        }
        for row in saved
    ]
    return _injection_formset_class(extra=0)(
        initial=initial, prefix=INJECTION_PREFIX, form_kwargs=kwargs
    )


class AddendumForm(forms.Form):
    text = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label="Why it is added", max_length=300)


# --- note templates ------------------------------------------------------------


class NoteTemplateForm(forms.Form):
    """A prescriber's starting text for the psychotherapy note and the plan."""

    name = forms.CharField(
        max_length=80, help_text="Shown in “Start from a template” on the encounter form."
    )
    pt_note = forms.CharField(
        label="Psychotherapy note", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    plan = forms.CharField(label="Plan", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not (cleaned.get("pt_note") or cleaned.get("plan")):
            raise forms.ValidationError(
                "Write a psychotherapy note or a plan: an empty template fills nothing."
            )
        return cleaned
