"""Forms of the claim screens: queue filters, line fixes, reasons, answers."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django import forms

from coding.engine.codes import code_error, modifiers_error
from payers.form_renderer import QUICK_RENDERER
from payers.forms import BootstrapForm
from payers.models import Payer

from .dashboard import DashboardFilters
from .dashboard_render import TABLES
from .figures import FIGURE_CHOICES
from .models import MAX_DRUG_UNITS, ClaimState, ScrubStatus
from .queue import SORTS, QueueFilters

SPLIT = re.compile(r"[\s,;:+]+")


def _tokens(text: str) -> list[str]:
    return [t for t in SPLIT.split(text.strip()) if t]


class QueueFilterForm(BootstrapForm):
    # Drawn on every queue request: its inputs and selects are written without templates.
    default_renderer = QUICK_RENDERER
    state = forms.ChoiceField(choices=[("", "All states"), *ClaimState.choices], required=False)
    # Integer fields with a select: the filter validates before the choices are loaded.
    payer = forms.IntegerField(required=False, widget=forms.Select)
    clinician = forms.IntegerField(required=False, widget=forms.Select)
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    scrub = forms.ChoiceField(
        choices=[("", "Any scrub result"), *ScrubStatus.choices],
        required=False,
        label="Scrubber result",
    )
    q = forms.CharField(required=False, label="Patient or claim number", max_length=60)
    sort = forms.ChoiceField(
        choices=[
            ("dos", "Oldest date of service"),
            ("-dos", "Newest date of service"),
            ("patient", "Patient name"),
            ("number", "Claim number"),
            ("charge", "Highest charge"),
            ("updated", "Recently changed"),
        ],
        required=False,
    )
    # The billing dashboard's links (claims.figures): hidden, named above the table instead.
    figure = forms.ChoiceField(
        choices=[("", ""), *FIGURE_CHOICES], required=False, widget=forms.HiddenInput
    )
    carc = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)
    code = forms.CharField(required=False, max_length=8, widget=forms.HiddenInput)
    finding = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    rule = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    no_payer = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def set_choices(self, *, payers: Any, clinicians: Any) -> None:
        """The payers and clinicians offered in the filter selects."""
        self.fields["payer"].widget.choices = [
            ("", "All payers"),
            *((p.pk, p.name) for p in payers),
        ]
        self.fields["clinician"].widget.choices = [
            ("", "All clinicians"),
            *((c.pk, str(c)) for c in clinicians),
        ]

    def filters(self) -> QueueFilters:
        """The filters typed; a field that does not validate is ignored (never a 500)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        sort = data.get("sort") or "dos"
        return QueueFilters(
            state=data.get("state", ""),
            payer=data.get("payer"),
            clinician=data.get("clinician"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            scrub=data.get("scrub", ""),
            q=data.get("q", ""),
            sort=sort if sort in SORTS else "dos",
            figure=data.get("figure", ""),
            carc=(data.get("carc") or "").strip().upper(),
            code=(data.get("code") or "").strip().upper(),
            finding=(data.get("finding") or "").strip().upper(),
            rule=(data.get("rule") or "").strip().upper(),
            no_payer=bool(data.get("no_payer")),
        )


class VersionForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class LineFixForm(VersionForm):
    code = forms.CharField(max_length=8)
    units = forms.IntegerField(min_value=1, max_value=MAX_DRUG_UNITS)  # services: 99 (build)
    modifiers = forms.CharField(required=False, max_length=20, help_text="e.g. 25 95")
    pointers = forms.CharField(max_length=20, help_text="Diagnosis numbers, e.g. 1 2")

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip().upper()
        error = code_error(code)
        if error is not None:
            raise forms.ValidationError(error)
        return code

    def clean_modifiers(self) -> tuple[str, ...]:
        modifiers = tuple(m.upper() for m in _tokens(self.cleaned_data.get("modifiers") or ""))
        error = modifiers_error(modifiers)
        if error is not None:
            raise forms.ValidationError(error)
        return modifiers

    def clean_pointers(self) -> tuple[int, ...]:
        tokens = _tokens(self.cleaned_data.get("pointers") or "")
        if not all(t.isascii() and t.isdigit() for t in tokens):
            raise forms.ValidationError("Diagnosis pointers are numbers, e.g. 1 2 (DG-1).")
        return tuple(int(t) for t in tokens)


class LineAddForm(LineFixForm):
    """A line the claim left out (an add-on), with the biller's reason."""

    reason = forms.CharField(max_length=500, widget=forms.TextInput, label="Why is the line added?")


class LineDeleteForm(VersionForm):
    """A line billed in error, with the biller's reason."""

    position = forms.IntegerField(min_value=1, label="Line")
    reason = forms.CharField(
        max_length=500, widget=forms.TextInput, label="Why is the line deleted?"
    )


class ReasonForm(VersionForm):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ClaimActionForm(ReasonForm):
    """A change of state; a correction or void at the payer may bring the payer's claim number."""

    payer_claim_number = forms.CharField(required=False)


class PayerAnswerForm(VersionForm):
    outcome = forms.ChoiceField(choices=[("paid", "Paid"), ("denied", "Denied")])
    amount = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=2)
    carc = forms.CharField(required=False, max_length=8, label="Denial reason code (CARC)")
    rarcs = forms.CharField(
        required=False, max_length=60, label="Remark codes (RARC)", help_text="e.g. N56 M76"
    )
    note = forms.CharField(required=False, max_length=300)
    over_charge_reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason, if paid above the charge",
        help_text="Only when the payer paid more than the claim's charge (e.g. interest).",
    )
    payer_claim_number = forms.CharField(
        required=False,
        max_length=60,
        label="Payer claim number (ICN/DCN)",
        help_text="As on the payer's answer (835 CLP07); corrections and voids send it back.",
    )


