"""Chart audits: the drawn samples (monthly, focused, follow-up), their charts, each review.

How a monthly sample is drawn today (AU-1, ``method = "coverage-1"``), so anyone can
redraw it from what is stored here:

1. Population: the ids of encounters with ``status = 'signed'``, ``date_of_service``
   in the sample's month (a date range, first day to the next month's first day) and
   ``signed_at`` at or before ``drawn_at``, in ascending id order (``population_ids``).
2. Strata: the population split by the clinician who signed (``strata``, in ascending
   clinician id, each with its ascending ids). Each clinician's minimum this month is
   ``max(per_month, floor(per_quarter * m / 3) - drawn_before)``, capped by their charts,
   where ``m`` is the month's place in its calendar quarter (1-3) and ``drawn_before`` the
   clinician's charts in monthly samples of the quarter's earlier months drawn before this
   one. The minimums are stored in each stratum, and each stratum's size beside the strata
   (``strata_rows``: the pages list the strata without reading their ids).
3. With one ``rng = random.Random(seed)``: for each stratum, ``rng.sample(its ids,
   minimum)``; then ``rng.sample(the remaining ids in ascending order, max(0, size -
   charts so far))``, capped by what remains. So the sample is the practice-wide ``size``,
   grown only when the minimums need more. With no minimums this is exactly
   ``random.Random(seed).sample(population_ids, min(size, N))``.

A focused or follow-up sample (``kind``) draws the same way with no minimums from its own
population (``focus``: period, clinician, codes, payer, documentation denials).

Samples drawn before coverage (``method = "simple-1"``) keep their rule:

1. Population: the ids of encounters with ``status = 'signed'``, ``date_of_service``
   in the sample's month and ``signed_at`` at or before ``drawn_at``, in ascending
   id order. Its size is ``population_size``; the ids are kept in ``population_ids``.
2. ``k = min(requested_size, population_size)``; when the month has fewer signed
   encounters than the sample size, all of them are taken (``took_all``).
3. Unstratified: ``random.Random(seed).sample(population_ids, k)``; the charts are
   kept in that order (``AuditSampleItem.position``).
4. Stratified by clinician (``stratified``, only when ``k`` is at least the number of
   clinicians in the population): with one ``rng = random.Random(seed)``, for each
   clinician in ascending clinician id, ``rng.choice(their ids in ascending order)``;
   then ``rng.sample(the remaining ids in ascending order, k - clinicians)``.

``audits.services.audit_sample_redraw`` does exactly this again and compares; the draw
stores that comparison (``verified``), and ``draw_audit_sample --month M --verify`` runs it
again. One monthly sample per month is a database constraint (AU-2), not only a check in code.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.models import Clinician
from encounters.models import Encounter

POPULATION_RULE = (
    "Encounters with status 'signed', date of service in the month and signed at or "
    "before the draw, ordered by id."
)
FOCUSED_POPULATION_RULE = (
    "Encounters with status 'signed', date of service in the period and signed at or "
    "before the draw, narrowed by the focus (clinician; claim lines with every code; the "
    "claim's payer; a claim denied with a documentation CARC), ordered by id."
)
METHOD_SIMPLE = "simple-1"  # before per-prescriber coverage: see the module docstring
METHOD_COVERAGE = "coverage-1"


class SampleKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    FOCUSED = "focused", "Focused (probe)"
    FOLLOW_UP = "follow_up", "Follow-up re-audit"


class AuditSample(models.Model):
    """A random draw of signed charts (AU-1, AU-2). See the module docstring."""

    kind = models.CharField(max_length=10, choices=SampleKind.choices, default=SampleKind.MONTHLY)
    month = models.DateField(
        help_text="First day of the month audited (a focused sample: of its period's start)."
    )
    title = models.CharField(max_length=200, blank=True, help_text="What a focused sample targets.")
    focus = models.JSONField(
        default=dict, blank=True, help_text="A focused sample's filters, as the draw read them."
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=16, default=METHOD_COVERAGE)
    strata = models.JSONField(
        default=list,
        blank=True,
        help_text="Per clinician: ids, charts drawn before in the quarter, minimum, drawn.",
    )
    strata_rows = models.JSONField(
        default=list,
        blank=True,
        help_text="The strata as the pages list them: each with its number of charts ('signed') "
        "in place of its ids, so a page reads a few numbers rather than the population's ids.",
    )
    verified = models.BooleanField(
        null=True, help_text="The redraw from the stored seed matched at the draw."
    )
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        help_text="The sample whose findings called for this follow-up re-audit.",
    )
    clinician = models.ForeignKey(
        Clinician,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The clinician a focused or follow-up sample targets.",
    )
    seed = models.BigIntegerField()
    requested_size = models.PositiveSmallIntegerField(help_text="AUDIT_SAMPLE_SIZE at the draw.")
    population_size = models.PositiveIntegerField()
    population_rule = models.CharField(max_length=300, default=POPULATION_RULE)
    population_ids = models.JSONField(
        default=list, help_text="The ordered population the sample was drawn from (ids only)."
    )
    stratified = models.BooleanField(
        default=False, help_text="At least one chart per clinician of the month (step 4)."
    )
    stratification_note = models.CharField(max_length=300, blank=True)
    drawn_at = models.DateTimeField()
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the scheduled task drew it.",
    )

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["month"],
                condition=Q(kind="monthly"),
                name="one_audit_sample_per_month",
            ),
            models.UniqueConstraint(
                fields=["follows", "clinician"],
                condition=Q(kind="follow_up"),
                name="one_follow_up_per_clinician_and_finding_month",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="audit_month_is_first_day"),
        ]

    def __str__(self) -> str:
        if self.kind == SampleKind.MONTHLY:
            return f"Audit sample {self.month:%Y-%m}"
        return f"{self.get_kind_display()} #{self.pk}: {self.title}"

    @property
    def is_monthly(self) -> bool:
        return self.kind == SampleKind.MONTHLY

    @property
    def month_label(self) -> str:
        """'2026-01' for a monthly sample; 'focused-12' for the others (file names, titles)."""
        if self.is_monthly:
            return f"{self.month:%Y-%m}"
        return f"{self.kind.replace('_', '-')}-{self.pk}"

    @property
    def heading(self) -> str:
        if self.is_monthly:
            return f"Chart audit · {self.month:%B %Y}"
        return f"{self.get_kind_display()} · {self.title}"

    def url(self, name: str = "sample-detail", **kwargs: object) -> str:
        """The URL of this sample's page (or file ``name``): by month, or by id."""
        if self.is_monthly:
            return reverse(f"audits:{name}", kwargs={"month": self.month, **kwargs})
        return reverse(f"audits:{name}-by-id", kwargs={"sample_id": self.pk, **kwargs})

    @property
    def detail_url(self) -> str:
        return self.url()

    @property
    def file_urls(self) -> dict[str, str]:
        """The sample's downloads, for its page."""
        names = ("findings-csv", "report-pdf", "ratstats-frame", "ratstats-sample")
        return {name.replace("-", "_"): self.url(f"sample-{name}") for name in names}

    @property
    def took_all(self) -> bool:
        """Fewer signed encounters than the sample size: every one of them was taken."""
        return self.population_size < self.requested_size


