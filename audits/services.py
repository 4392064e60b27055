"""Writes of the audit: the monthly draw, chart reviews and the clinician's acknowledgement."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.access import access_record
from accounts.models import AccessAction, Clinician
from coding.engine.claim_lines import BilledLine
from encounters.models import Encounter
from payers.models import Payer
from payers.selectors import fees_for

from .models import (
    CHECKLIST,
    FOCUSED_POPULATION_RULE,
    METHOD_COVERAGE,
    METHOD_SIMPLE,
    AuditSample,
    AuditSampleItem,
    ChartReview,
    Outcome,
    SampleKind,
)
from .money import audited_lines, lines_amount, lines_as_dicts
from .sampling import (
    Stratum,
    draw_covering,
    draw_ids,
    month_start,
    next_month,
    previous_month,
    quarter_start,
    strata_for,
)
from .selectors import billed_lines

# Below 2**53 so the seed survives JSON readers that hold numbers as doubles.
MAX_SEED = 2**53


def _signed_between(
    start: datetime.date, end: datetime.date, signed_by: datetime.datetime
) -> QuerySet[Encounter]:
    """Signed encounters with a date of service in [start, end), signed by ``signed_by``.

    A date range, not the month's EXTRACT: the date-of-service index answers it.
    """
    return Encounter.objects.signed().filter(
        date_of_service__gte=start, date_of_service__lt=end, signed_at__lte=signed_by
    )


def _population(month: datetime.date, signed_by: datetime.datetime) -> list[tuple[int, int]]:
    """(encounter id, clinician id) of the month's signed encounters, by id (AU-1 step 1)."""
    return list(
        _signed_between(month, next_month(month), signed_by)
        .order_by("id")
        .values_list("id", "clinician_id")
    )


