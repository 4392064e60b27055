"""Reads of the audit, each checking the user: samples, sampled charts, findings, report data.

Compliance staff reach a chart only through ``encounter_get_for_auditor``: it
returns an encounter only when it is in a drawn sample, and records the access.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from accounts.access import access_record, access_record_list
from accounts.models import AccessAction, Clinician
from accounts.roles import Role, role_of
from accounts.selectors import clinician_for_user
from encounters.models import Encounter
from payers.models import Payer

from .checklist import codes_text
from .models import CHECKLIST, AuditSample, AuditSampleItem, ChartReview, Outcome, SampleKind
from .sampling import months_back, previous_month

# How long after its scheduled time the automatic draw may take (retries included) before
# the audit home says background work is delayed.
SCHEDULED_DRAW_GRACE = datetime.timedelta(hours=1)


def _require_compliance(user: User) -> None:
    if role_of(user) != Role.COMPLIANCE:
        raise PermissionDenied("Only compliance staff open chart audits.")


def sample_list_for_auditor(*, user: User) -> QuerySet[AuditSample]:
    """Every drawn sample (months, focused and follow-up), newest first, with review counts."""
    _require_compliance(user)
    return (
        AuditSample.objects.defer(*POPULATION_FIELDS)
        .annotate(
            charts=Count("items", distinct=True),
            reviewed=Count("items__review", distinct=True),
            supported=Count("items__review", filter=Q(items__review__outcome=Outcome.SUPPORTED)),
        )
        .select_related("drawn_by")
        .order_by("-month", "kind", "-pk")
    )


# A sample stores its population's ids twice (``population_ids``, and each stratum's
# ``encounter_ids``): 154,000 ids at 77,000 visits a month, 40 ms to read and parse. The
# pages show the strata's sizes only, stored beside them at the draw (``strata_rows``), and
# leave both lists in the database; the RAT-STATS frame asks for the ids.
POPULATION_FIELDS = ("population_ids", "strata")


def sample_get_for_auditor(
    *,
    user: User,
    month: datetime.date | None = None,
    sample_id: int | None = None,
    population: bool = False,
) -> AuditSample:
    """The monthly sample of ``month``, or the sample ``sample_id`` (404 when not drawn).

    Without ``population`` the stored ids stay in the database (``POPULATION_FIELDS``);
    ``sample.strata_rows`` lists each stratum with its size.
    """
    _require_compliance(user)
    samples = AuditSample.objects.select_related("drawn_by", "clinician", "follows")
    if not population:
        samples = samples.defer(*POPULATION_FIELDS)
    if month is not None:
        sample = samples.filter(month=month, kind=SampleKind.MONTHLY).first()
        if sample is None:
            raise Http404(f"No audit sample has been drawn for {month:%Y-%m}.")
        return sample
    sample = samples.filter(pk=sample_id).first() if sample_id is not None else None
    if sample is None:
        raise Http404("No such audit sample.")
    return sample


def focus_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(clinicians, payers) a focused audit can target, as form choices."""
    clinicians = [
        (c.pk, c.display_name)
        for c in Clinician.objects.select_related("user").order_by("user__last_name", "pk")
    ]
    payers = list(Payer.objects.order_by("name").values_list("pk", "name"))
    return clinicians, payers


def chosen_lines(encounter: Encounter) -> list[dict[str, Any]]:
    """The lines the clinician chose at signing (coding.models.SignedProposal)."""
    proposal = getattr(encounter, "signed_proposal", None)
    return list(proposal.chosen_lines) if proposal is not None else []


def claim_lines(encounter: Encounter) -> list[dict[str, Any]] | None:
    """The lines of the encounter's claim as sent to the payer, or None without a claim."""
    claim = getattr(encounter, "claim", None)  # the claims app's claim, when there is one
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


def encounter_get_for_auditor(*, user: User, encounter_id: int, path: str = "") -> Encounter:
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
            "claim",
        )
        .prefetch_related("diagnoses", "medication_reviews", "addenda__author")
        .first()
    )
    if encounter is None:
        raise Http404("Only charts drawn for an audit can be opened here.")
    access_record(user=user, obj=encounter, action=AccessAction.VIEW, path=path)
    return encounter


