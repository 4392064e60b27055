"""Coverage before the visit: 270 inquiries for a day's schedule, 271 answers read into each
coverage's verified mental-health benefits, and the schedule billers check the day before.

The flow: ``eligibility_batch_export`` writes one 270 (``claims.x12.eligibility``) for the
visits of a day, one inquiry per patient and payer with the service types the payer takes
(``Payer.eligibility_service_types``), and keeps it once x12sdk reads it back without a
problem. ``eligibility_import`` reads a payer's 271 with x12sdk and records one
``EligibilityCheck`` per patient answered: active or inactive, plan dates, copay,
coinsurance, deductible, visit limit and carve-out, and what changed since the coverage's
previous check. A biller who verifies by phone, or records a patient's new coverage
(``coverage_fix``), adds a check too. ``eligibility_schedule`` reads a day's visits with
each coverage's state and the patient's expected share.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.access import access_record, access_record_list
from accounts.models import AccessAction
from accounts.roles import Role, role_of
from encounters.models import Coverage, ScheduledVisit, Setting, SubscriberRelation
from encounters.services import coverage_replace
from payers.models import Payer

from .era import payer_file_create
from .models import (
    CheckSource,
    CoverageStatus,
    EligibilityCheck,
    EligibilityInquiryBatch,
    PayerFile,
)
from .x12.build import X12ValueError
from .x12.eligibility import Answer, Inquiry, Person, build_270, read_271, x12sdk_problems
from .x12.read import X12ReadError

MAX_BYTES = 5 * 1024 * 1024

# The fields a change is flagged on, with their words (the remaining deductible moves with
# every visit paid, so it is shown, not flagged).
COMPARED = (
    ("status", "Coverage"),
    ("plan_begin", "Plan begins"),
    ("plan_end", "Plan ends"),
    ("copay_in_person", "Copay in person"),
    ("copay_telehealth", "Copay telehealth"),
    ("coinsurance_in_person", "Coinsurance in person (%)"),
    ("coinsurance_telehealth", "Coinsurance telehealth (%)"),
    ("deductible", "Deductible"),
    ("visit_limit", "Visits a year"),
    ("carve_out_payer", "Behavioural health carved out to"),
)
BENEFIT_FIELDS = (
    "plan_name",
    "plan_begin",
    "plan_end",
    "copay_in_person",
    "copay_telehealth",
    "coinsurance_in_person",
    "coinsurance_telehealth",
    "deductible",
    "deductible_remaining",
    "visit_limit",
    "carve_out_payer",
)


def _require_biller(user: User | None) -> None:
    if user is not None and role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers check patients' coverage.")


# ----------------------------------------------------------------------------- 270 out
def _inquiry(coverage: Coverage, visit_date: datetime.date) -> Inquiry:
    patient, payer = coverage.patient, coverage.payer
    person = Person(patient.last_name, patient.first_name, patient.date_of_birth, patient.sex)
    is_self = coverage.relation == SubscriberRelation.SELF
    subscriber = (
        person
        if is_self
        else Person(
            coverage.subscriber_last_name or patient.last_name,
            coverage.subscriber_first_name or patient.first_name,
            coverage.subscriber_date_of_birth,
        )
    )
    return Inquiry(
        coverage_id=coverage.pk,
        visit_date=visit_date,
        payer_name=payer.name,
        payer_id=payer.payer_id or payer.slug.upper(),
        member_id=coverage.member_id,
        service_types=tuple(payer.eligibility_service_types or ["MH"]),
        subscriber=subscriber,
        patient=None if is_self else person,
        group_number=coverage.group_number,
    )


def eligibility_inquiries(*, visit_date: datetime.date) -> list[Inquiry]:
    """One inquiry per patient and payer with a visit on ``visit_date`` (active coverage)."""
    patient_ids = ScheduledVisit.objects.filter(date=visit_date).values_list(
        "patient_id", flat=True
    )
    coverages = (
        Coverage.objects.filter(patient_id__in=patient_ids, active=True)
        .select_related("patient", "payer")
        .order_by("payer__name", "patient__last_name", "patient__first_name", "priority")
    )
    seen: set[tuple[int, int]] = set()
    inquiries = []
    for coverage in coverages:
        key = (coverage.patient_id, coverage.payer_id)
        if key not in seen:
            seen.add(key)
            inquiries.append(_inquiry(coverage, visit_date))
    return inquiries


@transaction.atomic
def eligibility_batch_export(
    *, visit_date: datetime.date, user: User | None = None
) -> EligibilityInquiryBatch:
    """Write and keep the 270 of ``visit_date``'s visits; ValidationError says why not."""
    _require_biller(user)
    inquiries = eligibility_inquiries(visit_date=visit_date)
    if not inquiries:
        raise ValidationError(f"No patient with active coverage is scheduled on {visit_date}.")
    control = (EligibilityInquiryBatch.objects.aggregate(m=Max("control_number"))["m"] or 0) + 1
    try:
        content = build_270(inquiries, control_number=control, now=timezone.localtime())
    except X12ValueError as exc:
        raise ValidationError(str(exc)) from None
    problems = x12sdk_problems(content)
    if problems:
        raise ValidationError("The 270 does not pass validation: " + "; ".join(problems))
    batch = EligibilityInquiryBatch.objects.create(
        visit_date=visit_date,
        created_by=user,
        control_number=control,
        inquiry_count=len(inquiries),
        content=content,
    )
    if user is not None:
        patients = {i.coverage_id for i in inquiries}
        access_record(
            user=user,
            obj=batch,
            action=AccessAction.EXPORT,
            patient_ids=Coverage.objects.filter(pk__in=patients).values_list(
                "patient_id", flat=True
            ),
        )
    return batch