def _drawn_before(month: datetime.date, drawn_at: datetime.datetime) -> dict[int, int]:
    """Charts per clinician in the monthly samples of the quarter's earlier months, drawn
    before ``drawn_at`` (so a later redraw counts the same samples)."""
    rows = (
        AuditSampleItem.objects.filter(
            sample__kind=SampleKind.MONTHLY,
            sample__month__gte=quarter_start(month),
            sample__month__lt=month,
            sample__drawn_at__lt=drawn_at,
        )
        .values("encounter__clinician_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["encounter__clinician_id"]: row["n"] for row in rows}


def _strata(
    month: datetime.date, population: list[tuple[int, int]], drawn_at: datetime.datetime
) -> list[Stratum]:
    per_month = settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_MONTH
    per_quarter = settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_QUARTER
    if not (per_month or per_quarter):
        return []
    return strata_for(
        population,
        month=month,
        drawn_before=_drawn_before(month, drawn_at),
        per_month=per_month,
        per_quarter=per_quarter,
    )


def _check_month(month: datetime.date, today: datetime.date) -> None:
    if month_start(month) >= month_start(today):
        raise ValidationError(
            {"month": [f"{month:%Y-%m} is not over yet; only a past month can be drawn."]}
        )


def _strata_note(strata: list[Stratum], drawn: list[int]) -> str:
    if not strata:
        return "No per-prescriber minimum (both AUDIT_MIN_CHARTS_PER_PRESCRIBER settings are 0)."
    extra = len(drawn) - sum(s.minimum for s in strata)
    return (
        f"Per-prescriber coverage: {len(strata)} clinician(s) signed visits this month; "
        f"minimums {', '.join(str(s.minimum) for s in strata)} "
        f"(at least {settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_MONTH} a month and "
        f"{settings.AUDIT_MIN_CHARTS_PER_PRESCRIBER_QUARTER} a quarter each), "
        f"then {max(extra, 0)} more at random from the rest."
    )


def _create(fields: dict[str, Any], drawn: list[int]) -> AuditSample:
    sample = AuditSample.objects.create(**fields)
    AuditSampleItem.objects.bulk_create(
        AuditSampleItem(sample=sample, encounter_id=encounter_id, position=position)
        for position, encounter_id in enumerate(drawn, start=1)
    )
    return sample


def _mark_verified(sample: AuditSample) -> AuditSample:
    """Redraw the sample from what was stored and keep the answer (shown on every page)."""
    sample.verified = audit_sample_redraw(sample).matches
    AuditSample.objects.filter(pk=sample.pk).update(verified=sample.verified)
    return sample


@transaction.atomic
def audit_sample_draw(
    *,
    month: datetime.date,
    user: User | None = None,
    size: int | None = None,
) -> AuditSample:
    """Draw the month's sample once (AU-1, AU-2); every later call returns the stored one.

    Each prescriber who signed visits in the month gets their minimum (AU-1 step 2)
    beyond which the practice-wide ``AUDIT_SAMPLE_SIZE`` is drawn. The unique constraint
    on ``month`` settles a race: the loser's insert fails and it returns the winner's
    sample, so no month ever gets a second draw.
    """
    month = month_start(month)
    existing = AuditSample.objects.filter(month=month, kind=SampleKind.MONTHLY).first()
    if existing is not None:
        return existing
    now = timezone.now()
    _check_month(month, timezone.localdate(now))
    size = settings.AUDIT_SAMPLE_SIZE if size is None else size
    population = _population(month, now)
    strata = _strata(month, population, now)
    seed = secrets.randbelow(MAX_SEED)
    population_ids = [encounter_id for encounter_id, _ in population]
    drawn = draw_covering(population_ids, strata=strata, seed=seed, size=size)
    chosen = set(drawn)
    drawn_from = [len(chosen & set(s.encounter_ids)) for s in strata]
    try:
        with transaction.atomic():
            sample = _create(
                {
                    "kind": SampleKind.MONTHLY,
                    "month": month,
                    "seed": seed,
                    "requested_size": size,
                    "population_size": len(population),
                    "population_ids": population_ids,
                    "method": METHOD_COVERAGE,
                    "strata": [s.to_dict(drawn=n) for s, n in zip(strata, drawn_from, strict=True)],
                    "strata_rows": [
                        s.to_row(drawn=n) for s, n in zip(strata, drawn_from, strict=True)
                    ],
                    "stratified": bool(strata),
                    "stratification_note": _strata_note(strata, drawn),
                    "drawn_at": now,
                    "drawn_by": user,
                },
                drawn,
            )
    except IntegrityError:
        # Another worker drew this month first: theirs is the month's sample.
        return AuditSample.objects.get(month=month, kind=SampleKind.MONTHLY)
    return _mark_verified(sample)


@dataclass(frozen=True)
class Focus:
    """What a focused (probe) audit targets: a period and any of the filters."""

    date_from: datetime.date
    date_to: datetime.date  # inclusive
    clinician_id: int | None = None
    codes: tuple[str, ...] = ()
    payer_id: int | None = None
    documentation_denials: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "clinician_id": self.clinician_id,
            "codes": list(self.codes),
            "payer_id": self.payer_id,
            "documentation_denials": self.documentation_denials,
            "documentation_carcs": list(settings.AUDIT_DOCUMENTATION_DENIAL_CARCS)
            if self.documentation_denials
            else [],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Focus:
        return cls(
            date_from=datetime.date.fromisoformat(data["date_from"]),
            date_to=datetime.date.fromisoformat(data["date_to"]),
            clinician_id=data.get("clinician_id"),
            codes=tuple(data.get("codes") or ()),
            payer_id=data.get("payer_id"),
            documentation_denials=bool(data.get("documentation_denials")),
        )


def _focused_population(
    focus: Mapping[str, Any], signed_by: datetime.datetime
) -> list[tuple[int, int]]:
    """(encounter id, clinician id) of the signed encounters the stored focus selects, by id."""
    spec = Focus.from_dict(focus)
    end = spec.date_to + datetime.timedelta(days=1)
    encounters = _signed_between(spec.date_from, end, signed_by)
    if spec.clinician_id is not None:
        encounters = encounters.filter(clinician_id=spec.clinician_id)
    for code in spec.codes:  # every code on the claim: one join per code
        encounters = encounters.filter(claim__lines__code=code)
    if spec.payer_id is not None:
        encounters = encounters.filter(claim__payer_id=spec.payer_id)
    if spec.documentation_denials:
        carcs = list(focus.get("documentation_carcs") or [])
        encounters = encounters.filter(
            Q(claim__denial_code__in=carcs) | Q(claim__payments__adjustments__carc__in=carcs)
        )
    return list(encounters.order_by("id").values_list("id", "clinician_id").distinct())


def _focus_title(focus: Focus, clinician: Clinician | None, payer_name: str) -> str:
    parts = []
    if focus.codes:
        parts.append(" + ".join(focus.codes))
    if clinician is not None:
        parts.append(clinician.display_name)
    if payer_name:
        parts.append(payer_name)
    if focus.documentation_denials:
        parts.append("denied for documentation")
    parts.append(f"{focus.date_from:%Y-%m-%d} to {focus.date_to:%Y-%m-%d}")
    return ", ".join(parts)


def _draw_focused(
    *,
    kind: str,
    focus: Focus,
    size: int,
    seed: int | None,
    user: User | None,
    follows: AuditSample | None = None,
) -> AuditSample:
    now = timezone.now()
    clinician = (
        Clinician.objects.filter(pk=focus.clinician_id).first() if focus.clinician_id else None
    )
    payer_name = ""
    if focus.payer_id is not None:
        payer_name = str(
            Payer.objects.filter(pk=focus.payer_id).values_list("name", flat=True).first() or ""
        )
    stored_focus = focus.to_dict()
    population = _focused_population(stored_focus, now)
    seed = secrets.randbelow(MAX_SEED) if seed is None else seed
    population_ids = [encounter_id for encounter_id, _ in population]
    drawn = draw_covering(population_ids, strata=[], seed=seed, size=size)
    title = _focus_title(focus, clinician, payer_name)
    if follows is not None:
        title = f"re-audit of {clinician.display_name if clinician else ''} after {follows}"
        title = f"{title}, {focus.date_from:%Y-%m-%d} to {focus.date_to:%Y-%m-%d}"
    sample = _create(
        {
            "kind": kind,
            "month": month_start(focus.date_from),
            "title": title[:200],
            "focus": stored_focus,
            "period_start": focus.date_from,
            "period_end": focus.date_to,
            "clinician": clinician,
            "follows": follows,
            "seed": seed,
            "requested_size": size,
            "population_size": len(population),
            "population_ids": population_ids,
            "population_rule": FOCUSED_POPULATION_RULE,
            "method": METHOD_COVERAGE,
            "drawn_at": now,
            "drawn_by": user,
        },
        drawn,
    )
    return _mark_verified(sample)


@transaction.atomic
def focused_audit_start(
    *, user: User, focus: Focus, size: int, seed: int | None = None
) -> AuditSample:
    """Draw a focused (probe) sample: the charts ``focus`` selects, ``size`` of them."""
    if focus.date_to < focus.date_from:
        raise ValidationError({"date_to": ["The period ends before it starts."]})
    if focus.date_to >= timezone.localdate():
        raise ValidationError({"date_to": ["The period must end before today."]})
    if not 1 <= size <= settings.AUDIT_FOCUSED_MAX_SIZE:
        raise ValidationError(
            {"size": [f"Draw between 1 and {settings.AUDIT_FOCUSED_MAX_SIZE} charts."]}
        )
    if seed is not None and not 0 <= seed < MAX_SEED:
        raise ValidationError({"seed": [f"A seed is a whole number from 0 to {MAX_SEED - 1}."]})
    return _draw_focused(kind=SampleKind.FOCUSED, focus=focus, size=size, seed=seed, user=user)


def _below_target(sample: AuditSample) -> list[int]:
    """Clinicians whose reviewed charts in ``sample`` fall below AUDIT_ACCURACY_TARGET."""
    rows = (
        ChartReview.objects.filter(item__sample=sample)
        .values("item__encounter__clinician_id")
        .annotate(reviewed=Count("id"), supported=Count("id", filter=Q(outcome=Outcome.SUPPORTED)))
        .order_by("item__encounter__clinician_id")
    )
    target = settings.AUDIT_ACCURACY_TARGET
    return [
        row["item__encounter__clinician_id"]
        for row in rows
        if row["reviewed"] and row["supported"] / row["reviewed"] < target
    ]


def audit_follow_ups_draw(*, month: datetime.date) -> list[AuditSample]:
    """Follow-up re-audits of ``month``'s charts for each prescriber below the accuracy
    target in the month before's sample (AUDIT_FOLLOW_UP); each drawn once.

    Run with the daily draw, so reviews finished late still call their re-audit.
    """
    if not settings.AUDIT_FOLLOW_UP:
        return []
    month = month_start(month)
    earlier = AuditSample.objects.exclude(kind__in=[SampleKind.FOCUSED, SampleKind.FOLLOW_UP])
    previous = earlier.filter(month=previous_month(month)).first()
    if previous is None:
        return []
    done = set(
        AuditSample.objects.exclude(follows=None)
        .filter(follows=previous)
        .values_list("clinician_id", flat=True)
    )
    drawn = []
    for clinician_id in _below_target(previous):
        if clinician_id in done:
            continue
        focus = Focus(
            date_from=month,
            date_to=next_month(month) - datetime.timedelta(days=1),
            clinician_id=clinician_id,
        )
        try:
            with transaction.atomic():
                drawn.append(
                    _draw_focused(
                        kind=SampleKind.FOLLOW_UP,
                        focus=focus,
                        size=settings.AUDIT_FOLLOW_UP_SIZE,
                        seed=None,
                        user=None,
                        follows=previous,
                    )
                )
        except IntegrityError:
            continue  # another worker drew this follow-up first
    return drawn


def audit_month_draw(*, month: datetime.date, user: User | None = None) -> AuditSample:
    """The month's sample (drawn once) and the follow-up re-audits its month calls for."""
    sample = audit_sample_draw(month=month, user=user)
    audit_follow_ups_draw(month=sample.month)
    return sample


@dataclass(frozen=True)
class Redraw:
    """The sample recomputed from its stored seed and the population rule (AU-1)."""

    population_ids: list[int]
    encounter_ids: list[int]
    stored_population_ids: list[int]
    stored_encounter_ids: list[int]
    strata_match: bool = True

    @property
    def population_matches(self) -> bool:
        return self.population_ids == self.stored_population_ids

    @property
    def matches(self) -> bool:
        return (
            self.encounter_ids == self.stored_encounter_ids
            and self.population_matches
            and self.strata_match
        )


def _redraw_ids(sample: AuditSample) -> tuple[list[tuple[int, int]], list[int], bool]:
    """(population, drawn ids, strata as stored) by the sample's own method and rule."""
    if not sample.is_monthly:
        population = _focused_population(sample.focus, sample.drawn_at)
        ids = [encounter_id for encounter_id, _ in population]
        drawn = draw_covering(ids, strata=[], seed=sample.seed, size=sample.requested_size)
        return population, drawn, True
    population = _population(sample.month, sample.drawn_at)
    if sample.method == METHOD_SIMPLE:
        draw = draw_ids(
            population, seed=sample.seed, size=sample.requested_size, stratify=sample.stratified
        )
        return population, draw.encounter_ids, True
    strata = _strata(sample.month, population, sample.drawn_at)
    stored = [
        (s["clinician_id"], s["encounter_ids"], s["drawn_before"], s["minimum"])
        for s in sample.strata
    ]
    computed = [(s.clinician_id, list(s.encounter_ids), s.drawn_before, s.minimum) for s in strata]
    ids = [encounter_id for encounter_id, _ in population]
    drawn = draw_covering(ids, strata=strata, seed=sample.seed, size=sample.requested_size)
    return population, drawn, stored == computed


def audit_sample_redraw(sample: AuditSample) -> Redraw:
    """Recompute the population and the draw from the stored seed, and compare with the sample."""
    population, drawn, strata_match = _redraw_ids(sample)
    stored = list(sample.items.order_by("position").values_list("encounter_id", flat=True))
    return Redraw(
        population_ids=[encounter_id for encounter_id, _ in population],
        encounter_ids=drawn,
        stored_encounter_ids=stored,
        stored_population_ids=list(sample.population_ids),
        strata_match=strata_match,
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
    _price_review(review, item.encounter)
    review.full_clean(exclude=["item", "reviewer"])
    review.save()
    access_record(user=user, obj=item.encounter, action=AccessAction.UPDATE)
    return review


def _price_review(review: ChartReview, encounter: Encounter) -> None:
    """The billed and the audited amount, from the payer's fee schedule (``audits.money``)."""
    claim = getattr(encounter, "claim", None)  # the claims app's claim, when there is one
    payer = claim.payer if claim is not None else None
    if claim is None and encounter.coverage is not None:
        payer = encounter.coverage.payer
    fees = fees_for(payer)
    billed = [BilledLine.from_dict(line) for line in billed_lines(encounter)]
    if claim is not None:
        review.billed_amount = sum((line.expected for line in claim.lines.all()), Decimal("0.00"))
    else:
        review.billed_amount = lines_amount(billed, fees)
    audited = audited_lines(
        outcome=review.outcome, reviewer_code=review.reviewer_code, billed=billed
    )
    # Supported: what was billed stands, whatever the fee schedule says today.
    supported = review.outcome == Outcome.SUPPORTED
    review.audited_amount = review.billed_amount if supported else lines_amount(audited, fees)
    review.audited_lines = lines_as_dicts(audited)


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
