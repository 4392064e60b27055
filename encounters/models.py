"""Patients, their coverage, and encounters with a psychotherapy and a med-management block.

A signed encounter is locked: the model refuses to save or delete it, and on
PostgreSQL a trigger refuses any UPDATE or DELETE of the row and any change to
its diagnoses and medication reviews (SQLite gets equivalent triggers from a
migration). After signing, only addenda may be added.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection
from typing import Any, Self

import pgtrigger
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from accounts.models import Clinician
from accounts.triggers import AppendOnly, StrictProtect, StrictTrigger
from coding.engine.authorization import SERVICE_FAMILIES, ServiceFamily
from coding.engine.documentation import MedicationEvidence, NoteEvidence
from coding.engine.mdm import PROBLEM_ITEMS, RISK_ITEMS, DataItems
from payers.models import Payer

from .posted import data_items_from


class EncounterLocked(Exception):
    """Raised when code tries to change a signed encounter."""


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Unknown"


class Patient(models.Model):
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    mrn = models.CharField("MRN", max_length=20, unique=True)
    address_line1 = models.CharField(max_length=100)
    address_line2 = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=20, blank=True)
    clinicians = models.ManyToManyField(
        Clinician, related_name="patients", blank=True, help_text="The patient's care team."
    )
    # 42 CFR Part 2: the patient's written consent to disclose substance-use records to
    # their payer for payment, when it was signed and who recorded it (set by patient_save).
    part2_consent_on = models.DateField(
        "Part 2 consent to disclose for payment signed on", null=True, blank=True
    )
    part2_consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    part2_consent_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class SubscriberRelation(models.TextChoices):
    # X12 individual relationship codes (2000B SBR02 / 2000C PAT01)
    SELF = "18", "Self"
    SPOUSE = "01", "Spouse"
    CHILD = "19", "Child"
    OTHER = "G8", "Other"


class Coverage(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    member_id = models.CharField(max_length=40)
    group_number = models.CharField(max_length=40, blank=True)
    relation = models.CharField(
        "subscriber relation",
        max_length=2,
        choices=SubscriberRelation.choices,
        default=SubscriberRelation.SELF,
    )
    subscriber_first_name = models.CharField(max_length=60, blank=True)
    subscriber_last_name = models.CharField(max_length=60, blank=True)
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    priority = models.PositiveSmallIntegerField(default=1, help_text="1 = primary")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["patient", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "priority"],
                condition=Q(active=True),
                name="one_active_coverage_per_priority",
            )
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.member_id}"


class Setting(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio only"


class PatientStatus(models.TextChoices):
    NEW = "new", "New patient"
    ESTABLISHED = "established", "Established patient"


class EncounterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class PsychotherapyKind(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    CRISIS = "crisis", "Crisis"
    FAMILY_WITH_PATIENT = "family_with_patient", "Family, patient present"
    FAMILY_WITHOUT_PATIENT = "family_without_patient", "Family, patient not present"
    GROUP = "group", "Group"


class Modality(models.TextChoices):
    CBT = "cbt", "CBT"
    DBT = "dbt", "DBT"
    SUPPORTIVE = "supportive", "Supportive"
    PSYCHODYNAMIC = "psychodynamic", "Psychodynamic"
    MI = "mi", "Motivational interviewing"
    OTHER = "other", "Other"


class DiagnosticEvaluation(models.TextChoices):
    WITHOUT_MEDICAL = "without_medical", "Without medical services"
    WITH_MEDICAL = "with_medical", "With medical services"


def block_minutes(start: datetime.time | None, end: datetime.time | None) -> int:
    """Whole minutes from ``start`` to ``end`` on one day; 0 when either is missing."""
    if start is None or end is None:
        return 0
    delta = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return max(delta, 0)


class EncounterQuerySet(models.QuerySet["Encounter"]):
    def signed(self) -> EncounterQuerySet:
        return self.filter(status=EncounterStatus.SIGNED)

    def drafts(self) -> EncounterQuerySet:
        return self.filter(status=EncounterStatus.DRAFT)

    def for_clinician(self, clinician: Clinician) -> EncounterQuerySet:
        return self.filter(clinician=clinician)

    def in_month(self, year: int, month: int) -> EncounterQuerySet:
        return self.filter(date_of_service__year=year, date_of_service__month=month)


SIGNED_LOCK_SQL = """
    IF EXISTS (
        SELECT 1 FROM encounters_encounter
        WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.encounter_id ELSE NEW.encounter_id END)
          AND status = 'signed'
    ) OR (TG_OP = 'UPDATE' AND EXISTS (
        SELECT 1 FROM encounters_encounter WHERE id = OLD.encounter_id AND status = 'signed'
    )) THEN
        RAISE EXCEPTION 'encounter is signed and locked: % on %', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
