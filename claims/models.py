"""Claims: one professional claim (837P) per signed encounter, its lines, every change of
its state, the billers' line fixes, and the 837P files sent.

The tables kept their rows when the models moved here from the payers app
(``payers/0007``, ``claims/0001`` to ``0003``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts.triggers import AppendOnly
from coding.engine.claim_lines import BilledLine, line_text
from coding.engine.facts import NDC_UNITS
from payers.models import Payer

# A payer's claim control number (ICN/DCN; 835 CLP07, sent back as 837P REF*F8).
_PAYER_CLAIM_NUMBER = re.compile(r"[A-Z0-9-]{1,50}")
_NDC = re.compile(r"\d{11}")
# What a biller may type as a line's units: a service's few units, or a drug's dose in
# billing units (INJ-1: 234 mg of a 1 mg unit is J2426 x234).
MAX_SERVICE_UNITS = 99
MAX_DRUG_UNITS = 9999


def validate_payer_claim_number(value: str) -> None:
    """Letters, digits and hyphens, at most 50 (REF02), as printed on the payer's answer."""
    if not _PAYER_CLAIM_NUMBER.fullmatch(value):
        raise ValidationError(
            "The payer's claim number has letters, digits and hyphens only (at most 50), "
            "as on its answer (835 CLP07).",
            code="payer_claim_number",
        )


def validate_ndc(value: str) -> None:
    """The 11-digit NDC (5-4-2) an 837P carries in LIN03, digits only."""
    if not _NDC.fullmatch(value):
        raise ValidationError("An NDC is 11 digits (5-4-2, without hyphens).", code="ndc")


# CTP05-1, the unit of the NDC quantity: the engine's units, named for the biller.
_NDC_UNIT_NAMES = {
    "F2": "international unit",
    "GR": "gram",
    "ME": "milligram",
    "ML": "millilitre",
    "UN": "unit",
}
NDC_UNIT_CHOICES = [(unit, _NDC_UNIT_NAMES.get(unit, unit)) for unit in NDC_UNITS]


class ClaimState(models.TextChoices):
    QUEUED = "queued", "Queued"
    ON_HOLD = "on_hold", "On hold"
    RETURNED = "returned", "Returned to clinician"
    APPROVED = "approved", "Approved"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted by the payer"
    PAID = "paid", "Paid"
    PARTLY_PAID = "partly_paid", "Partly paid"
    DENIED = "denied", "Denied"
    CORRECTED = "corrected", "Corrected, to resubmit"
    VOID_PENDING = "void_pending", "Void, to send to the payer"
    VOID = "void", "Void"


class ClaimFrequency(models.TextChoices):
    """CLM05-3, the claim frequency type code: what this submission does at the payer."""

    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement of a prior claim"
    VOID = "8", "Void of a prior claim"


class ScrubStatus(models.TextChoices):
    CLEAN = "clean", "Clean"
    FLAGGED = "flagged", "Flagged"


class ClaimQuerySet(models.QuerySet["Claim"]):
    def exportable(self) -> ClaimQuerySet:
        """What the next 837P file takes: approved claims, corrected ones the scrubber left
        clean (a flagged correction is approved again first) and voids to send."""
        return self.filter(
            models.Q(state=ClaimState.APPROVED)
            | models.Q(state=ClaimState.CORRECTED, scrub_status=ScrubStatus.CLEAN)
            | models.Q(state=ClaimState.VOID_PENDING)
        )