# ----------------------------------------------------------------------------- checks
def _shown(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _changes(before: EligibilityCheck | None, after: EligibilityCheck) -> list[str]:
    if before is None:
        return []
    return [
        f"{label}: {_shown(getattr(before, name))} → {_shown(getattr(after, name))}"
        for name, label in COMPARED
        if getattr(before, name) != getattr(after, name)
    ]


def eligibility_check_record(
    *,
    coverage: Coverage,
    status: str,
    source: str,
    user: User | None,
    values: Mapping[str, Any],
    benefits: Mapping[str, Any] | None = None,
    file_name: str = "",
) -> EligibilityCheck:
    """Record one verification of ``coverage``, flagging what differs from the previous one."""
    previous = coverage.eligibility_checks.order_by("-checked_at", "-id").first()
    check = EligibilityCheck(
        coverage=coverage,
        patient_id=coverage.patient_id,
        checked_at=timezone.now(),
        checked_by=user,
        source=source,
        file_name=file_name[:200],
        status=status,
        benefits=dict(benefits or {}),
        **{name: values.get(name) for name in BENEFIT_FIELDS if name in values},
    )
    check.plan_name = check.plan_name or ""
    check.carve_out_payer = check.carve_out_payer or ""
    check.full_clean(exclude=["coverage", "patient", "checked_by"])
    # Decimal fields come back from the database quantized: compare like with like.
    check.changes = _changes(previous, check)
    check.save()
    return check


def _json(benefits: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        code: {key: str(value) for key, value in values.items()}
        for code, values in benefits.items()
    }


def _answer_values(answer: Answer) -> dict[str, Any]:
    return {
        "plan_name": answer.plan_name,
        "plan_begin": answer.plan_begin,
        "plan_end": answer.plan_end,
        "copay_in_person": answer.summary("copay"),
        "copay_telehealth": answer.summary("copay_telehealth"),
        "coinsurance_in_person": answer.summary("coinsurance"),
        "coinsurance_telehealth": answer.summary("coinsurance_telehealth"),
        "deductible": answer.summary("deductible"),
        "deductible_remaining": answer.summary("deductible_remaining"),
        "visit_limit": answer.summary("visit_limit"),
        "carve_out_payer": answer.carve_out_payer,
    }


@dataclass
class EligibilityImport:
    """What a 271 did: the checks recorded, and the patients it could not be tied to."""

    file_name: str
    payer_file: PayerFile | None = None
    checks: list[EligibilityCheck] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[EligibilityCheck]:
        return [c for c in self.checks if c.changes]

    @property
    def inactive(self) -> list[EligibilityCheck]:
        return [c for c in self.checks if c.status == CoverageStatus.INACTIVE]

    def to_dict(self) -> dict[str, Any]:
        return {
            "coverages_checked": len(self.checks),
            "coverages_changed": len(self.changed),
            "coverages_inactive": len(self.inactive),
            "unmatched": self.unmatched,
            "unanswered": self.unanswered,
        }


def _coverage_for(answer: Answer, by_id: Mapping[int, Coverage]) -> Coverage | None:
    """The coverage a 271 answer is about: our trace, else the payer's id and member id."""
    if answer.coverage_id is not None and answer.coverage_id in by_id:
        return by_id[answer.coverage_id]
    matches = list(
        Coverage.objects.filter(
            active=True,
            member_id__iexact=answer.member_id.strip(),
            payer__in=Payer.objects.filter(payer_id__iexact=answer.payer_id.strip()),
        ).select_related("patient")[:2]
    )
    return matches[0] if len(matches) == 1 and answer.member_id.strip() else None


def _who(answer: Answer) -> str:
    return f"{answer.last_name}, {answer.first_name} (member {answer.member_id})"


@transaction.atomic
def eligibility_import(*, name: str, data: bytes, user: User | None = None) -> EligibilityImport:
    """Read a payer's 271 and record each answered coverage's benefits; ValidationError
    (nothing recorded) for a file that is not a readable 271."""
    _require_biller(user)
    if len(data) > MAX_BYTES:
        raise ValidationError("The file is larger than 5 MB: is it a 271 file?")
    content = data.decode("ascii", errors="replace")
    try:
        answers = read_271(content)
    except X12ReadError as exc:
        raise ValidationError(str(exc)) from None
    if not answers:
        raise ValidationError("The 271 answers for no patient.")
    ids = [a.coverage_id for a in answers if a.coverage_id is not None]
    by_id = {c.pk: c for c in Coverage.objects.filter(pk__in=ids).select_related("patient")}
    result = EligibilityImport(file_name=name)
    for answer in answers:
        if not answer.status:
            reasons = ", ".join(answer.rejections) or "no coverage status"
            result.unanswered.append(f"{_who(answer)}: the payer did not answer ({reasons}).")
            continue
        coverage = _coverage_for(answer, by_id)
        if coverage is None:
            result.unmatched.append(f"{_who(answer)}: no coverage of ours matches.")
            continue
        result.checks.append(
            eligibility_check_record(
                coverage=coverage,
                status=answer.status,
                source=CheckSource.RESPONSE_271,
                user=user,
                values=_answer_values(answer),
                benefits=_json(answer.benefits),
                file_name=name,
            )
        )
    if user is not None:
        result.payer_file = payer_file_create(user=user, kind="271", name=name, content=content)
        result.payer_file.summary = result.to_dict()
        result.payer_file.save(update_fields=["summary"])
        access_record(
            user=user,
            obj=result.payer_file,
            action=AccessAction.CREATE,
            patient_ids=[c.patient_id for c in result.checks],
        )
    return result


# ----------------------------------------------------------------------------- the schedule
STATE_LABELS = {
    "verified": "Verified today",
    "changed": "Changed",
    "inactive": "Inactive",
    "not_checked": "Not checked",
    "no_coverage": "No active coverage",
}


@dataclass(frozen=True)
class ScheduleRow:
    """One visit of the day with its coverage's state and the patient's expected share."""

    visit: ScheduledVisit
    coverage: Coverage | None
    check: EligibilityCheck | None
    state: str
    share: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def coverage_state(check: EligibilityCheck | None, *, today: datetime.date) -> str:
    """verified (today, nothing changed), changed (today), inactive, or not checked."""
    if check is None:
        return "not_checked"
    if check.status == CoverageStatus.INACTIVE:
        return "inactive"
    if timezone.localtime(check.checked_at).date() != today:
        return "not_checked"
    return "changed" if check.changes else "verified"


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def patient_share(check: EligibilityCheck | None, *, setting: str) -> str:
    """What the patient is expected to pay at a visit in ``setting``, in words."""
    if check is None:
        return "Unknown until checked"
    if check.status == CoverageStatus.INACTIVE:
        return "Full fee unless coverage is fixed"
    if check.carve_out_payer:
        return f"Billed to {check.carve_out_payer} (behavioural health carved out)"
    remote = setting in (Setting.VIDEO, Setting.AUDIO)
    copay = check.copay_telehealth if remote and check.copay_telehealth is not None else None
    coinsurance = (
        check.coinsurance_telehealth
        if remote and check.coinsurance_telehealth is not None
        else None
    )
    if copay is None and coinsurance is None:
        copay, coinsurance = check.copay_in_person, check.coinsurance_in_person
    parts = []
    if copay is not None:
        parts.append(f"{_money(copay)} copay")
    if coinsurance is not None:
        parts.append(f"{coinsurance.normalize():f}% coinsurance")
    share = " + ".join(parts) or "No copay or coinsurance"
    if check.deductible_remaining:
        share += f", after {_money(check.deductible_remaining)} of deductible left"
    return share


def _latest_checks(coverage_ids: Sequence[int]) -> dict[int, EligibilityCheck]:
    latest = (
        EligibilityCheck.objects.filter(coverage=OuterRef("coverage"))
        .order_by("-checked_at", "-id")
        .values("pk")[:1]
    )
    checks = EligibilityCheck.objects.filter(
        coverage_id__in=coverage_ids, pk=Subquery(latest)
    ).select_related("checked_by")
    return {c.coverage_id: c for c in checks}


def eligibility_schedule(*, user: User, day: datetime.date, path: str = "") -> list[ScheduleRow]:
    """The visits of ``day`` with each patient's primary coverage, its state and the expected
    share (four queries, whatever the day holds); the page's patients are recorded."""
    _require_biller(user)
    visits = list(
        ScheduledVisit.objects.filter(date=day)
        .select_related("patient", "clinician__user")
        .order_by("time", "patient__last_name")
    )
    patient_ids = {v.patient_id for v in visits}
    primary: dict[int, Coverage] = {}
    for active in (
        Coverage.objects.filter(patient_id__in=patient_ids, active=True)
        .select_related("payer")
        .order_by("priority")
    ):
        primary.setdefault(active.patient_id, active)
    checks = _latest_checks([c.pk for c in primary.values()])
    today = timezone.localdate()
    rows = []
    for visit in visits:
        coverage: Coverage | None = primary.get(visit.patient_id)
        check = checks.get(coverage.pk) if coverage else None
        state = coverage_state(check, today=today) if coverage else "no_coverage"
        share = patient_share(check, setting=visit.setting) if coverage else "Self-pay"
        rows.append(ScheduleRow(visit, coverage, check, state, share))
    access_record_list(user=user, rows=ScheduledVisit, patient_ids=patient_ids, path=path)
    return rows


# ----------------------------------------------------------------------------- fixing it
def coverage_get_for_biller(*, user: User, coverage_id: int, path: str = "") -> Coverage:
    """One coverage a biller fixes, with its patient and payer (else 404); recorded."""
    _require_biller(user)
    coverage = Coverage.objects.select_related("patient", "payer").filter(pk=coverage_id).first()
    if coverage is None:
        raise Http404("No such coverage.")
    access_record(user=user, obj=coverage, path=path)
    return coverage


def coverage_checks(*, coverage: Coverage) -> list[EligibilityCheck]:
    """The coverage's checks, newest first (the last ten)."""
    return list(
        coverage.eligibility_checks.select_related("checked_by").order_by("-checked_at", "-id")[:10]
    )


@transaction.atomic
def coverage_fix(
    *,
    user: User,
    coverage: Coverage,
    payer: Payer,
    member_id: str,
    group_number: str,
    values: Mapping[str, Any],
) -> EligibilityCheck:
    """Record the patient's new coverage in place of ``coverage`` (which stays, inactive) and
    the benefits the biller verified with the payer for it."""
    _require_biller(user)
    new = coverage_replace(
        user=user, coverage=coverage, payer=payer, member_id=member_id, group_number=group_number
    )
    return eligibility_check_record(
        coverage=new,
        status=CoverageStatus.ACTIVE,
        source=CheckSource.BILLER,
        user=user,
        values=values,
    )
