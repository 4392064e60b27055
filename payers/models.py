"""Payer reference data: payer profiles, fee schedules and their change history.

The coding engine reads a payer as its ``PayerProfile`` (``payers.profiles``); the claims
app reads a payer's 837P data and fees to build and price claims. Payers imports nothing
from the apps that read it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts.triggers import AppendOnly
from coding.engine.codes import LABELS, code_error, modifiers_error

# Billable codes: the engine's code list (labels are our own words).
BILLABLE_CODES = frozenset(LABELS)


def validate_code(value: str) -> None:
    """A CPT or HCPCS level II code (the engine's shape check)."""
    error = code_error(value)
    if error is not None:
        raise ValidationError(error, code="code")


def billable_code_problem(code: str) -> str | None:
    """Why ``code`` cannot be billed: not a CPT/HCPCS shape, or not in the engine's list."""
    problem = code_error(code)
    if problem is None and code not in BILLABLE_CODES:
        problem = f"{code} is not a code this practice bills."
    return problem


def validate_modifier(value: str) -> None:
    """One modifier from the practice's fixed list (``coding.engine.codes.MODIFIERS``)."""
    error = modifiers_error([value])
    if error is not None:
        raise ValidationError(error, code="modifier")


class ClaimFilingIndicator(models.TextChoices):
    MEDICARE_B = "MB", "Medicare Part B"
    MEDICAID = "MC", "Medicaid"
    COMMERCIAL = "CI", "Commercial insurance"
    BLUE_CROSS = "BL", "Blue Cross/Blue Shield"
    HMO = "HM", "Health maintenance organization"
    TRICARE = "CH", "TRICARE"
    SELF_PAY = "09", "Self-pay"


class Payer(models.Model):
    """A payer and its coding profile (docs/coding-rules.md section 10, rule id PY)."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    # Profile fields read by the coding engine (payers.profiles.payer_profile_for).
    em_credentials = models.JSONField(
        default=list, help_text="Credentials allowed to report E/M codes (EM-1)."
    )
    pharm_mgmt_90863_credentials = models.JSONField(
        default=list, help_text="Credentials allowed to report 90863 (CB-4)."
    )
    prolonged_code = models.CharField(
        max_length=8, blank=True, help_text="99417 or G2212; empty: no prolonged code (EM-6)."
    )
    video_modifier = models.CharField(
        max_length=4,
        blank=True,
        validators=[validate_modifier],
        help_text="95, GT or empty (TH-2).",
    )
    audio_only_covered = models.BooleanField(default=True, help_text="TH-3")
    audio_modifier = models.CharField(
        max_length=4,
        default="93",
        validators=[validate_modifier],
        help_text="Modifier on audio-only lines, usually 93 (TH-3).",
    )
    modifier_25_with_addon = models.BooleanField(
        default=False, help_text="Modifier 25 on an E/M billed with a psychotherapy add-on."
    )
    accepted_z_codes = models.JSONField(
        default=list,
        blank=True,
        help_text="Z-code prefixes accepted on psychotherapy lines (DG-3).",
    )
    telehealth_in_person_waiver_until = models.DateField(
        null=True, blank=True, help_text="TH-4: in-person requirement waived until this date."
    )
    # Claim data (837P)
    payer_id = models.CharField("payer id (837P)", max_length=20, blank=True)
    claim_filing_indicator = models.CharField(
        max_length=2, choices=ClaimFilingIndicator.choices, default=ClaimFilingIndicator.COMMERCIAL
    )
    timely_filing_days = models.PositiveIntegerField(default=365)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FeeScheduleEntry(models.Model):
    """What the practice charges a payer for a code, and what the payer is expected to allow.

    ``modifier`` is empty for the code's general price; a row with a modifier (e.g. 95)
    wins over the general row when a line carries that modifier.
    """

    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="fees")
    code = models.CharField(max_length=8, validators=[validate_code])
    modifier = models.CharField(max_length=2, blank=True, validators=[validate_modifier])
    charge = models.DecimalField(max_digits=9, decimal_places=2)
    allowed = models.DecimalField("expected (allowed)", max_digits=9, decimal_places=2)

    class Meta:
        ordering = ["payer", "code", "modifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer", "code", "modifier"], name="one_fee_per_payer_code_modifier"
            ),
            models.CheckConstraint(
                condition=models.Q(charge__gte=0) & models.Q(allowed__gte=0),
                name="fee_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        mod = f"-{self.modifier}" if self.modifier else ""
        return f"{self.payer.slug} {self.code}{mod}: {self.charge} / {self.allowed}"


class PayerChange(models.Model):
    """One change to a payer's profile or fee schedule: who, when, which field, old and new."""

    # PROTECT: a payer with a history is kept (its changes are append-only).
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    field = models.CharField(max_length=60, help_text="Profile field, or 'fee 99214[-95]'.")
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        triggers = [AppendOnly(name="payer_change_append_only")]

    def __str__(self) -> str:
        return f"{self.payer.slug} {self.field}: {self.old!r} -> {self.new!r}"
