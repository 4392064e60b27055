"""Payer reference data: payer profiles, fee schedules, the drug table and their histories.

The coding engine reads a payer as its ``PayerProfile`` (``payers.profiles``); the claims
app reads a payer's 837P data and fees to build and price claims. Payers imports nothing
from the apps that read it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.triggers import AppendOnly
from coding.engine.authorization import families_error
from coding.engine.codes import LABELS, code_error, modifiers_error
from coding.engine.drugs import Drug as EngineDrug
from coding.engine.drugs import load_default_drug_table

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


# X12 service type codes (270 EQ01 / 271 EB03) for mental health, in our words. A payer
# answers for the ones it takes (``Payer.eligibility_service_types``); 30 asks about the
# plan as a whole.
ELIGIBILITY_SERVICE_TYPES = {
    "30": "Health benefit plan coverage",
    "MH": "Mental health",
    "A4": "Psychiatric",
    "A6": "Psychotherapy",
    "A7": "Psychiatric, inpatient",
    "A8": "Psychiatric, outpatient",
}


def validate_service_types(value: object) -> None:
    """A list of the service type codes the practice asks payers about, at least one."""
    codes = list(value) if isinstance(value, list | tuple) else []
    unknown = [str(c) for c in codes if c not in ELIGIBILITY_SERVICE_TYPES]
    if not codes or unknown:
        raise ValidationError(
            f"Service type codes: {', '.join(unknown) or '(none)'} not known. Use one or more "
            f"of {', '.join(ELIGIBILITY_SERVICE_TYPES)}.",
            code="service_types",
        )


def default_service_types() -> list[str]:
    """A new payer is asked about mental health (MH) until the admin says more."""
    return ["MH"]


def validate_service_families(value: object) -> None:
    """A list of the engine's service families (psychotherapy, em, testing, injection)."""
    error = families_error(value) if isinstance(value, list) else "A list of service families."
    if error is not None:
        raise ValidationError(error, code="service_families")


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
        default=list, blank=True, help_text="Credentials allowed to report 90863 (CB-4)."
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
    # Engine 2 profile fields (docs/coding-rules.md section 10): G2211, 96127, audio-only at
    # home, JZ/JW and NDC. payers.profiles reads them; 0009 set the shipped values.
    takes_g2211 = models.BooleanField(
        default=False,
        help_text="VC-1: adds G2211 to an E/M of a patient in the clinician's continuing care.",
    )
    brief_assessment_max_units = models.PositiveSmallIntegerField(
        default=3,
        validators=[MaxValueValidator(99)],
        help_text="BA-2: instruments (96127 units) paid a day; more are left off with a message.",
    )
    modifier_25_with_96127 = models.BooleanField(
        default=False, help_text="BA-3: modifier 25 on an E/M billed with 96127."
    )
    brief_assessment_telehealth_modifier = models.BooleanField(
        default=False,
        help_text="BA-1: 96127 takes the telehealth modifier (95, GT or 93) on a remote visit.",
    )
    audio_only_home_only = models.BooleanField(
        default=False,
        help_text="TH-3: audio-only visits are covered only when the patient is at home.",
    )
    discard_modifiers = models.BooleanField(
        default=False,
        help_text="INJ-3: JZ (nothing discarded) or JW (amount discarded) on single-dose drugs.",
    )
    ndc_on_drug_lines = models.BooleanField(
        default=False,
        help_text="INJ-4: the drug's 11-digit NDC, quantity and unit on drug lines (837P 2410).",
    )
    # Prior authorization (SC-AUTH): the service families this payer authorizes before the
    # visit (coding.engine.authorization); 0014 set the shipped values.
    authorization_families = models.JSONField(
        "services that need an authorization",
        default=list,
        blank=True,
        validators=[validate_service_families],
        help_text="SC-AUTH: psychotherapy, em, testing, injection.",
    )
    # Claim data (837P)
    payer_id = models.CharField("payer id (837P)", max_length=20, blank=True)
    claim_filing_indicator = models.CharField(
        max_length=2, choices=ClaimFilingIndicator.choices, default=ClaimFilingIndicator.COMMERCIAL
    )
    timely_filing_days = models.PositiveIntegerField(default=365)
    # How long after the payer's answer an appeal is accepted (the denial worklist's deadline).
    appeal_days = models.PositiveIntegerField(
        "days to appeal",
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Days after the payer's answer within which it accepts an appeal (1 to 730).",
    )
    # Eligibility (270/271): the mental-health service types this payer answers for.
    eligibility_service_types = models.JSONField(
        "service types asked in a 270",
        default=default_service_types,
        blank=True,
        validators=[validate_service_types],
        help_text="X12 service type codes: MH, A4, A6, A7, A8 (30 for the plan as a whole).",
    )
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


