"""Prior authorizations for billers: the worklist of authorizations about to run out, with
each patient's next scheduled visit, and recording a new or changed authorization.

The Authorization rows belong to encounters (per patient and coverage; written by
``encounters.services.authorization_save``); how much is used comes from claim lines
(``claims.authorization_usage``). Recording one re-scrubs the coverage's open claims, so
their SC-AUTH findings and REF*G1 follow what is on file.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404

from accounts.access import access_record, access_record_list
from coding.engine.authorization import SERVICE_FAMILIES
from encounters.models import Authorization, Coverage, ScheduledVisit
from encounters.services import authorization_save

from .authorization_usage import with_usage
from .build import claims_rescrub_for_coverage

# An authorization is on the worklist when it ends within this many days, or has this many
# visits (or units) left or fewer, and no later authorization of the coverage follows it.
ENDING_WITHIN_DAYS = 14
FEW_LEFT = 2
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class WorklistRow:
    authorization: Authorization
    days_left: int
    next_visit: datetime.date | None
    next_visit_time: datetime.time | None

    @property
    def ending_soon(self) -> bool:
        return self.days_left <= ENDING_WITHIN_DAYS

    @property
    def few_left(self) -> bool:
        return int(getattr(self.authorization, "remaining", 0)) <= FEW_LEFT

    @property
    def visit_after_end(self) -> bool:
        return self.next_visit is not None and self.next_visit > self.authorization.end_date


def _followed() -> Exists:
    """A later authorization of the same coverage covering one of the same services."""
    shares = Q()
    for family in SERVICE_FAMILIES:
        shares |= Q((family, True)) & Q((family, OuterRef(family)))
    return Exists(
        Authorization.objects.filter(
            coverage_id=OuterRef("coverage_id"), end_date__gt=OuterRef("end_date")
        )
        .exclude(pk=OuterRef("pk"))
        .filter(shares)
    )


@dataclass(frozen=True, slots=True)
class AuthorizationWorklist:
    rows: list[WorklistRow]
    page: Page[Any]


def authorization_worklist(
    *, user: User, today: datetime.date, page_number: Any = 1, path: str = ""
) -> AuthorizationWorklist:
    """Authorizations in force that end within 14 days or have two or fewer visits (units)
    left, soonest end first, with the patient's next scheduled visit: a count and one page
    query whatever the data, and one access record naming the patients shown."""
    upcoming = ScheduledVisit.objects.filter(
        patient_id=OuterRef("patient_id"), date__gte=today
    ).order_by("date", "time")
    rows = (
        with_usage(Authorization.objects.select_related("patient", "coverage__payer"))
        .filter(end_date__gte=today)
        .filter(~_followed())
        .filter(
            Q(end_date__lte=today + datetime.timedelta(days=ENDING_WITHIN_DAYS))
            | Q(remaining__lte=FEW_LEFT)
        )
        .annotate(
            next_visit=Subquery(upcoming.values("date")[:1]),
            next_visit_time=Subquery(upcoming.values("time")[:1]),
        )
        .order_by("end_date", "id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(page_number)
    wrapped = [
        WorklistRow(
            authorization=a,
            days_left=(a.end_date - today).days,
            next_visit=a.next_visit,
            next_visit_time=a.next_visit_time,
        )
        for a in page.object_list
    ]
    access_record_list(
        user=user,
        rows=Authorization,
        patient_ids=[r.authorization.patient_id for r in wrapped],
        path=path,
    )
    return AuthorizationWorklist(rows=wrapped, page=page)


def coverage_get_for_biller(*, user: User, coverage_id: int, path: str = "") -> Coverage:
    """A coverage (with its patient and payer) to record an authorization for; 404 if none."""
    coverage = get_object_or_404(
        Coverage.objects.select_related("patient", "payer"), pk=coverage_id
    )
    access_record(user=user, obj=coverage, path=path)
    return coverage


def authorization_get_for_biller(
    *, user: User, authorization_id: int, path: str = ""
) -> Authorization:
    """One authorization with how much is used; 404 if none; an access record of it."""
    authorization = get_object_or_404(
        with_usage(Authorization.objects.select_related("patient", "coverage__payer")),
        pk=authorization_id,
    )
    access_record(user=user, obj=authorization, path=path)
    return authorization


@transaction.atomic
def authorization_record(
    *,
    user: User,
    coverage: Coverage,
    data: Mapping[str, Any],
    authorization: Authorization | None = None,
) -> Authorization:
    """Record a new authorization for ``coverage`` or change one, then re-scrub the
    coverage's open claims (SC-AUTH, REF*G1)."""
    saved = authorization_save(user=user, coverage=coverage, data=data, authorization=authorization)
    claims_rescrub_for_coverage(coverage_id=coverage.pk, user=user)
    return saved


def authorization_of_coverage(*, coverage: Coverage, pk: int) -> Authorization | None:
    """One of the coverage's authorizations (the one a renewal starts from), or None."""
    return Authorization.objects.filter(coverage=coverage, pk=pk).first()
