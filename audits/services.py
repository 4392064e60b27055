"""Writes of the audit: the monthly draw, chart reviews and the clinician's acknowledgement."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.access import access_record
from accounts.models import AccessAction
from encounters.models import Encounter

from .models import CHECKLIST, AuditSample, AuditSampleItem, ChartReview, Outcome
from .sampling import draw_ids, month_start

# Below 2**53 so the seed survives JSON readers that hold numbers as doubles.
MAX_SEED = 2**53


def _population(month: datetime.date, signed_by: datetime.datetime) -> list[tuple[int, int]]:
    """(encounter id, clinician id) of the month's signed encounters, by id (AU-1 step 1)."""
    return list(
        Encounter.objects.signed()
        .in_month(month.year, month.month)
        .filter(signed_at__lte=signed_by)
        .order_by("id")
        .values_list("id", "clinician_id")
    )


def _check_month(month: datetime.date, today: datetime.date) -> None:
    if month_start(month) >= month_start(today):
        raise ValidationError(
            {"month": [f"{month:%Y-%m} is not over yet; only a past month can be drawn."]}
        )


@transaction.atomic
def audit_sample_draw(
    *,
    month: datetime.date,
    user: User | None = None,
    size: int | None = None,
    stratify: bool | None = None,
) -> AuditSample:
    """Draw the month's sample once (AU-1, AU-2); every later call returns the stored one.

    The unique constraint on ``month`` settles a race: the loser's insert fails
    and it returns the winner's sample, so no month ever gets a second draw.
    """
    month = month_start(month)
    existing = AuditSample.objects.filter(month=month).first()
    if existing is not None:
        return existing
    now = timezone.now()
    _check_month(month, timezone.localdate(now))
    size = settings.AUDIT_SAMPLE_SIZE if size is None else size
    stratify = settings.AUDIT_STRATIFY_BY_CLINICIAN if stratify is None else stratify
    population = _population(month, now)
    seed = secrets.randbelow(MAX_SEED)
    draw = draw_ids(population, seed=seed, size=size, stratify=stratify)
    try:
        with transaction.atomic():
            sample = AuditSample.objects.create(
                month=month,
                seed=seed,
                requested_size=size,
                population_size=len(population),
                population_ids=[encounter_id for encounter_id, _ in population],
                stratified=draw.stratified,
                stratification_note=draw.note,
                drawn_at=now,
                drawn_by=user,
            )
            AuditSampleItem.objects.bulk_create(
                AuditSampleItem(sample=sample, encounter_id=encounter_id, position=position)
                for position, encounter_id in enumerate(draw.encounter_ids, start=1)
            )
    except IntegrityError:
        # Another worker drew this month first: theirs is the month's sample.
        return AuditSample.objects.get(month=month)
    return sample


@dataclass(frozen=True)
class Redraw:
    """The sample recomputed from its stored seed and the population rule (AU-1)."""

    population_ids: list[int]
    encounter_ids: list[int]
    stored_population_ids: list[int]
    stored_encounter_ids: list[int]

    @property
    def population_matches(self) -> bool:
        return self.population_ids == self.stored_population_ids

    @property
    def matches(self) -> bool:
        return self.encounter_ids == self.stored_encounter_ids and self.population_matches


def audit_sample_redraw(sample: AuditSample) -> Redraw:
    """Recompute the population and the draw from the stored seed, and compare with the sample."""
    population = _population(sample.month, sample.drawn_at)
    draw = draw_ids(
        population, seed=sample.seed, size=sample.requested_size, stratify=sample.stratified
    )
    stored = list(sample.items.order_by("position").values_list("encounter_id", flat=True))
    return Redraw(
        population_ids=[encounter_id for encounter_id, _ in population],
        encounter_ids=draw.encounter_ids,
        stored_encounter_ids=stored,
        stored_population_ids=list(sample.population_ids),
    )


REVIEW_FIELDS = (*CHECKLIST, "outcome", "reviewer_code", "comment")


@transaction.atomic
def chart_review_save(*, user: User, item: AuditSampleItem, data: Mapping[str, Any]) -> ChartReview:
    """Record (or revise) the review of one sampled chart (AU-3).

    A revised finding must be acknowledged again by the clinician.
    """
    review = ChartReview.objects.filter(item=item).first() or ChartReview(item=item)
    for name in REVIEW_FIELDS:
        setattr(review, name, data.get(name, ""))
    review.reviewer_code = review.reviewer_code.strip()
    review.comment = review.comment.strip()
    if review.outcome == Outcome.SUPPORTED and not review.reviewer_code:
        review.reviewer_code = ""
    review.reviewer = user
    review.reviewed_at = timezone.now()
    review.acknowledged_by = None
    review.acknowledged_at = None
    review.full_clean(exclude=["item", "reviewer"])
    review.save()
    access_record(user=user, obj=item.encounter, action=AccessAction.UPDATE)
    return review


@transaction.atomic
def finding_acknowledge(*, user: User, review: ChartReview) -> ChartReview:
    """The clinician acknowledges the finding on their chart: who and when are kept."""
    if review.item.encounter.clinician.user_id != user.pk:
        raise PermissionDenied("Only the clinician who signed the chart acknowledges its finding.")
    updated = ChartReview.objects.filter(pk=review.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=user, acknowledged_at=timezone.now()
    )
    review.refresh_from_db(fields=["acknowledged_by", "acknowledged_at"])
    if updated:
        access_record(user=user, obj=review.item.encounter, action=AccessAction.UPDATE)
    return review
