"""Reads of the payers app: payers for the practice admin, a payer's fee schedule, and the
drug table.

The claims app prices claim lines from ``fees_for``; the coding service and the claim
checks hand the engine the practice's drugs from ``drug_table``.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404

from accounts.roles import Role, role_of
from coding.engine import PayerProfile
from coding.engine.drugs import DrugTable

from .models import Drug, FeeScheduleEntry, Payer
from .profiles import payer_profile_for


def fees_for(payer: Payer | None) -> dict[tuple[str, str], FeeScheduleEntry]:
    """The payer's fee schedule by (code, modifier); empty without a payer."""
    if payer is None:
        return {}
    return {(f.code, f.modifier): f for f in payer.fees.all()}


def payer_fee(payer: Payer, fee_id: int) -> FeeScheduleEntry:
    """One fee of the payer's schedule (from the prefetched fees), or 404."""
    entry = next((f for f in payer.fees.all() if f.pk == fee_id), None)
    if entry is None:
        raise Http404("No such fee.")
    return entry


def payer_profile_list() -> list[PayerProfile]:
    """Every payer of the practice as the engine's profile (PY), by name."""
    return [payer_profile_for(payer) for payer in Payer.objects.order_by("name")]


def payer_list_for_admin(*, user: User) -> QuerySet[Payer]:
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins manage payers.")
    return Payer.objects.annotate(fee_count=Count("fees")).order_by("name")


def payer_get_for_admin(*, user: User, payer_id: int) -> Payer:
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins manage payers.")
    payer = Payer.objects.prefetch_related("fees", "changes__user").filter(pk=payer_id).first()
    if payer is None:
        raise Http404("No such payer.")
    return payer


def drug_table() -> DrugTable:
    """The practice's drug table as the engine reads it (INJ-1, INJ-3): every row, one query."""
    return DrugTable(tuple(row.to_engine() for row in Drug.objects.all()))


def drug_list_for_admin(*, user: User) -> QuerySet[Drug]:
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins manage the drug table.")
    return Drug.objects.order_by("code", "effective_from", "id")


def drug_get_for_admin(*, user: User, drug_id: int) -> Drug:
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins manage the drug table.")
    drug = Drug.objects.prefetch_related("changes__user").filter(pk=drug_id).first()
    if drug is None:
        raise Http404("No such drug.")
    return drug


def payers_active() -> QuerySet[Payer]:
    """The payers a patient's coverage can name (active ones), by name."""
    return Payer.objects.filter(active=True).order_by("name")
