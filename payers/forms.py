"""Forms of the payer screens: a payer's profile and its fee schedule.

``BootstrapForm`` styles every widget the Bootstrap way; the claim forms use it too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms

from accounts.models import Credential
from coding.engine import beyond_licence
from coding.engine.payer import PROLONGED_CODES, VIDEO_MODIFIERS, CredentialList

from .models import Payer
from .services import PAYER_FIELDS

if TYPE_CHECKING:
    # ModelForm is generic in django-stubs only; Django's takes no type parameter at run time.
    PayerModelForm = forms.ModelForm[Payer]
else:
    PayerModelForm = forms.ModelForm


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget; invalid fields marked for the error text beside them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        widget.attrs["class"] = css


class ListField(forms.CharField):
    """A list of short values typed as 'MD, DO, NP'."""

    # A list where CharField gives a str: the override the type checker refuses is the point.
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return [v.strip() for v in str(value or "").split(",") if v.strip()]

    def prepare_value(self, value: Any) -> str:
        return ", ".join(value) if isinstance(value, list | tuple) else str(value or "")


class PayerForm(PayerModelForm):
    em_credentials = ListField(
        required=False,
        label="Credentials that may report E/M",
        help_text="Comma-separated, e.g. MD, DO, NP (EM-1)",
    )
    pharm_mgmt_90863_credentials = ListField(
        required=False, label="Credentials that may report 90863", help_text="e.g. RxP (CB-4)"
    )
    accepted_z_codes = ListField(
        required=False,
        label="Z codes accepted on psychotherapy lines",
        help_text="Z-code prefixes, e.g. Z63, Z65 (DG-3)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    class Meta:
        model = Payer
        fields = list(PAYER_FIELDS)
        labels = {
            "prolonged_code": "Prolonged-service code",
            "video_modifier": "Video modifier",
            "audio_only_covered": "Covers audio-only visits",
            "audio_modifier": "Audio-only modifier",
            "modifier_25_with_addon": "Modifier 25 on an E/M billed with a psychotherapy add-on",
            "telehealth_in_person_waiver_until": "Telehealth in-person rule waived until",
        }
        widgets: dict[str, Any] = {
            "telehealth_in_person_waiver_until": forms.DateInput(attrs={"type": "date"}),
            "prolonged_code": forms.Select(
                choices=[("", "none"), *((code, code) for code in PROLONGED_CODES)]
            ),
            "video_modifier": forms.Select(
                choices=[("", "none"), *((modifier, modifier) for modifier in VIDEO_MODIFIERS)]
            ),
        }

    def _credentials(self, name: str) -> list[str]:
        values = self.cleaned_data.get(name) or []
        unknown = [v for v in values if v not in Credential.values]
        if unknown:
            raise forms.ValidationError(
                f"Unknown credential(s): {', '.join(unknown)}. Use {', '.join(Credential.values)}."
            )
        return values

    def _licensed_credentials(self, name: CredentialList) -> list[str]:
        """Known credentials a licence can allow in this list; else one error per credential."""
        values = self._credentials(name)
        refusals = beyond_licence(values, name)  # EM-1, CB-4: the engine's licence ceiling
        if refusals:
            raise forms.ValidationError(refusals)
        return values

    def clean_em_credentials(self) -> list[str]:
        return self._licensed_credentials("em_credentials")

    def clean_pharm_mgmt_90863_credentials(self) -> list[str]:
        return self._licensed_credentials("pharm_mgmt_90863_credentials")

    def clean_audio_modifier(self) -> str:
        """Upper-cased; the model's validator checks it against the practice's modifier list."""
        return (self.cleaned_data.get("audio_modifier") or "").strip().upper()

    def clean_accepted_z_codes(self) -> list[str]:
        values = [v.upper() for v in self.cleaned_data.get("accepted_z_codes") or []]
        bad = [v for v in values if not re.fullmatch(r"Z\d{2}(\.\w{0,4})?", v)]
        if bad:
            raise forms.ValidationError(f"Not Z-code prefixes: {', '.join(bad)} (e.g. Z63).")
        return values


class FeeForm(BootstrapForm):
    code = forms.CharField(max_length=8)
    modifier = forms.CharField(max_length=2, required=False)
    charge = forms.DecimalField(min_value=0, max_digits=9, decimal_places=2)
    allowed = forms.DecimalField(
        min_value=0, max_digits=9, decimal_places=2, label="Expected (allowed)"
    )
