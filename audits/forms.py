"""Forms of the audit: the month to draw and the structured chart review (AU-3)."""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from django import forms

from coding.engine.codes import LABELS

from .models import CHECKLIST, ChartReview, Outcome
from .sampling import parse_month

CODE_SPLIT = re.compile(r"[+,;]")

if TYPE_CHECKING:
    # ModelForm is generic in django-stubs only; Django's takes no type parameter at run time.
    ChartReviewModelForm = forms.ModelForm[ChartReview]
else:
    ChartReviewModelForm = forms.ModelForm


class DrawForm(forms.Form):
    month = forms.CharField(
        label="Month to draw",
        help_text="YYYY-MM; a month that is over.",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def clean_month(self) -> datetime.date:
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def codes_in(text: str) -> list[str]:
    """The CPT codes in '99214-95 + 90833 x2' (modifiers and units dropped)."""
    codes = []
    for part in CODE_SPLIT.split(text):
        token = part.strip().split()[0] if part.strip() else ""
        code = token.split("-")[0].upper()
        if code:
            codes.append(code)
    return codes


class ChartReviewForm(ChartReviewModelForm):
    class Meta:
        model = ChartReview
        fields = [*CHECKLIST, "outcome", "reviewer_code", "comment"]
        widgets: dict[str, Any] = {
            **{name: forms.RadioSelect for name in CHECKLIST},
            "outcome": forms.RadioSelect,
            "comment": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in [*CHECKLIST, "outcome"]:
            # A model field with choices gets a ChoiceField; the stub types fields as Field.
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]  # type: ignore[attr-defined]
            self.fields[name].error_messages["required"] = "Choose one."

    def clean_reviewer_code(self) -> str:
        text: str = self.cleaned_data.get("reviewer_code", "").strip()
        unknown = [code for code in codes_in(text) if code not in LABELS]
        if unknown:
            raise forms.ValidationError(
                f"{', '.join(unknown)}: not a code this practice bills. "
                "Write codes like 99214 + 90833."
            )
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        outcome = data.get("outcome")
        if outcome in (Outcome.OVER_CODED, Outcome.UNDER_CODED) and not data.get("reviewer_code"):
            self.add_error("reviewer_code", "Enter the code you would have billed.")
        if outcome and outcome != Outcome.SUPPORTED and not data.get("comment", "").strip():
            self.add_error("comment", "Explain the finding for the clinician.")
        return data

    def _post_clean(self) -> None:
        # The review belongs to an item the service sets; check only the typed fields here.
        pass


class FocusedAuditForm(forms.Form):
    """A focused (probe) audit: the period, what it targets, its size and (optionally) seed."""

    date_from = forms.DateField(label="Visits from", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Visits to", widget=forms.DateInput(attrs={"type": "date"}))
    codes = forms.CharField(
        label="Codes billed together",
        required=False,
        help_text="E.g. 99215 + 90838: claims with every one of these codes.",
    )
    clinician = forms.TypedChoiceField(
        label="Clinician", required=False, coerce=int, empty_value=None
    )
    payer = forms.TypedChoiceField(label="Payer", required=False, coerce=int, empty_value=None)
    documentation_denials = forms.BooleanField(
        label="Only claims denied for a documentation reason", required=False
    )
    size = forms.IntegerField(label="Charts to draw", min_value=1)
    seed = forms.IntegerField(
        label="Seed",
        required=False,
        min_value=0,
        help_text="Leave empty for a new random seed; enter one only to reproduce a sample.",
    )

    def __init__(
        self,
        *args: Any,
        clinicians: list[tuple[int, str]],
        payers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].choices = [("", "Any clinician"), *clinicians]  # type: ignore[attr-defined]
        self.fields["payer"].choices = [("", "Any payer"), *payers]  # type: ignore[attr-defined]

    def clean_codes(self) -> tuple[str, ...]:
        codes = tuple(dict.fromkeys(codes_in(self.cleaned_data.get("codes", ""))))
        unknown = [code for code in codes if code not in LABELS]
        if unknown:
            raise forms.ValidationError(
                f"{', '.join(unknown)}: not a code this practice bills. Write codes like "
                "99215 + 90838."
            )
        return codes