class Claim(models.Model):
    """The professional claim for one signed encounter, built at signing (837P fields)."""

    encounter = models.OneToOneField(
        "encounters.Encounter", on_delete=models.PROTECT, related_name="claim"
    )
    number = models.CharField(max_length=20, unique=True)
    # Copied from the encounter so the queue filters and sorts on one table.
    patient = models.ForeignKey(
        "encounters.Patient", on_delete=models.PROTECT, related_name="claims"
    )
    clinician = models.ForeignKey(
        "accounts.Clinician", on_delete=models.PROTECT, related_name="claims"
    )
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, null=True, related_name="claims")
    coverage = models.ForeignKey(
        "encounters.Coverage", on_delete=models.PROTECT, null=True, related_name="claims"
    )
    date_of_service = models.DateField()
    place_of_service = models.CharField(max_length=2)
    # The subscriber and provider data as billed (copied: coverage and settings may change).
    member_id = models.CharField(max_length=40, blank=True)
    subscriber = models.JSONField(default=dict, blank=True)
    rendering_npi = models.CharField(max_length=10)
    billing_npi = models.CharField(max_length=10)
    diagnoses = models.JSONField(default=list, help_text="ICD-10-CM codes in encounter order.")
    override_reason = models.TextField(blank=True, help_text="The clinician's reason, if any.")

    state = models.CharField(max_length=12, choices=ClaimState.choices, default=ClaimState.QUEUED)
    scrub_status = models.CharField(
        max_length=8, choices=ScrubStatus.choices, default=ScrubStatus.CLEAN
    )
    has_errors = models.BooleanField(default=False)
    findings = models.JSONField(default=list, blank=True)
    total_charge = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    total_expected = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    paid_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    denial_code = models.CharField("CARC", max_length=8, blank=True)
    payer_claim_number = models.CharField(
        "payer claim number (ICN/DCN)",
        max_length=50,
        blank=True,
        validators=[validate_payer_claim_number],
        help_text="The payer's claim control number from its answer (835 CLP07); "
        "corrections and voids send it back as REF*F8.",
    )
    frequency_code = models.CharField(
        "claim frequency (CLM05-3)",
        max_length=1,
        choices=ClaimFrequency.choices,
        default=ClaimFrequency.ORIGINAL,
    )
    # The prior authorization the claim bills under (837P REF*G1): set by the scrubber's
    # SC-AUTH check from the authorizations on file, never typed (claims.authorization_usage).
    prior_authorization = models.CharField(
        "prior authorization number", max_length=50, blank=True, default=""
    )
    submission_count = models.PositiveSmallIntegerField(default=0)
    batch = models.ForeignKey(
        "ExportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )

    # Optimistic locking: every change bumps the version; a stale form is refused.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # "Next claim" hands a queued claim to one biller and keeps it theirs for a while.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["date_of_service", "id"]
        indexes = [
            models.Index(fields=["state", "date_of_service", "id"], name="claim_state_dos"),
            models.Index(fields=["payer", "state", "date_of_service"], name="claim_payer_state"),
            models.Index(
                fields=["clinician", "state", "date_of_service"], name="claim_clinician_state"
            ),
            models.Index(fields=["scrub_status", "state"], name="claim_scrub_state"),
            models.Index(fields=["date_of_service", "id"], name="claim_dos"),
            models.Index(fields=["claimed_by", "state"], name="claim_claimed_by"),
            # The queue's name search: a matched patient's claims in a state, with the
            # columns its counts and its sorts by date, charge and last change read, so
            # they are index-only scans (the INCLUDE columns only on PostgreSQL).
            models.Index(
                fields=["patient", "state", "date_of_service", "id"],
                include=["total_charge", "updated_at"],
                name="claim_patient_state_dos",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(version__gte=1), name="claim_version_pos"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.number}"


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=8)
    units = models.PositiveSmallIntegerField(default=1)
    modifiers = models.JSONField(default=list, blank=True)
    pointers = models.JSONField(default=list, help_text="1-based diagnosis pointers, at most 4.")
    charge = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    expected = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    # The drug's National Drug Code where the payer wants it on drug lines (INJ-4): the 837P
    # sends it in loop 2410 (LIN N4, CTP quantity and unit). Blank on every other line.
    ndc = models.CharField(
        "NDC", max_length=11, blank=True, validators=[validate_ndc], help_text="11 digits."
    )
    ndc_quantity = models.DecimalField(
        "NDC quantity", max_digits=10, decimal_places=3, null=True, blank=True
    )
    ndc_unit = models.CharField("NDC unit", max_length=2, blank=True, choices=NDC_UNIT_CHOICES)

    class Meta:
        ordering = ["claim", "position"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="one_line_per_position"),
            models.CheckConstraint(condition=models.Q(units__gte=1), name="line_units_pos"),
        ]

    def __str__(self) -> str:
        return line_text(self.billed)

    @property
    def ndc_quantity_text(self) -> str:
        """The NDC quantity as printed: 1.5, 234 (no trailing zeros); empty without one."""
        if self.ndc_quantity is None:
            return ""
        text = f"{Decimal(self.ndc_quantity):f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    @classmethod
    def from_billed(
        cls, line: BilledLine, *, claim: Claim, position: int, priced: tuple[Decimal, Decimal]
    ) -> ClaimLine:
        """The row of a billed line at ``position``, with its (charge, expected) price."""
        charge, expected = priced
        return cls(
            claim=claim,
            position=position,
            code=line.code,
            units=line.units,
            modifiers=list(line.modifiers),
            pointers=list(line.pointers),
            charge=charge,
            expected=expected,
        )

    @property
    def billed(self) -> BilledLine:
        """The line as the engine checks it and the 837P bills it (SV1)."""
        return BilledLine(self.code, self.units, tuple(self.modifiers), tuple(self.pointers))


