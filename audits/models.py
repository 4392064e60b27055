"""Monthly chart audits: the drawn sample, its charts, and each chart's review.

How a sample is drawn (AU-1), so anyone can redraw it from what is stored here:

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

``audits.services.audit_sample_redraw`` does exactly this again and compares.
One sample per month is a database constraint (AU-2), not only a check in code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from encounters.models import Encounter

POPULATION_RULE = (
    "Encounters with status 'signed', date of service in the month and signed at or "
    "before the draw, ordered by id."
)


class AuditSample(models.Model):
    """The random draw of signed charts for one month (AU-1, AU-2). See the module docstring."""

    month = models.DateField(help_text="First day of the month audited.")
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
            models.UniqueConstraint(fields=["month"], name="one_audit_sample_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="audit_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"Audit sample {self.month:%Y-%m}"

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

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
            models.UniqueConstraint(fields=["encounter"], name="chart_audited_once"),
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
    def checks(self) -> list[tuple[str, str, str]]:
        """(field, label, value) for each checklist item, in checklist order."""
        return [(name, label, getattr(self, name)) for name, label in CHECKLIST.items()]
