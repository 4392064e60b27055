"""Forms of the billing screens: queue filters, line fixes, reasons, answers, payers, fees."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from accounts.models import Credential
from claims.models import ClaimState, ScrubStatus
from coding.engine import beyond_licence
from coding.engine.codes import code_error, modifiers_error
from coding.engine.payer import PROLONGED_CODES, VIDEO_MODIFIERS, CredentialList

from .models import Payer
from .selectors import SORTS, QueueFilters
from .services import PAYER_FIELDS

SPLIT = re.compile(r"[\s,;:+]+")


def _tokens(text: str) -> list[str]:
    return [t for t in SPLIT.split(text.strip()) if t]


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


class QueueFilterForm(BootstrapForm):
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
        )


class VersionForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class LineFixForm(VersionForm):
    code = forms.CharField(max_length=8)
    units = forms.IntegerField(min_value=1, max_value=99)
    modifiers = forms.CharField(required=False, max_length=20, help_text="e.g. 25 95")
    pointers = forms.CharField(max_length=20, help_text="Diagnosis numbers, e.g. 1 2")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
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
        if not all(t.isdigit() for t in tokens):
            raise forms.ValidationError("Diagnosis pointers are numbers, e.g. 1 2 (DG-1).")
        return tuple(int(t) for t in tokens)


class ReasonForm(VersionForm):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ClaimActionForm(ReasonForm):
    """A change of state; a correction or void at the payer may bring the payer's claim number."""

    payer_claim_number = forms.CharField(required=False)


class PayerAnswerForm(VersionForm):
    outcome = forms.ChoiceField(choices=[("paid", "Paid"), ("denied", "Denied")])
    amount = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=2)
    carc = forms.CharField(required=False, max_length=8, label="Denial reason code (CARC)")
    note = forms.CharField(required=False, max_length=300)
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


class ListField(forms.CharField):
    """A list of short values typed as 'MD, DO, NP'."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return [v.strip() for v in str(value or "").split(",") if v.strip()]

    def prepare_value(self, value: Any) -> str:
        return ", ".join(value) if isinstance(value, list | tuple) else str(value or "")


class PayerForm(forms.ModelForm):
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