class ClaimTransition(models.Model):
    """Every change of a claim's state: from, to, who, when and why."""

    # PROTECT: a claim with a history is kept (its transitions are append-only).
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["claim", "at"])]
        triggers = [AppendOnly(name="claim_transition_append_only")]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_state or '-'} -> {self.to_state}"


class ClaimEdit(models.Model):
    """A biller's fix to a claim line: the line before and after.

    An added line has no ``old`` ({}), a deleted line no ``new`` ({}); both carry the
    biller's reason.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="edits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    position = models.PositiveSmallIntegerField()
    old = models.JSONField()
    new = models.JSONField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} line {self.position}"


class ExportBatch(models.Model):
    """One X12 837P file of approved claims, kept as sent."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    control_number = models.PositiveIntegerField(unique=True)
    claim_count = models.PositiveIntegerField()
    content = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]
        triggers = [AppendOnly(name="export_batch_append_only")]

    def __str__(self) -> str:
        return f"837P batch {self.control_number}"

    @property
    def filename(self) -> str:
        return f"837P-{self.control_number:09d}.x12"


class ExportJobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    BUILDING = "building", "Writing the file"
    VALIDATING = "validating", "Checking the file (pyx12)"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """One run of the 837P export in the background: who asked, how far it got, the file.

    The export page polls it for its progress bar; ``batch`` is set when the file is made.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=ExportJobStatus.choices, default=ExportJobStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    batch = models.OneToOneField(
        ExportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="job"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"837P export job {self.pk} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status not in (ExportJobStatus.DONE, ExportJobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == ExportJobStatus.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


class ClaimStateCount(models.Model):
    """How many claims are in each state, kept by PostgreSQL triggers on the claim table.

    Each state has up to ``claims.queue.COUNT_SLOTS`` rows (a connection adds its changes to
    the row of its slot, so billers changing claims at once seldom wait on one row); the
    count of a state is the sum of its rows. SQLite (the demo) counts the claims instead.
    """

    state = models.CharField(max_length=12, choices=ClaimState.choices)
    slot = models.PositiveSmallIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["state", "slot"], name="claim_state_count_slot")
        ]

    def __str__(self) -> str:
        return f"{self.state}[{self.slot}]: {self.n}"


class DashboardKind(models.TextChoices):
    CLAIM = "claim", "Claims by month of service"
    DAY = "day", "Sent claims by day of service (A/R aging, charges of the last 90 days)"
    CODE = "code", "Claims by month and billed code (the charges of that code's lines)"
    FINDING = "finding", "Denied claims by month and scrubber finding"
    RULE = "rule", "Denied claims by month and engine rule id"


class DashboardGroup(models.Model):
    """The columns of one dashboard group (``DashboardTotal``) and of one claim's share of
    it (``DashboardShare``): the same key in both, so the triggers move sums between them."""

    kind = models.CharField(max_length=8, choices=DashboardKind.choices)
    date_of_service = models.DateField()
    payer_id = models.BigIntegerField(null=True)
    clinician_id = models.BigIntegerField()
    state = models.CharField(max_length=12, choices=ClaimState.choices)
    submission_count = models.PositiveSmallIntegerField()
    denial_code = models.CharField(max_length=8, blank=True)
    code = models.TextField(blank=True, help_text="Line code, scrubber finding or rule id.")
    paid_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        abstract = True


class DashboardTotal(DashboardGroup):
    """The billing dashboard's sums, kept by PostgreSQL triggers (``claims/0013``): the claims
    of one group and what they add up to, so the dashboard reads a row per group instead of
    a row per claim. SQLite (the demo) computes the figures from the claims instead.

    A group has the columns the figures of ``claims.figures`` test on a claim (state,
    submissions, CARC, whether a payment is recorded) and those the filters test (payer,
    clinician, date of service), so the dashboard applies the same conditions to these rows
    and sums ``claims`` where it counted claims. ``date_of_service`` is the first of the month
    but for ``day`` rows; ``submission_count`` stops at 2 (the figures only tell 0, 1 and
    more); ``paid_amount`` is null exactly for the claims with no payment recorded. The
    ``finding`` and ``rule`` rows count denied claims by CARC alone (their state is blank,
    submissions 0, payment null): only the denial causes read them. As with
    ``ClaimStateCount`` each group has up to ``claims.queue.COUNT_SLOTS`` rows (a connection
    adds to the row of its slot), and a group's totals are the sums of its rows.
    """

    slot = models.PositiveSmallIntegerField(default=0)
    claims = models.BigIntegerField(default=0)
    total_charge = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, help_text="Kind code: that code's lines."
    )
    contractual = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, help_text="Kind claim: CO 45 and 253."
    )

    class Meta:
        indexes = [models.Index(fields=["kind", "date_of_service"], name="dashboard_total_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.date_of_service} {self.state} {self.code}: {self.claims}"


class DashboardShare(DashboardGroup):
    """What one claim adds to ``DashboardTotal`` (the same columns but the slot), so that a
    change to a claim, its lines, payments or signed proposal takes back exactly what the
    claim added before and adds what it adds now."""

    claim_id = models.BigIntegerField(db_index=True)
    claims = models.BigIntegerField(default=1)
    total_charge = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    contractual = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.kind} {self.code}"


# ----------------------------------------------------------------------------- payer files in
class PayerFileKind(models.TextChoices):
    ERA = "835", "835 remittance (ERA)"
    ACK_999 = "999", "999 acknowledgement"
    ACK_277CA = "277CA", "277CA claim acknowledgement"
    ELIGIBILITY_271 = "271", "271 eligibility response"


class PayerFile(models.Model):
    """One file a payer or clearinghouse sent back (835, 999, 277CA), kept as imported."""

    kind = models.CharField(max_length=5, choices=PayerFileKind.choices)
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    content = models.TextField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @property
    def summary_counts(self) -> list[tuple[str, int]]:
        """The import's counts in words (``claims_partly_paid`` -> "Partly paid")."""
        return [
            (key.removeprefix("claims_").replace("_", " ").capitalize(), value)
            for key, value in self.summary.items()
            if isinstance(value, int)
        ]