def audit_item_get_for_auditor(
    *, user: User, sample: AuditSample, encounter_id: int, path: str = ""
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


def findings_for_clinician(*, user: User) -> QuerySet[ChartReview]:
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


def finding_list_for_clinician(*, user: User, path: str = "") -> list[ChartReview]:
    """The findings page: reviews of the prescriber's charts, recording the patients shown."""
    findings = list(findings_for_clinician(user=user))
    access_record_list(
        user=user,
        rows=ChartReview,
        patient_ids=[f.item.encounter.patient_id for f in findings],
        path=path,
    )
    return findings


def finding_get_for_clinician(*, user: User, review_id: int) -> ChartReview:
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


# The month report's data -------------------------------------------------------------
#
# One fetch for the month page and its CSV and PDF, into frozen dataclasses;
# ``audits.reports`` computes the figures from them and never queries.

TREND_MONTHS = 12
PRESCRIBER_TREND_MONTHS = 6


@dataclass(frozen=True)
class UserInfo:
    """A staff member as the report names them."""

    username: str
    name: str  # the full name, or the username when there is none

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(username=user.get_username(), name=user.get_full_name() or user.get_username())


@dataclass(frozen=True)
class ReviewInfo:
    """A sampled chart's review: the checklist answers, the outcome and who saw it."""

    outcome: str
    reviewer_code: str
    comment: str
    checks: tuple[tuple[str, str], ...]  # (checklist field, Check value), in CHECKLIST order
    reviewer: UserInfo
    reviewed_at: datetime.datetime
    acknowledged_by: UserInfo | None
    acknowledged_at: datetime.datetime | None
    billed_amount: Decimal | None = None
    audited_amount: Decimal | None = None

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
    def outcome_label(self) -> str:
        return dict(Outcome.choices).get(self.outcome, self.outcome)


@dataclass(frozen=True)
class ChartInfo:
    """One chart of the sample, in draw order: what was billed and, once reviewed, the review."""

    position: int
    encounter_id: int
    patient_id: int  # never shown: the access record names the patients of the month's charts
    part2: bool  # a 42 CFR Part 2 record: left out of the CSV file
    date_of_service: datetime.date
    clinician_id: int
    clinician_name: str
    billed_codes: tuple[str, ...]  # the code of each billed line, in billed order
    billed_text: str  # '99214-25 + 90833'
    review: ReviewInfo | None


@dataclass(frozen=True)
class TrendPoint:
    """Reviewed and supported charts of one month's sample."""

    month: datetime.date
    reviewed: int
    supported: int

    @property
    def accuracy(self) -> float | None:
        return self.supported / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class ClinicianMonth:
    """Reviewed and supported charts of one clinician in one month's samples (all kinds)."""

    clinician_name: str
    month: datetime.date
    reviewed: int
    supported: int


@dataclass(frozen=True)
class MonthReportInfo:
    """Everything the month's report is computed from (``audits.reports.month_report``)."""

    sample: AuditSample
    target: float  # AUDIT_ACCURACY_TARGET
    charts: tuple[ChartInfo, ...]
    month_counts: tuple[TrendPoint, ...]  # the drawn months among the last TREND_MONTHS
    clinician_months: tuple[ClinicianMonth, ...] = ()  # the prescribers' trend


def month_report_info_fetch_for_auditor(
    *, user: User, sample: AuditSample, action: str = AccessAction.VIEW, path: str = ""
) -> MonthReportInfo:
    """The month's report data for its page, CSV or PDF, recording the sampled patients.

    The month lists each sampled chart (encounter, date of service, clinician, codes), so
    the page and its files write one record of the sample naming the charts' patients.
    """
    _require_compliance(user)
    info = month_report_info_fetch(sample=sample)
    access_record(
        user=user,
        obj=sample,
        action=action,
        path=path,
        patient_ids=[chart.patient_id for chart in info.charts],
    )
    return info


_NAME = ("first_name", "last_name", "username")
_REVIEW = (
    "outcome",
    "reviewer_code",
    "comment",
    "reviewed_at",
    "acknowledged_at",
    "billed_amount",
    "audited_amount",
    *CHECKLIST,
)
# One row per sampled chart, as plain values: building the ten model instances behind each
# chart (item, visit, clinician, users, proposal, claim, review) took longer than the query.
_CHART_COLUMNS = (
    "position",
    "encounter_id",
    "encounter__patient_id",
    "encounter__part2",
    "encounter__date_of_service",
    "encounter__clinician_id",
    *(f"encounter__clinician__user__{name}" for name in _NAME),
    "encounter__signed_proposal__chosen_lines",
    "encounter__claim__id",
    "review__id",
    *(f"review__{name}" for name in _REVIEW),
    *(f"review__reviewer__{name}" for name in _NAME),
    "review__acknowledged_by_id",
    *(f"review__acknowledged_by__{name}" for name in _NAME),
)


def month_report_info_fetch(*, sample: AuditSample) -> MonthReportInfo:
    """The sample's charts, reviews and trend counts in four queries, whatever its size."""
    rows = list(sample.items.order_by("position").values(*_CHART_COLUMNS))
    lines: dict[int, list[dict[str, Any]]] = {}
    for encounter_id, code, units, modifiers in (
        sample.items.filter(encounter__claim__lines__isnull=False)
        .order_by("position", "encounter__claim__lines__position")
        .values_list(
            "encounter_id",
            "encounter__claim__lines__code",
            "encounter__claim__lines__units",
            "encounter__claim__lines__modifiers",
        )
    ):
        lines.setdefault(encounter_id, []).append(
            {"code": code, "units": units, "modifiers": list(modifiers or [])}
        )
    return MonthReportInfo(
        sample=sample,
        target=settings.AUDIT_ACCURACY_TARGET,
        charts=tuple(_chart_info(row, lines) for row in rows),
        month_counts=_month_counts(months_back(sample.month, TREND_MONTHS)),
        clinician_months=_clinician_months(months_back(sample.month, PRESCRIBER_TREND_MONTHS)),
    )


def _user_info(row: dict[str, Any], prefix: str) -> UserInfo:
    """The user whose name columns start with ``prefix``, as ``UserInfo.of`` names them."""
    username = row[f"{prefix}username"]
    full = f"{row[f'{prefix}first_name']} {row[f'{prefix}last_name']}".strip()
    return UserInfo(username=username, name=full or username)


def _chart_info(row: dict[str, Any], claim_lines: dict[int, list[dict[str, Any]]]) -> ChartInfo:
    """One chart from its row: billed as ``billed_lines`` says (the claim's lines when there
    is a claim, else the lines chosen at signing)."""
    if row["encounter__claim__id"] is not None:
        lines = claim_lines.get(row["encounter_id"], [])
    else:
        lines = list(row["encounter__signed_proposal__chosen_lines"] or [])
    return ChartInfo(
        position=row["position"],
        encounter_id=row["encounter_id"],
        patient_id=row["encounter__patient_id"],
        part2=row["encounter__part2"],
        date_of_service=row["encounter__date_of_service"],
        clinician_id=row["encounter__clinician_id"],
        clinician_name=_user_info(row, "encounter__clinician__user__").name,
        billed_codes=tuple(str(line["code"]) for line in lines),
        billed_text=codes_text(lines),
        review=None if row["review__id"] is None else _review_info(row),
    )


def _review_info(row: dict[str, Any]) -> ReviewInfo:
    acknowledged = row["review__acknowledged_by_id"] is not None
    return ReviewInfo(
        outcome=row["review__outcome"],
        reviewer_code=row["review__reviewer_code"],
        comment=row["review__comment"],
        checks=tuple((name, row[f"review__{name}"]) for name in CHECKLIST),
        reviewer=_user_info(row, "review__reviewer__"),
        reviewed_at=row["review__reviewed_at"],
        acknowledged_by=_user_info(row, "review__acknowledged_by__") if acknowledged else None,
        acknowledged_at=row["review__acknowledged_at"],
        billed_amount=row["review__billed_amount"],
        audited_amount=row["review__audited_amount"],
    )


def _clinician_months(span: list[datetime.date]) -> tuple[ClinicianMonth, ...]:
    """Each clinician's reviewed and supported charts per month, over every kind of sample."""
    rows = (
        ChartReview.objects.filter(
            item__sample__month__gte=span[0], item__sample__month__lte=span[-1]
        )
        .values(
            "item__sample__month",
            "item__encounter__clinician_id",
            "item__encounter__clinician__user__first_name",
            "item__encounter__clinician__user__last_name",
            "item__encounter__clinician__user__username",
        )
        .annotate(reviewed=Count("id"), supported=Count("id", filter=Q(outcome=Outcome.SUPPORTED)))
        .order_by("item__sample__month", "item__encounter__clinician_id")
    )
    return tuple(
        ClinicianMonth(
            clinician_name=(
                f"{row['item__encounter__clinician__user__first_name']} "
                f"{row['item__encounter__clinician__user__last_name']}"
            ).strip()
            or row["item__encounter__clinician__user__username"],
            month=row["item__sample__month"],
            reviewed=row["reviewed"],
            supported=row["supported"],
        )
        for row in rows
    )


def _month_counts(span: list[datetime.date]) -> tuple[TrendPoint, ...]:
    """Reviewed and supported charts of each drawn month from ``span[0]`` to ``span[-1]``."""
    rows = (
        AuditSample.objects.filter(month__gte=span[0], month__lte=span[-1], kind=SampleKind.MONTHLY)
        .values("month")
        .annotate(
            reviewed=Count("items__review"),
            supported=Count("items__review", filter=Q(items__review__outcome=Outcome.SUPPORTED)),
        )
        .order_by("month")
    )
    return tuple(
        TrendPoint(month=row["month"], reviewed=row["reviewed"], supported=row["supported"])
        for row in rows
    )


def sample_chart_count(sample: AuditSample) -> int:
    """How many charts a sample drew."""
    return AuditSampleItem.objects.filter(sample=sample).count()


def next_unreviewed_encounter_id(sample: AuditSample) -> int | None:
    """The first chart of the sample, in draw order, that has no review yet."""
    return (
        sample.items.filter(review__isnull=True)
        .order_by("position")
        .values_list("encounter_id", flat=True)
        .first()
    )


def scheduled_draw_overdue(*, now: datetime.datetime) -> datetime.date | None:
    """The month the daily automatic draw should have drawn by ``now`` and has not, or None.

    Beat draws the previous month at its first run of the month (CELERY_BEAT_SCHEDULE:
    AUDIT_DRAW_HOUR, 02:00 local time, on the 1st). A month still undrawn an hour later
    means the worker, beat or their Redis is down or behind. With no broker (tasks run in
    the web process, no beat) nothing is scheduled, so nothing is late.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    local = timezone.localtime(now)
    first_run = local.replace(
        day=1, hour=settings.AUDIT_DRAW_HOUR, minute=0, second=0, microsecond=0
    )
    if local < first_run + SCHEDULED_DRAW_GRACE:
        return None
    month = previous_month(local.date())
    return None if AuditSample.objects.filter(month=month).exists() else month


# RAT-STATS files ----------------------------------------------------------------------


@dataclass(frozen=True)
class FrameRow:
    """One chart of the sampling frame: its frame item number (1..N, population order)."""

    frame_item: int
    encounter_id: int
    patient_id: int
    date_of_service: datetime.date
    billed_amount: Decimal  # the claim's expected (allowed) amount; 0.00 without a claim


def ratstats_frame_fetch(*, sample: AuditSample) -> list[FrameRow]:
    """Every chart of the sample's stored population with its billed amount, in one query."""
    rows = {
        row[0]: row
        for row in Encounter.objects.filter(pk__in=sample.population_ids)
        .annotate(amount=Sum("claim__lines__expected"))
        .values_list("id", "patient_id", "date_of_service", "amount")
    }
    return [
        FrameRow(
            frame_item=number,
            encounter_id=encounter_id,
            patient_id=rows[encounter_id][1],
            date_of_service=rows[encounter_id][2],
            billed_amount=rows[encounter_id][3] or Decimal("0.00"),
        )
        for number, encounter_id in enumerate(sample.population_ids, start=1)
        if encounter_id in rows
    ]


def ratstats_frame_fetch_for_auditor(
    *, user: User, sample: AuditSample, path: str = ""
) -> list[FrameRow]:
    """The frame for its file, recording the export of every chart in it."""
    _require_compliance(user)
    frame = ratstats_frame_fetch(sample=sample)
    access_record(
        user=user,
        obj=sample,
        action=AccessAction.EXPORT,
        path=path,
        patient_ids=[row.patient_id for row in frame],
    )
    return frame