class AuditSampleItem(models.Model):
    """One chart of a sample, in draw order."""

    sample = models.ForeignKey(AuditSample, on_delete=models.PROTECT, related_name="items")
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="audit_items")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "position"], name="one_chart_per_position"),
            models.UniqueConstraint(fields=["sample", "encounter"], name="chart_once_per_sample"),
        ]

    def __str__(self) -> str:
        return f"{self.sample} #{self.position}: encounter {self.encounter_id}"


class Check(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "na", "Not applicable"


class Outcome(models.TextChoices):
    """AU-3: the reviewer's verdict on the billed codes."""

    SUPPORTED = "supported", "Supported"
    OVER_CODED = "over_coded", "Over-coded"
    UNDER_CODED = "under_coded", "Under-coded"
    NOT_SUPPORTED = "not_supported", "Not supported (documentation missing)"


# The structured checklist: field name -> what the reviewer checks.
CHECKLIST: dict[str, str] = {
    "check_time_blocks": "Time blocks documented and not overlapping (PT-3, PT-4)",
    "check_psychotherapy_minutes": "Psychotherapy minutes support the billed code (PT-1)",
    "check_em_level": "MDM (or E/M time) supports the E/M level (EM-2, EM-3, EM-4)",
    "check_medication_review": (
        "Medication review complete: medication, dose, adherence, side effects, effect, change"
    ),
    "check_psychotherapy_documentation": "Psychotherapy modality and focus documented",
    "check_diagnoses": "A diagnosis supports each line (DG-1, DG-3)",
    "check_signed_in_time": "Signed in time",
}


def _check_field(label: str) -> models.CharField[str, str]:
    return models.CharField(label, max_length=8, choices=Check.choices)


class ChartReview(models.Model):
    """A compliance reviewer's structured review of one sampled chart (AU-3)."""

    item = models.OneToOneField(AuditSampleItem, on_delete=models.PROTECT, related_name="review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    check_time_blocks = _check_field(CHECKLIST["check_time_blocks"])
    check_psychotherapy_minutes = _check_field(CHECKLIST["check_psychotherapy_minutes"])
    check_em_level = _check_field(CHECKLIST["check_em_level"])
    check_medication_review = _check_field(CHECKLIST["check_medication_review"])
    check_psychotherapy_documentation = _check_field(CHECKLIST["check_psychotherapy_documentation"])
    check_diagnoses = _check_field(CHECKLIST["check_diagnoses"])
    check_signed_in_time = _check_field(CHECKLIST["check_signed_in_time"])

    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reviewer_code = models.CharField(
        "code the reviewer would have billed",
        max_length=80,
        blank=True,
        help_text="E.g. 99213 + 90833; empty when the billed codes are supported.",
    )
    comment = models.TextField(blank=True)

    # Findings with money: what the payer is expected to allow (the fee schedule's
    # ``allowed``) for the billed lines and for the lines the reviewer would bill.
    billed_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    audited_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    audited_lines = models.JSONField(
        default=list,
        blank=True,
        help_text="The reviewer's lines as priced: code, units, modifiers.",
    )

    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item__sample", "item__position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="supported") | ~Q(comment=""),
                name="finding_needs_comment",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["supported", "not_supported"]) | ~Q(reviewer_code=""),
                name="miscoding_names_the_right_code",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="acknowledgement_has_who",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.item}: {self.get_outcome_display()}"

    @property
    def is_supported(self) -> bool:
        return self.outcome == Outcome.SUPPORTED

    @property
    def difference(self) -> Decimal | None:
        """Billed minus audited: above zero an overpayment, below zero an underpayment."""
        if self.billed_amount is None or self.audited_amount is None:
            return None
        return self.billed_amount - self.audited_amount

    @property
    def checks(self) -> list[tuple[str, str, str]]:
        """(field, label, value) for each checklist item, in checklist order."""
        return [(name, label, getattr(self, name)) for name, label in CHECKLIST.items()]