class ClaimPayment(models.Model):
    """One claim payment of an 835 (a CLP loop) posted to a claim.

    The unique key (payer, check/EFT trace number, claim, reversal) makes a repeated file,
    or the same payment in a later file, a no-op; a reversal (CLP02 22) is its own row and
    points at the payment it undoes (``reversed_by`` on the undone one).
    """

    payer_file = models.ForeignKey(PayerFile, on_delete=models.PROTECT, related_name="payments")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payments")
    payer_key = models.CharField(max_length=80, help_text="TRN03, the payer's identifier.")
    trace_number = models.CharField(max_length=50, help_text="TRN02, the check or EFT number.")
    reversal = models.BooleanField(default=False)
    status_code = models.CharField("CLP02", max_length=2)
    charge = models.DecimalField(max_digits=10, decimal_places=2)
    paid = models.DecimalField(max_digits=10, decimal_places=2)
    patient_responsibility = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    payer_claim_number = models.CharField(max_length=50, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    forwarded_to = models.CharField(max_length=80, blank=True)
    outcome = models.CharField(max_length=12, choices=ClaimState.choices)
    reversed_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reverses"
    )
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["posted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer_key", "trace_number", "claim", "reversal"],
                name="one_posting_per_payment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.trace_number} {self.paid}"


