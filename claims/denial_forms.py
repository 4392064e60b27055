"""Forms of the denial worklist: its filters (shown; the view reads them loosely, an unknown
id matching nothing) and the actions on a line."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from payers.forms import BootstrapForm

from .denials import AGE_BUCKETS
from .models import AppealOutcome


class WorklistFilterForm(BootstrapForm):
    payer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    clinician = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    carc = forms.ChoiceField(required=False, label="CARC")
    age = forms.ChoiceField(
        required=False,
        label="Age (days)",
        choices=[("", "any age"), *((k, k) for k in AGE_BUCKETS)],
    )
    show = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Denials to work"),
            ("underpaid", "Underpayments"),
            ("all", "Denials, worked ones too"),
        ],
    )

    def set_choices(
        self, *, payers: list[tuple[int, str]], clinicians: list[tuple[int, str]], carcs: list[str]
    ) -> None:
        self.fields["payer"].choices = [("", "every payer"), *payers]  # type: ignore[attr-defined]
        self.fields["clinician"].choices = [("", "every clinician"), *clinicians]  # type: ignore[attr-defined]
        self.fields["carc"].choices = [("", "every CARC"), *((c, c) for c in carcs)]  # type: ignore[attr-defined]


class ReasonForm(BootstrapForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class CorrectForm(ReasonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    payer_claim_number = forms.CharField(max_length=50, required=False)


class AppealForm(ReasonForm):
    sent_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("sent_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class AppealOutcomeForm(ReasonForm):
    outcome = forms.ChoiceField(choices=AppealOutcome.choices)


class BillPatientForm(ReasonForm):
    amount = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0.01)
