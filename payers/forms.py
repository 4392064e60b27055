"""Forms of the payer screens: a payer's profile, its fee schedule, and the drug table.

``BootstrapForm`` styles every widget the Bootstrap way; the claim forms use it too.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django import forms

from accounts.models import Credential
from coding.engine import beyond_licence
from coding.engine.authorization import SERVICE_FAMILIES, families_error
from coding.engine.payer import PROLONGED_CODES, VIDEO_MODIFIERS, CredentialList

from .models import Drug, Payer
from .services import DRUG_FIELDS, PAYER_FIELDS

if TYPE_CHECKING:
    # ModelForm is generic in django-stubs only; Django's takes no type parameter at run time.
    PayerModelForm = forms.ModelForm[Payer]
    DrugModelForm = forms.ModelForm[Drug]
else:
    PayerModelForm = DrugModelForm = forms.ModelForm


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
    eligibility_service_types = ListField(
        required=False,
        label="Service types asked in an eligibility inquiry (270)",
        help_text="Comma-separated X12 codes the payer answers for, e.g. MH, A6 "
        "(MH mental health, A4 psychiatric, A6 psychotherapy, A7/A8 psychiatric in/outpatient)",
    )
    authorization_families = ListField(
        required=False,
        label="Services that need the payer's authorization",
        help_text=f"Comma-separated, of {', '.join(SERVICE_FAMILIES)} (SC-AUTH)",
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
            "audio_only_home_only": "Audio-only visits covered only with the patient at home",
            "takes_g2211": "Pays G2211 for continuing care",
            "brief_assessment_max_units": "Most instruments (96127 units) paid a day",
            "modifier_25_with_96127": "Modifier 25 on an E/M billed with 96127",
            "brief_assessment_telehealth_modifier": "Telehealth modifier on 96127",
            "discard_modifiers": "JZ/JW discard modifiers on single-dose drugs",
            "ndc_on_drug_lines": "NDC on drug lines (837P loop 2410)",
        }
        help_texts = {
            "audio_only_home_only": "TH-3: an audio-only visit to a patient elsewhere is not "
            "billed.",
            "takes_g2211": "VC-1: the add-on for an office visit of a patient whose ongoing care "
            "the clinician leads; never beside modifier 25 (VC-2).",
            "brief_assessment_max_units": "BA-2: standardized instruments scored in one day "
            "beyond this are left off the claim, with a message. 0 to 99.",
            "modifier_25_with_96127": "BA-3: the payer wants the E/M marked separate from the "
            "screening instruments.",
            "brief_assessment_telehealth_modifier": "BA-1: on a video or audio visit, 96127 "
            "carries the payer's telehealth modifier too.",
            "discard_modifiers": "INJ-3: JZ when none of a single-dose container is wasted, a JW "
            "line for the amount discarded.",
            "ndc_on_drug_lines": "INJ-4: each drug line carries the product's 11-digit NDC, "
            "quantity and unit (LIN and CTP segments).",
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

    def clean_eligibility_service_types(self) -> list[str]:
        """Upper-cased, each once, in the order typed; the model's validator names unknown ones."""
        values = [v.upper() for v in self.cleaned_data.get("eligibility_service_types") or []]
        return list(dict.fromkeys(values))

    def clean_authorization_families(self) -> list[str]:
        values = [v.lower() for v in self.cleaned_data.get("authorization_families") or []]
        error = families_error(values)
        if error is not None:
            raise forms.ValidationError(error)
        return list(dict.fromkeys(values))


class FeeForm(BootstrapForm):
    code = forms.CharField(max_length=8)
    modifier = forms.CharField(max_length=2, required=False)
    charge = forms.DecimalField(min_value=0, max_digits=9, decimal_places=2)
    allowed = forms.DecimalField(
        min_value=0, max_digits=9, decimal_places=2, label="Expected (allowed)"
    )


class SizesField(ListField):
    """Single-dose container sizes typed as '39, 78, 117' (mg), kept as text ('39', '78')."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        sizes = super().to_python(value)
        bad = [size for size in sizes if not _is_positive_mg(size.removesuffix("mg").strip())]
        if bad:
            raise forms.ValidationError(
                f"Sizes are amounts in mg separated by commas (e.g. 39, 78, 117); "
                f"not {', '.join(bad)}."
            )
        amounts = sorted({Decimal(size.removesuffix("mg").strip()) for size in sizes})
        return [_decimal_text(amount) for amount in amounts]


def _is_positive_mg(text: str) -> bool:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return False
    return amount.is_finite() and amount > 0


def _decimal_text(amount: Decimal) -> str:
    """'37.5', '234': an amount without trailing zeros or an exponent."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class DrugForm(DrugModelForm):
    """A row of the drug table: add one, or change one (its code then stays as it is)."""

    single_dose_mg = SizesField(
        required=False,
        label="Single-dose sizes (mg)",
        help_text="The labelled sizes of the single-dose containers, e.g. 39, 78, 117, 156, 234 "
        "(INJ-3). Leave empty for a multi-dose vial.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["code"].disabled = True
            self.fields[
                "code"
            ].help_text = "A row keeps its code: end-date it and add a new row for another code."
        _style(self)

    class Meta:
        model = Drug
        fields = list(DRUG_FIELDS)
        labels = {
            "multi_dose": "Multi-dose vial (no JZ or JW)",
            "effective_from": "In force from",
            "effective_until": "In force until (last day)",
        }
        widgets: dict[str, Any] = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_until": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("effective_from"), data.get("effective_until")
        if start and end and end < start:
            self.add_error("effective_until", "The last day cannot be before the first day.")
        return data


class DrugEndForm(BootstrapForm):
    last_day = forms.DateField(
        label="Last date of service in force",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Visits after this day no longer find this row (INJ-1).",
    )
