"""Forms for accounts: the 6-digit code of two-step sign-in."""

from __future__ import annotations

import re

from django import forms


class TwoStepCodeForm(forms.Form):
    """One current code from the user's authenticator app (spaces and dashes are ignored)."""

    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "placeholder": "123 456",
            }
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
        return code