def validate_drug_code(value: str) -> None:
    """A HCPCS level II drug code (a capital letter and 4 digits), never a service code."""
    if not re.fullmatch(r"[A-Z]\d{4}", value):
        raise ValidationError(
            f"{value or '(empty)'} is not a HCPCS drug code: a capital letter and 4 digits, "
            "e.g. J2426.",
            code="drug_code",
        )
    if value in BILLABLE_CODES and value not in load_default_drug_table().codes:
        raise ValidationError(f"{value} is a service code, not a drug.", code="drug_code")


class Drug(models.Model):
    """One injectable product of the practice's drug table (INJ-1, INJ-3): its HCPCS code,
    the mg one billing unit stands for, its single-dose container sizes (or multi-dose), and
    the dates it is in force. ``payers.selectors.drug_table`` hands the rows to the engine.

    A billing unit that changes is a new row from that date and an end date on the old one,
    so visits are coded with the row in force on their date of service. Rows are end-dated,
    never deleted. 0010 loaded the shipped table (coding/engine/data/drugs.json).
    """

    code = models.CharField(
        "HCPCS code", max_length=5, validators=[validate_drug_code], help_text="e.g. J2426"
    )
    product = models.CharField(max_length=120, help_text="Name and brand, as the label says.")
    billing_unit_mg = models.DecimalField(
        "billing unit (mg)",
        max_digits=8,
        decimal_places=3,
        validators=[
            MinValueValidator(
                Decimal("0.001"), message="The billing unit is a positive amount of mg, e.g. 1."
            )
        ],
        help_text="The mg one unit of the code stands for (J2426: 1 mg; J1631: 50 mg).",
    )
    single_dose_mg = models.JSONField(
        "single-dose sizes (mg)",
        default=list,
        blank=True,
        help_text="Labelled sizes of the single-dose containers, as text ('39', '78'); "
        "empty for a multi-dose vial.",
    )
    multi_dose = models.BooleanField(
        default=False, help_text="A multi-dose vial: no JZ or JW on its lines (INJ-3)."
    )
    effective_from = models.DateField(
        null=True, blank=True, help_text="First date of service in force; empty: always."
    )
    effective_until = models.DateField(
        null=True, blank=True, help_text="Last date of service in force; empty: no end."
    )

    class Meta:
        ordering = ["code", "effective_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(billing_unit_mg__gt=0), name="drug_billing_unit_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_from__isnull=True)
                | models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="drug_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.product}"

    def to_engine(self) -> EngineDrug:
        """The row as the engine's ``Drug`` (sizes sorted; None for a multi-dose vial)."""
        sizes = None if self.multi_dose else tuple(sorted(Decimal(s) for s in self.single_dose_mg))
        return EngineDrug(
            code=self.code,
            product=self.product,
            billing_unit_mg=_plain(Decimal(self.billing_unit_mg)),
            single_dose_mg=sizes,
            effective_from=self.effective_from,
            effective_until=self.effective_until,
        )


def _plain(amount: Decimal) -> Decimal:
    """50.000 -> 50, 0.500 -> 0.5: the amount as the engine's messages should print it."""
    return amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount.normalize()


class DrugChange(models.Model):
    """One change to the drug table: who, when, which row and field, old and new."""

    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    field = models.CharField(max_length=60)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        triggers = [AppendOnly(name="drug_change_append_only")]

    def __str__(self) -> str:
        return f"{self.drug.code} {self.field}: {self.old!r} -> {self.new!r}"