"""


OTHER_EM_MINUTES_HELP = (
    "Your own time today without the patient for this visit: reviewing records and results, "
    "ordering, documenting, talking with other clinicians, coordinating care. Not "
    "psychotherapy, screening (96127) or injection (96372) time, not staff time, not "
    "another day."
)
CONTINUING_CARE_HELP = (
    "You are the continuing focal point for this patient's care of a serious or complex "
    "condition (G2211, VC-1)."
)


class Encounter(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="encounters")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="encounters")
    coverage = models.ForeignKey(
        Coverage, on_delete=models.PROTECT, null=True, blank=True, related_name="encounters"
    )
    date_of_service = models.DateField()
    setting = models.CharField(max_length=16, choices=Setting.choices, default=Setting.IN_PERSON)
    patient_at_home = models.BooleanField(default=False)
    patient_status = models.CharField(
        max_length=16, choices=PatientStatus.choices, default=PatientStatus.ESTABLISHED
    )
    status = models.CharField(
        max_length=8, choices=EncounterStatus.choices, default=EncounterStatus.DRAFT
    )
    # A substance-use disorder record under 42 CFR Part 2, as the clinician confirmed it
    # (F10-F19 diagnoses suggest it): billers see only what the claim needs, CSV exports
    # leave it out, and its claim waits for the patient's consent to disclose for payment.
    part2 = models.BooleanField(
        "42 CFR Part 2 record (substance use)", default=False, db_default=False
    )

    # Psychotherapy block (PT-3: recorded apart from the med-management block)
    pt_kind = models.CharField(
        "psychotherapy kind", max_length=32, choices=PsychotherapyKind.choices, blank=True
    )
    pt_start = models.TimeField("psychotherapy start", null=True, blank=True)
    pt_end = models.TimeField("psychotherapy end", null=True, blank=True)
    pt_modality = models.CharField("modality", max_length=16, choices=Modality.choices, blank=True)
    pt_focus = models.CharField("focus", max_length=200, blank=True)
    pt_note = models.TextField("psychotherapy note", blank=True)

    # Medication-management (E/M) block
    em_start = models.TimeField("med management start", null=True, blank=True)
    em_end = models.TimeField("med management end", null=True, blank=True)
    mdm_problems = models.JSONField(default=list, blank=True)
    mdm_notes_reviewed = models.PositiveSmallIntegerField(default=0)
    mdm_results_reviewed = models.PositiveSmallIntegerField(default=0)
    mdm_tests_ordered = models.PositiveSmallIntegerField(default=0)
    mdm_independent_historian = models.BooleanField(default=False)
    mdm_independent_interpretation = models.BooleanField(default=False)
    mdm_external_discussion = models.BooleanField(default=False)
    mdm_risk = models.JSONField(default=list, blank=True)
    # What the claimed MDM items rest on (EM-2 documentation): named in the note.
    mdm_data_detail = models.TextField("data details", blank=True)
    mdm_risk_detail = models.TextField("risk details", blank=True)
    em_plan = models.TextField("plan", blank=True)
    # EM-3: the clinician's own E/M time that date without the patient; the engine adds it
    # to the block's minutes for the total time.
    em_other_minutes = models.PositiveSmallIntegerField(
        "other E/M minutes today",
        default=0,
        help_text=OTHER_EM_MINUTES_HELP,
    )
    # VC-1: the clinician documents continuing care of the patient's condition (G2211).
    longitudinal_care = models.BooleanField(
        "continuing care (G2211)", default=False, help_text=CONTINUING_CARE_HELP
    )

    interactive_complexity = models.BooleanField(default=False)
    interactive_complexity_reason = models.CharField(max_length=300, blank=True)
    diagnostic_evaluation = models.CharField(
        max_length=16, choices=DiagnosticEvaluation.choices, blank=True
    )

    # The codes the clinician chose on the proposal panel, and why they differ from it.
    coding_choice = models.JSONField(null=True, blank=True)
    coding_override_reason = models.TextField(blank=True)
    # Documentation gaps (EM-2) the clinician acknowledged when signing anyway.
    documentation_gaps = models.JSONField(default=list, blank=True)

    # One draft per opened form: the form carries this key, so a second post of the same
    # form (Back and Sign again, a retried autosave) reaches the same encounter.
    draft_key = models.UUIDField(unique=True, null=True, blank=True, default=uuid.uuid4)
    # The form exactly as last posted while a draft (valid or not), so nothing typed is
    # lost; cleared when the encounter is signed.
    draft_form = models.JSONField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = EncounterQuerySet.as_manager()

    class Meta:
        ordering = ["-date_of_service", "-id"]
        indexes = [
            models.Index(fields=["clinician", "date_of_service"]),
            models.Index(fields=["status", "date_of_service"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(pt_start__isnull=True)
                | Q(pt_end__isnull=True)
                | Q(pt_end__gt=models.F("pt_start")),
                name="psychotherapy_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(em_start__isnull=True)
                | Q(em_end__isnull=True)
                | Q(em_end__gt=models.F("em_start")),
                name="med_management_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(signed_at__isnull=False) & Q(signed_by__isnull=False)),
                name="signed_encounter_has_signer",
            ),
        ]
        triggers = [
            StrictProtect(
                name="signed_encounter_locked",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="signed"),
            ),
        ]

    def __str__(self) -> str:
        return f"Encounter {self.pk} {self.date_of_service} {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The lock is an integrity rule, not business logic: no code path may
        # write a signed row (the database trigger is the second guard).
        if getattr(self, "_signed_in_db", False):
            raise EncounterLocked("This encounter is signed and can no longer be changed.")
        super().save(*args, **kwargs)
        self._signed_in_db = self.status == EncounterStatus.SIGNED

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "_signed_in_db", False):
            raise EncounterLocked("A signed encounter cannot be deleted.")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any]) -> Self:
        instance = super().from_db(db, field_names, values)
        instance._signed_in_db = instance.status == EncounterStatus.SIGNED
        return instance

    @property
    def is_signed(self) -> bool:
        return self.status == EncounterStatus.SIGNED

    @property
    def pt_minutes(self) -> int:
        return block_minutes(self.pt_start, self.pt_end)

    @property
    def em_minutes(self) -> int:
        return block_minutes(self.em_start, self.em_end)

    @property
    def mdm_problem_labels(self) -> list[str]:
        """The ticked MDM problem items in words (EM-2 items of coding.engine.mdm)."""
        return [PROBLEM_ITEMS[k][1] for k in self.mdm_problems if k in PROBLEM_ITEMS]

    @property
    def mdm_risk_labels(self) -> list[str]:
        """The ticked MDM risk items in words."""
        return [RISK_ITEMS[k][1] for k in self.mdm_risk if k in RISK_ITEMS]

    @property
    def data_items(self) -> DataItems:
        """The MDM data items as counted on the form (EM-2)."""
        return data_items_from(lambda name: getattr(self, name))

    def note_evidence(self) -> NoteEvidence:
        """The MDM items claimed and what the note documents beside them (EM-2 checks)."""
        return NoteEvidence(
            problems=tuple(self.mdm_problems),
            data=self.data_items,
            risk=tuple(self.mdm_risk),
            diagnoses=len(self.diagnoses.all()),
            plan=self.em_plan,
            data_detail=self.mdm_data_detail,
            risk_detail=self.mdm_risk_detail,
            medications=tuple(
                MedicationEvidence(m.name, m.change, m.change_reason)
                for m in self.medication_reviews.all()
            ),
        )

    @property
    def has_med_management(self) -> bool:
        return self.em_start is not None or self.em_end is not None


def signed_lock(name: str) -> StrictTrigger:
    """The trigger that refuses any change to a child row of a signed encounter (PostgreSQL)."""
    return StrictTrigger(
        name=name,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=SIGNED_LOCK_SQL,
    )


class _LockedChild(models.Model):
    """A row that belongs to an encounter and is locked with it once signed."""

    # Each child declares its own ``encounter`` foreign key; the annotation (no field, so
    # Django ignores it) tells the type checker the column is there.
    encounter_id: int

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_unlocked()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._check_unlocked()
        return super().delete(*args, **kwargs)

    def _check_unlocked(self) -> None:
        status = (
            Encounter.objects.filter(pk=self.encounter_id).values_list("status", flat=True).first()
        )
        if status == EncounterStatus.SIGNED:
            raise EncounterLocked("This encounter is signed and can no longer be changed.")


class Adherence(models.TextChoices):
    FULL = "full", "Takes as prescribed"
    PARTIAL = "partial", "Misses some doses"
    POOR = "poor", "Rarely takes"
    NOT_STARTED = "not_started", "Not started"


class Effect(models.TextChoices):
    IMPROVED = "improved", "Improved"
    PARTIAL = "partial", "Partial response"
    NO_CHANGE = "no_change", "No change"
    WORSE = "worse", "Worse"
    TOO_EARLY = "too_early", "Too early to tell"


class MedicationChange(models.TextChoices):
    CONTINUED = "continued", "Continued unchanged"
    STARTED = "started", "Started"
    INCREASED = "increased", "Dose increased"
    DECREASED = "decreased", "Dose decreased"
    STOPPED = "stopped", "Stopped"
    SWITCHED = "switched", "Switched"


class MedicationReview(_LockedChild):
    encounter = models.ForeignKey(
        Encounter, on_delete=models.CASCADE, related_name="medication_reviews"
    )
    name = models.CharField("medication", max_length=100)
    dose = models.CharField(max_length=40)
    frequency = models.CharField(max_length=40)
    adherence = models.CharField(max_length=16, choices=Adherence.choices)
    side_effects = models.CharField(max_length=200, blank=True)
    effect = models.CharField(max_length=16, choices=Effect.choices)
    change = models.CharField(max_length=16, choices=MedicationChange.choices)
    change_reason = models.CharField("reason", max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        triggers = [signed_lock("medication_review_locked")]

    def __str__(self) -> str:
        return f"{self.name} {self.dose} {self.frequency}"


class EncounterDiagnosis(_LockedChild):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="diagnoses")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=8)
    description = models.CharField(max_length=255)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "position"], name="one_diagnosis_per_position"
            ),
            models.UniqueConstraint(
                fields=["encounter", "code"], name="diagnosis_once_per_encounter"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1) & Q(position__lte=12), name="at_most_12_diagnoses"
            ),
        ]
        triggers = [signed_lock("encounter_diagnosis_locked")]

    def __str__(self) -> str:
        return f"{self.position}. {self.code} {self.description}"


class Instrument(models.Model):
    """A standardized instrument the clinician may give and score (BA-1).

    The practice admin keeps the list (Django admin): which instruments are offered, their
    score range, and whether they count for 96127. Substance-use screens such as AUDIT-C
    are recorded but are not 96127.
    """

    name = models.CharField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)
    counts_for_96127 = models.BooleanField(
        "counts for 96127",
        default=True,
        help_text="A standardized emotional or behavioral assessment (BA-1); not a "
        "substance-use screen.",
    )
    score_min = models.IntegerField("lowest score", default=0)
    score_max = models.IntegerField("highest score")
    active = models.BooleanField(default=True, help_text="Offered on the encounter form.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score_max__gte=models.F("score_min")),
                name="instrument_score_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class InstrumentScore(_LockedChild):
    """One instrument given in the visit and its total score."""

    encounter = models.ForeignKey(
        Encounter, on_delete=models.CASCADE, related_name="instrument_scores"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    score = models.IntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "instrument"], name="instrument_once_per_encounter"
            )
        ]
        triggers = [signed_lock("instrument_score_locked")]

    def __str__(self) -> str:
        return f"{self.instrument_id}: {self.score}"


class NdcUnit(models.TextChoices):
    # The 837P CTP05 units the engine reads (coding.engine.facts.NDC_UNITS).
    UN = "UN", "Unit"
    ML = "ML", "Milliliter"
    GR = "GR", "Gram"
    ME = "ME", "Milligram"
    F2 = "F2", "International unit"


class Injection(_LockedChild):
    """A long-acting injection given in the visit (INJ-1, INJ-3, INJ-4).

    Doses are in the product's labelled strength; ``container_mg`` is the labelled amount of
    the container used, so the engine can bill what was discarded (JW) or nothing (JZ).
    """

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="injections")
    drug = models.CharField("drug (HCPCS)", max_length=8)
    dose_mg = models.DecimalField("dose (mg)", max_digits=8, decimal_places=2)
    container_mg = models.DecimalField("container used (mg)", max_digits=8, decimal_places=2)
    supplied_by_practice = models.BooleanField(
        "the practice bought the drug",
        default=True,
        help_text="Otherwise the patient or a pharmacy supplied it: 96372 alone.",
    )
    given_by = models.CharField(
        "given by", max_length=100, blank=True, help_text="Empty: the clinician."
    )
    lot = models.CharField(max_length=40, blank=True)
    ndc = models.CharField("NDC", max_length=11, blank=True, help_text="11 digits.")
    ndc_quantity = models.DecimalField(
        "NDC quantity", max_digits=10, decimal_places=3, null=True, blank=True
    )
    ndc_unit = models.CharField("NDC unit", max_length=2, choices=NdcUnit.choices, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dose_mg__gt=0) & Q(container_mg__gt=0), name="injection_amounts"
            )
        ]
        triggers = [signed_lock("injection_locked")]

    def __str__(self) -> str:
        return f"{self.drug} {self.dose_mg} mg"


class Addendum(models.Model):
    """Text added to a signed encounter: who, when, what and why. Addenda never change."""

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["created_at"]
        triggers = [AppendOnly(name="addendum_append_only")]

    def __str__(self) -> str:
        return f"Addendum {self.pk} to encounter {self.encounter_id}"


class ScheduledVisit(models.Model):
    """A visit on the schedule: who sees whom, when and how (front desk or the prescriber).

    The prescriber's day page lists today's; "Start visit" opens the encounter form with
    the date, the setting and the first block's start filled in.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="scheduled_visits")
    clinician = models.ForeignKey(
        Clinician, on_delete=models.PROTECT, related_name="scheduled_visits"
    )
    date = models.DateField()
    time = models.TimeField()
    setting = models.CharField(max_length=16, choices=Setting.choices, default=Setting.IN_PERSON)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "time"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "date", "time"],
                name="one_scheduled_visit_per_clinician_and_time",
                violation_error_message="The clinician already has a visit at this time.",
            )
        ]
        indexes = [models.Index(fields=["clinician", "date"])]

    def __str__(self) -> str:
        return f"{self.patient} {self.date} {self.time:%H:%M}"


