"""The form a biller records a payer's authorization with (SC-AUTH)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from coding.engine.authorization import FAMILY_LABELS
from encounters.models import AuthorizationCounts
from payers.forms import BootstrapForm

_NUMBER = re.compile(r"[A-Z0-9-]{1,50}")


class AuthorizationForm(BootstrapForm):
    number = forms.CharField(
        label="Authorization number",
        max_length=50,
        help_text="As the payer gave it: letters, digits and hyphens.",
    )
    psychotherapy = forms.BooleanField(required=False, label=FAMILY_LABELS["psychotherapy"])
    em = forms.BooleanField(required=False, label=FAMILY_LABELS["em"])
    testing = forms.BooleanField(required=False, label=FAMILY_LABELS["testing"])
    injection = forms.BooleanField(required=False, label=FAMILY_LABELS["injection"])
    start_date = forms.DateField(
        label="First day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_date = forms.DateField(
        label="Last day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    authorized = forms.IntegerField(label="Visits or units authorized", min_value=1, max_value=9999)
    counts = forms.ChoiceField(
        label="Counted in", choices=AuthorizationCounts.choices, initial=AuthorizationCounts.VISITS
    )

    def clean_number(self) -> str:
        number = str(self.cleaned_data["number"]).strip().upper()
        if not _NUMBER.fullmatch(number):
            raise forms.ValidationError(
                "An authorization number has letters, digits and hyphens only (at most 50)."
            )
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f) for f in FAMILY_LABELS):
            raise forms.ValidationError("Tick at least one service the authorization covers.")
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The last day is before the first day.")
        return data
