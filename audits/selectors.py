"""Reads of the audit, each checking the user: samples, sampled charts, findings, reports.

Compliance staff reach a chart only through ``encounter_get_for_auditor``: it
returns an encounter only when it is in a drawn sample, and records the access.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.access import access_record
from accounts.models import AccessAction
from accounts.roles import Role, role_of
from encounters.models import Encounter
from encounters.selectors import clinician_for_user

from .checklist import codes_text
from .models import CHECKLIST, AuditSample, AuditSampleItem, ChartReview, Check, Outcome
from .sampling import months_back


def _require_compliance(user: AbstractBaseUser) -> None:
    if role_of(user) != Role.COMPLIANCE:
        raise PermissionDenied("Only compliance staff open chart audits.")


def sample_list_for_auditor(*, user: AbstractBaseUser) -> QuerySet[AuditSample]:
    """Every drawn month, newest first, with its review counts."""
    _require_compliance(user)
    return AuditSample.objects.annotate(
        charts=Count("items", distinct=True),
        reviewed=Count("items__review", distinct=True),
        supported=Count("items__review", filter=Q(items__review__outcome=Outcome.SUPPORTED)),
    ).order_by("-month")


def sample_get_for_auditor(*, user: AbstractBaseUser, month: datetime.date) -> AuditSample:
    """The sample of ``month`` (404 when not drawn)."""
    _require_compliance(user)
    sample = AuditSample.objects.filter(month=month).select_related("drawn_by").first()
    if sample is None:
        raise Http404(f"No audit sample has been drawn for {month:%Y-%m}.")
    return sample


def sample_items(sample: AuditSample) -> list[AuditSampleItem]:
    """The sample's charts in draw order, with encounter, clinician, review and billed lines."""
    items = list(
        sample.items.select_related(
            "encounter__patient",
            "encounter__clinician__user",
            "encounter__signed_proposal",
            "review__reviewer",
            "review__acknowledged_by",
        ).order_by("position")
    )
    for item in items:
        item.billed_lines = billed_lines(item.encounter)  # type: ignore[attr-defined]
        item.billed_text = codes_text(item.billed_lines)  # type: ignore[attr-defined]
        item.review_or_none = getattr(item, "review", None)  # type: ignore[attr-defined]
    return items


def chosen_lines(encounter: Encounter) -> list[dict[str, Any]]:
    """The lines the clinician chose at signing (coding.models.SignedProposal)."""
    proposal = getattr(encounter, "signed_proposal", None)
    return list(proposal.chosen_lines) if proposal is not None else []


def claim_lines(encounter: Encounter) -> list[dict[str, Any]] | None:
    """The lines of the encounter's claim as sent to the payer, or None without a claim."""
    claim = getattr(encounter, "claim", None)  # the payers app's claim, when there is one
    if claim is None:
        return None
    return [
        {"code": line.code, "units": line.units, "modifiers": list(line.modifiers or [])}
        for line in claim.lines.all()
    ]


def billed_lines(encounter: Encounter) -> list[dict[str, Any]]:
    """What was billed: the claim's lines when a claim exists, else the codes chosen at signing."""
    lines = claim_lines(encounter)
    return lines if lines is not None else chosen_lines(encounter)


def encounter_get_for_auditor(
    *, user: AbstractBaseUser, encounter_id: int, path: str = ""
) -> Encounter:
    """A signed encounter that is in a drawn sample (else 404), recording the access."""
    _require_compliance(user)
    encounter = (
        Encounter.objects.signed()
        .filter(pk=encounter_id, audit_items__isnull=False)
        .select_related(
            "patient",
            "clinician__user",
            "coverage__payer",
            "signed_by",
            "signed_proposal",
        )
        .prefetch_related("diagnoses", "medication_reviews", "addenda__author")
        .first()
    )
    if encounter is None:
        raise Http404("Only charts drawn for an audit can be opened here.")
    access_record(user=user, obj=encounter, action=AccessAction.VIEW, path=path)
    return encounter


def audit_item_get_for_auditor(
    *, user: AbstractBaseUser, sample: AuditSample, encounter_id: int, path: str = ""
) -> AuditSampleItem:
    """The sampled chart ``encounter_id`` of ``sample``, its encounter read through the auditor."""
    item = (
        AuditSampleItem.objects.filter(sample=sample, encounter_id=encounter_id)
        .select_related("review")
        .first()
    )
    if item is None:
        raise Http404("That chart is not in this month's sample.")
    item.encounter = encounter_get_for_auditor(user=user, encounter_id=encounter_id, path=path)
    return item