class ClinicianAnswerForm(VersionForm):
    answer = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Your answer"
    )
    addendum_text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Addendum (optional)"
    )
    addendum_reason = forms.CharField(required=False, max_length=300, label="Addendum reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("answer") or "").strip() and not (data.get("addendum_text") or "").strip():
            self.add_error("answer", "Answer the question or add an addendum.")
        return data


class PayerFileForm(BootstrapForm):
    file = forms.FileField(
        label="835, 999, 277CA or 271 file",
        help_text="As the payer or clearinghouse sent it; the kind is read from the file.",
    )


class UnmatchedAttachForm(BootstrapForm):
    claim_number = forms.CharField(max_length=20, label="Claim number")
    position = forms.IntegerField(
        required=False, min_value=1, max_value=50, label="Line (for a line payment)"
    )


class UnmatchedDismissForm(BootstrapForm):
    reason = forms.CharField(max_length=300, label="Why dismiss it?")


class DashboardFilterForm(BootstrapForm):
    """The billing dashboard's filters: payer, clinician, month of service; a CSV's table."""

    payer = forms.IntegerField(required=False, widget=forms.Select, min_value=1)
    clinician = forms.IntegerField(required=False, widget=forms.Select, min_value=1)
    month = forms.CharField(
        required=False,
        label="Month of service",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    format = forms.ChoiceField(
        choices=[("", "page"), ("csv", "CSV")], required=False, widget=forms.HiddenInput
    )
    table = forms.ChoiceField(
        choices=[("", ""), *TABLES.items()], required=False, widget=forms.HiddenInput
    )

    def set_choices(
        self, *, payers: Iterable[tuple[int, str]], clinicians: Iterable[tuple[int, str]]
    ) -> None:
        """The payers and clinicians offered; an id that names none is an error of its field."""
        payers, clinicians = list(payers), list(clinicians)
        self.fields["payer"].widget.choices = [("", "All payers"), *payers]
        self.fields["clinician"].widget.choices = [("", "All clinicians"), *clinicians]
        if not self.is_valid():
            return
        for name, known, what in (
            ("payer", payers, "payer"),
            ("clinician", clinicians, "clinician"),
        ):
            value = self.cleaned_data.get(name)
            if value is not None and value not in {pk for pk, _ in known}:
                self.add_error(name, f"No {what} has the id {value}: choose one from the list.")

    def clean_month(self) -> datetime.date | None:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
            raise forms.ValidationError("Enter a month as YYYY-MM, e.g. 2026-03.")
        return datetime.date(int(match[1]), int(match[2]), 1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("format") == "csv" and not data.get("table"):
            self.add_error("table", "Choose which table to download as CSV.")
        return data

    def filters(self) -> DashboardFilters:
        """The valid filters (an invalid field filters nothing: its error is shown)."""
        data = getattr(self, "cleaned_data", {})
        return DashboardFilters(
            payer=None if "payer" in self.errors else data.get("payer"),
            clinician=None if "clinician" in self.errors else data.get("clinician"),
            month=None if "month" in self.errors else data.get("month"),
        )


class EligibilityDayForm(BootstrapForm):
    date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))


class EligibilityUploadForm(BootstrapForm):
    file = forms.FileField(
        label="271 eligibility response",
        help_text="The payer's or clearinghouse's answer to the 270 (X12 005010X279A1).",
    )


def _money_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_digits=9, decimal_places=2
    )


def _percent_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2
    )


class CoverageFixForm(BootstrapForm):
    """The patient's new coverage and the benefits the biller verified with its payer."""

    payer: forms.ModelChoiceField[Payer] = forms.ModelChoiceField(
        queryset=Payer.objects.none(), label="New payer"
    )
    member_id = forms.CharField(max_length=40, label="Member id")
    group_number = forms.CharField(max_length=40, required=False, label="Group number")
    copay_in_person = _money_field("Copay in person ($)")
    copay_telehealth = _money_field("Copay telehealth ($)")
    coinsurance_in_person = _percent_field("Coinsurance in person (%)")
    coinsurance_telehealth = _percent_field("Coinsurance telehealth (%)")
    deductible = _money_field("Deductible ($)")
    deductible_remaining = _money_field("Deductible left to meet ($)")
    visit_limit = forms.IntegerField(
        label="Visits a year", required=False, min_value=0, max_value=999
    )
    carve_out_payer = forms.CharField(
        max_length=80,
        required=False,
        label="Behavioural health carved out to",
        help_text="The other payer's name, when mental health is not this plan's",
    )
    verified = forms.BooleanField(
        label="I verified with the payer that this coverage is active",
        error_messages={"required": "Verify the coverage with the payer first, then tick this."},
    )

    def __init__(self, *args: Any, payers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["payer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = payers

    def clean_member_id(self) -> str:
        value = str(self.cleaned_data["member_id"]).strip()
        if not re.fullmatch(r"[A-Za-z0-9-]{2,40}", value):
            raise forms.ValidationError("Letters, digits and hyphens only, as on the card.")
        return value.upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        remaining, deductible = data.get("deductible_remaining"), data.get("deductible")
        if remaining is not None and deductible is not None and remaining > deductible:
            self.add_error("deductible_remaining", "More is left than the whole deductible.")
        return data
