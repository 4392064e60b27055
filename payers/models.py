"""Payer profiles: the payer data the coding engine and the claim builder read."""

from django.db import models


class ClaimFilingIndicator(models.TextChoices):
    MEDICARE_B = "MB", "Medicare Part B"
    MEDICAID = "MC", "Medicaid"
    COMMERCIAL = "CI", "Commercial insurance"
    BLUE_CROSS = "BL", "Blue Cross/Blue Shield"
    HMO = "HM", "Health maintenance organization"
    TRICARE = "CH", "TRICARE"
    SELF_PAY = "09", "Self-pay"


class Payer(models.Model):
    """A payer and its coding profile (coding-reference.md section 10, rule ids PY)."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    # Profile fields read by the coding engine (coding.adapters.payer_profile_from_payer).
    em_credentials = models.JSONField(
        default=list, help_text="Credentials allowed to report E/M codes (EM-1)."
    )
    pharm_mgmt_90863_credentials = models.JSONField(
        default=list, help_text="Credentials allowed to report 90863 (CB-4)."
    )
    prolonged_code = models.CharField(
        max_length=8, blank=True, help_text="99417 or G2212; empty: no prolonged code (EM-6)."
    )
    video_modifier = models.CharField(max_length=4, blank=True, help_text="95, GT or empty (TH-2).")
    audio_only_covered = models.BooleanField(default=True, help_text="TH-3")
    audio_modifier = models.CharField(max_length=4, default="93")
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