class LinePayment(models.Model):
    """One service line of a claim payment (SVC loop): what the payer allowed and paid."""

    class MatchedBy(models.TextChoices):
        CONTROL_NUMBER = "control", "Line control number (REF*6R)"
        CODE_DATE = "code_date", "Code, modifiers and date"
        CODE_DATE_MODIFIERS_DIFFER = "modifiers", "Code and date (the payer changed modifiers)"
        UNMATCHED = "unmatched", "Not matched"
        BY_HAND = "by_hand", "Attached by a biller"

    payment = models.ForeignKey(ClaimPayment, on_delete=models.CASCADE, related_name="lines")
    claim_line = models.ForeignKey(
        ClaimLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    matched_by = models.CharField(max_length=10, choices=MatchedBy.choices)
    control_number = models.CharField(max_length=50, blank=True)
    code = models.CharField(max_length=8)
    modifiers = models.JSONField(default=list, blank=True)
    units = models.DecimalField(max_digits=7, decimal_places=2, default=1)
    service_date = models.DateField(null=True, blank=True)
    charge = models.DecimalField(max_digits=10, decimal_places=2)
    allowed = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    paid = models.DecimalField(max_digits=10, decimal_places=2)
    patient_responsibility = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    rarcs = models.JSONField(default=list, blank=True, help_text="Remark codes (LQ*HE).")

    class Meta:
        ordering = ["payment", "id"]

    def __str__(self) -> str:
        return f"{self.code} paid {self.paid}"


class AdjustmentGroup(models.TextChoices):
    CO = "CO", "Contractual obligation"
    PR = "PR", "Patient responsibility"
    OA = "OA", "Other adjustment"
    PI = "PI", "Payer initiated reduction"
    CR = "CR", "Correction or reversal"


class PaymentAdjustment(models.Model):
    """One CAS adjustment: its group, reason code (CARC) and amount, on a line or the claim."""

    payment = models.ForeignKey(ClaimPayment, on_delete=models.CASCADE, related_name="adjustments")
    line = models.ForeignKey(
        LinePayment, on_delete=models.CASCADE, null=True, blank=True, related_name="adjustments"
    )
    group = models.CharField(max_length=2, choices=AdjustmentGroup.choices)
    carc = models.CharField("CARC", max_length=5)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["payment", "id"]

    def __str__(self) -> str:
        return f"{self.group}-{self.carc} {self.amount}"


class UnmatchedRemittance(models.Model):
    """A claim payment (or one of its lines) a payer file holds that no claim took."""

    class Status(models.TextChoices):
        OPEN = "open", "To resolve"
        ATTACHED = "attached", "Attached to a claim"
        DISMISSED = "dismissed", "Dismissed"

    payer_file = models.ForeignKey(PayerFile, on_delete=models.PROTECT, related_name="unmatched")
    claim_reference = models.CharField(max_length=50, help_text="CLP01 as the payer sent it.")
    # The payment's key as in ClaimPayment: a later file with the same payment adds no
    # second item (and says it was already seen).
    payer_key = models.CharField(max_length=80)
    trace_number = models.CharField(max_length=50)
    reversal = models.BooleanField(default=False)
    patient_name = models.CharField(max_length=120, blank=True)
    reason = models.CharField(max_length=300)
    # The claim payment as read from the file (claims.x12.era_read.EraClaim.to_dict()),
    # so attaching it to a claim posts it exactly as an import would.
    data = models.JSONField()
    # Set when a claim matched but one of its lines did not.
    line_payment = models.ForeignKey(
        LinePayment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="unmatched_status"),
            models.Index(
                fields=["payer_key", "trace_number", "claim_reference"], name="unmatched_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"Unmatched {self.claim_reference}: {self.reason}"


class AdjustmentCodeText(models.Model):
    """An official CARC or RARC text an administrator loaded from their own licensed file."""

    kind = models.CharField(max_length=4, choices=[("CARC", "CARC"), ("RARC", "RARC")])
    code = models.CharField(max_length=8)
    text = models.TextField()
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="one_text_per_code")]

    def __str__(self) -> str:
        return f"{self.kind} {self.code}"


# ----------------------------------------------------------------------------- denials
class DenialActionKind(models.TextChoices):
    CORRECT_RESUBMIT = "correct_resubmit", "Corrected, to resubmit"
    APPEAL = "appeal", "Appeal sent"
    APPEAL_OUTCOME = "appeal_outcome", "Appeal outcome"
    BILL_PATIENT = "bill_patient", "Billed to the patient"
    WRITE_OFF = "write_off", "Written off"