def findings_for_clinician(*, user: AbstractBaseUser) -> QuerySet[ChartReview]:
    """Reviews of the prescriber's own charts, newest month first."""
    if role_of(user) != Role.PRESCRIBER:
        raise PermissionDenied("Only prescribers see findings on their charts.")
    clinician = clinician_for_user(user)
    if clinician is None:
        raise PermissionDenied("Your account has no clinician profile.")
    return (
        ChartReview.objects.filter(item__encounter__clinician=clinician)
        .select_related(
            "item__sample",
            "item__encounter__patient",
            "item__encounter__signed_proposal",
            "acknowledged_by",
        )
        .order_by("-item__sample__month", "item__position")
    )


def finding_get_for_clinician(*, user: AbstractBaseUser, review_id: int) -> ChartReview:
    """A finding on one of the prescriber's charts (else 404)."""
    review = (
        findings_for_clinician(user=user)
        .select_related("item__encounter__clinician")
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise Http404("No such finding on your charts.")
    return review


# Reports -----------------------------------------------------------------------------


@dataclass
class Tally:
    """Outcomes of a group of reviewed charts."""

    label: str
    reviewed: int = 0
    supported: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float | None:
        return self.supported / self.reviewed if self.reviewed else None

    def add(self, review: ChartReview) -> None:
        self.reviewed += 1
        self.supported += review.is_supported
        self.outcomes[review.outcome] += 1

    @property
    def outcome_counts(self) -> list[tuple[str, int]]:
        return [(label, self.outcomes[value]) for value, label in Outcome.choices]


@dataclass
class MonthReport:
    sample: AuditSample
    charts: int
    target: float
    overall: Tally
    by_check: list[tuple[str, int, int]]  # label, not met, reviewed where applicable
    by_clinician: list[Tally]
    by_code: list[Tally]
    trend: list[TrendPoint]
    rows: list[AuditSampleItem]

    @property
    def accuracy(self) -> float | None:
        return self.overall.accuracy

    @property
    def meets_target(self) -> bool | None:
        accuracy = self.accuracy
        return None if accuracy is None else accuracy >= self.target


@dataclass(frozen=True)
class TrendPoint:
    month: datetime.date
    reviewed: int
    supported: int

    @property
    def accuracy(self) -> float | None:
        return self.supported / self.reviewed if self.reviewed else None


def accuracy_trend(*, last_month: datetime.date, months: int = 12) -> list[TrendPoint]:
    """Reviewed and supported charts for each of the ``months`` months ending at ``last_month``."""
    span = months_back(last_month, months)
    counts = {
        row["month"]: row
        for row in AuditSample.objects.filter(month__gte=span[0], month__lte=span[-1])
        .values("month")
        .annotate(
            reviewed=Count("items__review"),
            supported=Count("items__review", filter=Q(items__review__outcome=Outcome.SUPPORTED)),
        )
    }
    return [
        TrendPoint(
            month=m,
            reviewed=counts.get(m, {}).get("reviewed", 0),
            supported=counts.get(m, {}).get("supported", 0),
        )
        for m in span
    ]


def month_report(*, sample: AuditSample) -> MonthReport:
    """Accuracy against the target, findings by checklist item, clinician and code (AU-3)."""
    rows = sample_items(sample)
    overall = Tally("All charts")
    by_clinician: dict[str, Tally] = {}
    by_code: dict[str, Tally] = {}
    not_met: Counter[str] = Counter()
    applicable: Counter[str] = Counter()
    for item in rows:
        review = item.review_or_none  # type: ignore[attr-defined]
        if review is None:
            continue
        overall.add(review)
        name = item.encounter.clinician.display_name
        by_clinician.setdefault(name, Tally(name)).add(review)
        for code in dict.fromkeys(line["code"] for line in item.billed_lines):  # type: ignore[attr-defined]
            by_code.setdefault(code, Tally(code)).add(review)
        for check_field, _label, value in review.checks:
            applicable[check_field] += value != Check.NOT_APPLICABLE
            not_met[check_field] += value == Check.NOT_MET
    by_check = [(label, not_met[f], applicable[f]) for f, label in CHECKLIST.items()]
    return MonthReport(
        sample=sample,
        charts=len(rows),
        target=settings.AUDIT_ACCURACY_TARGET,
        overall=overall,
        by_check=by_check,
        by_clinician=sorted(by_clinician.values(), key=lambda t: t.label),
        by_code=sorted(by_code.values(), key=lambda t: t.label),
        trend=accuracy_trend(last_month=sample.month),
        rows=rows,
    )



def next_unreviewed_encounter_id(sample: AuditSample) -> int | None:
    """The first chart of the sample, in draw order, that has no review yet."""
    return (
        sample.items.filter(review__isnull=True)
        .order_by("position")
        .values_list("encounter_id", flat=True)
        .first()
    )
