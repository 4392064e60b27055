"""Reads of the payers app: the billers' queue, one claim, the clinician's inbox, payers.

The queue runs a fixed number of queries whatever the data: one count, one page of 50
rows (patient, payer and clinician joined), one count per state, and the filter choices.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.access import access_record
from accounts.models import AccessAction, Clinician
from accounts.roles import Role, role_of
from accounts.selectors import clinician_for_user
from claims.models import Claim, ClaimState, ExportBatch, ScrubStatus

from .models import Payer

PAGE_SIZE = 50
SORTS = {
    "dos": ("date_of_service", "id"),
    "-dos": ("-date_of_service", "-id"),
    "patient": ("patient__last_name", "patient__first_name", "id"),
    "number": ("number",),
    "charge": ("-total_charge", "id"),
    "updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "dos"


@dataclass(frozen=True)
class QueueFilters:
    state: str = ClaimState.QUEUED
    payer: int | None = None
    clinician: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    scrub: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT


@dataclass
class QueuePage:
    page: Page
    counts: dict[str, int]
    filters: QueueFilters
    payers: list[Payer] = field(default_factory=list)
    clinicians: list[Clinician] = field(default_factory=list)


def _require_biller(user: AbstractBaseUser) -> None:
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers work the claim queue.")


def _filtered(filters: QueueFilters, *, with_state: bool) -> QuerySet[Claim]:
    claims = Claim.objects.all()
    if with_state and filters.state:
        claims = claims.filter(state=filters.state)
    if filters.payer:
        claims = claims.filter(payer_id=filters.payer)
    if filters.clinician:
        claims = claims.filter(clinician_id=filters.clinician)
    if filters.date_from:
        claims = claims.filter(date_of_service__gte=filters.date_from)
    if filters.date_to:
        claims = claims.filter(date_of_service__lte=filters.date_to)
    if filters.scrub in ScrubStatus.values:
        claims = claims.filter(scrub_status=filters.scrub)
    for word in filters.q.split():
        claims = claims.filter(
            Q(number__iexact=word)
            | Q(patient__last_name__istartswith=word)
            | Q(patient__first_name__istartswith=word)
        )
    return claims


def claim_queue_for_biller(
    *, user: AbstractBaseUser, filters: QueueFilters, page_number: Any = 1
) -> QueuePage:
    """One page of the filtered, sorted queue with the count of claims in each state."""
    _require_biller(user)
    claims = (
        _filtered(filters, with_state=True)
        .select_related("patient", "payer", "clinician__user", "claimed_by")
        .only(
            "id",
            "number",
            "state",
            "scrub_status",
            "has_errors",
            "date_of_service",
            "total_charge",
            "total_expected",
            "version",
            "claimed_at",
            "findings",
            "patient__first_name",
            "patient__last_name",
            "payer__name",
            "clinician__credential",
            "clinician__user__first_name",
            "clinician__user__last_name",
            "clinician__user__username",
            "claimed_by__username",
        )
        .order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))
    )
    page = Paginator(claims, PAGE_SIZE).get_page(page_number)
    counts = {state: 0 for state in ClaimState.values}
    for row in (
        _filtered(filters, with_state=False).order_by().values("state").annotate(n=Count("id"))
    ):
        counts[row["state"]] = row["n"]
    return QueuePage(
        page=page,
        counts=counts,
        filters=filters,
        payers=list(Payer.objects.order_by("name").only("id", "name")),
        clinicians=list(
            Clinician.objects.select_related("user")
            .order_by("user__last_name", "user__first_name")
            .only("id", "credential", "user__first_name", "user__last_name", "user__username")
        ),
    )


def _claim_detail_qs() -> QuerySet[Claim]:
    # The psychotherapy note (pt_note) is never loaded for the claim page.
    return (
        Claim.objects.select_related(
            "patient",
            "payer",
            "clinician__user",
            "coverage",
            "encounter",
            "updated_by",
            "claimed_by",
            "batch",
        )
        .defer("encounter__pt_note")
        .prefetch_related("lines", "transitions__user", "edits__user", "encounter__addenda")
    )


def claim_get_for_user(
    *, user: AbstractBaseUser, claim_id: int, path: str = "", record: bool = True
) -> Claim:
    """The claim for a biller, or for the clinician of its encounter (else 404); recorded."""
    role = role_of(user)
    claims = _claim_detail_qs()
    if role == Role.BILLER:
        pass
    elif role == Role.PRESCRIBER:
        clinician = clinician_for_user(user)
        if clinician is None:
            raise PermissionDenied("Your account has no clinician profile.")
        claims = claims.filter(clinician=clinician)
    else:
        raise PermissionDenied("Your role does not open claims.")
    claim = claims.filter(pk=claim_id).first()
    if claim is None:
        raise Http404("No such claim.")
    if record:
        access_record(user=user, obj=claim, action=AccessAction.VIEW, path=path)
    return claim


def claim_returned_for_clinician(*, user: AbstractBaseUser) -> list[Claim]:
    """The prescriber's claims returned with a question, with that question."""
    if role_of(user) != Role.PRESCRIBER:
        raise PermissionDenied("Only prescribers have a claim inbox.")
    clinician = clinician_for_user(user)
    if clinician is None:
        raise PermissionDenied("Your account has no clinician profile.")
    claims = list(
        Claim.objects.filter(clinician=clinician, state=ClaimState.RETURNED)
        .select_related("patient", "payer")
        .prefetch_related("lines", "transitions__user")
        .order_by("date_of_service", "id")
    )
    for claim in claims:
        asked = [t for t in claim.transitions.all() if t.to_state == ClaimState.RETURNED]
        claim.question = asked[-1] if asked else None  # type: ignore[attr-defined]
    return claims


def claims_exportable(*, user: AbstractBaseUser) -> QuerySet[Claim]:
    """Claims waiting for the next 837P file: approved, corrected and clean, voids to send."""
    _require_biller(user)
    return (
        Claim.objects.exportable()
        .select_related("patient", "payer")
        .order_by("payer__name", "date_of_service", "id")
    )


def export_batches(*, user: AbstractBaseUser) -> QuerySet[ExportBatch]:
    _require_biller(user)
    return ExportBatch.objects.select_related("created_by").defer("content")[:20]


def export_batch_get(*, user: AbstractBaseUser, batch_id: int) -> ExportBatch:
    _require_biller(user)
    batch = ExportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise Http404("No such export.")
    access_record(user=user, obj=batch, action=AccessAction.EXPORT)
    return batch


def payer_list_for_admin(*, user: AbstractBaseUser) -> QuerySet[Payer]:
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins manage payers.")
    return Payer.objects.annotate(fee_count=Count("fees")).order_by("name")


def payer_get_for_admin(*, user: AbstractBaseUser, payer_id: int) -> Payer:
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins manage payers.")
    payer = Payer.objects.prefetch_related("fees", "changes__user").filter(pk=payer_id).first()
    if payer is None:
        raise Http404("No such payer.")
    return payer