class NoteTemplate(models.Model):
    """A clinician's own starting text for the psychotherapy note and the plan.

    Picked on the encounter form ("Start from a template"), it fills those fields only
    while they are empty; it holds no patient information.
    """

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="note_templates"
    )
    name = models.CharField(max_length=80)
    pt_note = models.TextField("psychotherapy note", blank=True)
    plan = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "name"],
                name="one_note_template_name_per_clinician",
                violation_error_message="You already have a template with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AuthorizationCounts(models.TextChoices):
    VISITS = "visits", "Visits"
    UNITS = "units", "Units"


class Authorization(models.Model):
    """A payer's prior authorization for one patient's coverage (SC-AUTH).

    The services it covers are the engine's service families (``coding.engine.
    authorization``), one flag each. How many visits or units are used is never stored:
    ``claims.authorizations`` counts it from signed visits' claim lines (voided claims left
    out; a corrected claim is the same claim, so it counts once).
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="authorizations")
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="authorizations")
    number = models.CharField(
        "authorization number",
        max_length=50,
        validators=[
            RegexValidator(
                r"^[A-Z0-9-]{1,50}$",
                "An authorization number has capital letters, digits and hyphens only "
                "(at most 50), as the payer gave it.",
            )
        ],
        help_text="As the payer gave it: letters, digits and hyphens (837P REF*G1).",
    )
    psychotherapy = models.BooleanField(default=False)
    em = models.BooleanField("E/M (office visits)", default=False)
    testing = models.BooleanField("testing (96127)", default=False)
    injection = models.BooleanField("injections (96372)", default=False)
    start_date = models.DateField("first day")
    end_date = models.DateField("last day")
    authorized = models.PositiveIntegerField("visits or units authorized")
    counts = models.CharField(
        "counted in",
        max_length=6,
        choices=AuthorizationCounts.choices,
        default=AuthorizationCounts.VISITS,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["end_date", "id"]
        indexes = [
            models.Index(fields=["coverage", "end_date"]),
            models.Index(fields=["end_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="authorization_dates_in_order",
                violation_error_message="The last day is before the first day.",
            ),
            models.CheckConstraint(
                condition=Q(authorized__gte=1), name="authorization_count_positive"
            ),
            models.CheckConstraint(
                condition=Q(psychotherapy=True) | Q(em=True) | Q(testing=True) | Q(injection=True),
                name="authorization_covers_a_service",
                violation_error_message="Tick at least one service the authorization covers.",
            ),
            models.UniqueConstraint(
                fields=["coverage", "number"],
                name="one_authorization_number_per_coverage",
                violation_error_message="This coverage already has an authorization with "
                "this number.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.start_date} to {self.end_date})"

    @property
    def families(self) -> frozenset[ServiceFamily]:
        """The service families it covers, as the engine names them."""
        return frozenset(f for f in SERVICE_FAMILIES if getattr(self, f))