class AppealOutcome(models.TextChoices):
    WON = "won", "Won: the payer paid"
    PARTLY_WON = "partly_won", "Partly won"
    LOST = "lost", "Lost: the denial stands"


class DenialAction(models.Model):
    """What a biller did about a denied, partly denied or underpaid line: who, when, what, why.

    Append-only: an appeal's outcome is a later row of its own, never an edit of the appeal.
    """

    line_payment = models.ForeignKey(
        LinePayment, on_delete=models.PROTECT, related_name="denial_actions"
    )
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="denial_actions")
    kind = models.CharField(max_length=16, choices=DenialActionKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    sent_on = models.DateField(null=True, blank=True, help_text="The day an appeal was sent.")
    outcome = models.CharField(max_length=10, choices=AppealOutcome.choices, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["line_payment", "at"], name="denial_action_line")]
        triggers = [AppendOnly(name="denial_action_append_only")]

    def __str__(self) -> str:
        return f"{self.claim_id} line {self.line_payment_id}: {self.kind}"


class CoverageStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class CheckSource(models.TextChoices):
    RESPONSE_271 = "271", "271 from the payer"
    BILLER = "biller", "Verified by a biller (phone or portal)"


class EligibilityInquiryBatch(models.Model):
    """One X12 270 file of eligibility inquiries for a day's scheduled visits, kept as made."""

    visit_date = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    control_number = models.PositiveIntegerField(unique=True)
    inquiry_count = models.PositiveIntegerField()
    content = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]
        triggers = [AppendOnly(name="eligibility_batch_append_only")]

    def __str__(self) -> str:
        return f"270 batch {self.control_number} for {self.visit_date}"

    @property
    def filename(self) -> str:
        return f"270-{self.visit_date:%Y%m%d}-{self.control_number:09d}.x12"


class EligibilityCheck(models.Model):
    """The mental-health benefits of one coverage as verified once: from a payer's 271 or by
    a biller on the phone; who verified them and when, and what changed since the last check.

    Checks are kept (append-only): the newest is the coverage's verified benefits, the older
    ones are the history a change is flagged against. Amounts are dollars; coinsurance is the
    patient's percent (20 = 20 %).
    """

    coverage = models.ForeignKey(
        "encounters.Coverage", on_delete=models.PROTECT, related_name="eligibility_checks"
    )
    patient = models.ForeignKey(
        "encounters.Patient", on_delete=models.PROTECT, related_name="eligibility_checks"
    )
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    source = models.CharField(max_length=6, choices=CheckSource.choices)
    file_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=CoverageStatus.choices)
    plan_name = models.CharField(max_length=80, blank=True)
    plan_begin = models.DateField(null=True, blank=True)
    plan_end = models.DateField(null=True, blank=True)
    copay_in_person = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    copay_telehealth = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    coinsurance_in_person = models.DecimalField(
        "coinsurance in person (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    coinsurance_telehealth = models.DecimalField(
        "coinsurance telehealth (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    deductible = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    deductible_remaining = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True
    )
    visit_limit = models.PositiveSmallIntegerField("visits a year", null=True, blank=True)
    # Behavioural health carved out to another payer: that payer's name; empty when not.
    carve_out_payer = models.CharField(max_length=80, blank=True)
    # What the 271 said per service type (MH, A6, ...): {"MH": {"copay": "30.00", ...}}.
    benefits = models.JSONField(default=dict, blank=True)
    # What differs from the coverage's previous check, in words.
    changes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["coverage", "-checked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(plan_begin__isnull=True)
                    | models.Q(plan_end__isnull=True)
                    | models.Q(plan_end__gte=models.F("plan_begin"))
                ),
                name="eligibility_plan_dates_in_order",
            )
        ]
        triggers = [AppendOnly(name="eligibility_check_append_only")]

    def __str__(self) -> str:
        return f"{self.coverage_id} {self.status} at {self.checked_at:%Y-%m-%d %H:%M}"

    @property
    def deductible_met(self) -> Decimal | None:
        """How much of the deductible the patient has paid this year."""
        if self.deductible is None or self.deductible_remaining is None:
            return None
        return max(self.deductible - self.deductible_remaining, Decimal("0"))
