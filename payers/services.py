"""Writes of the payers app: a payer's profile, its fee schedule and the drug table, each
change recorded.

Only practice admins change payers and drugs. Every change is kept as a ``PayerChange``
(field, old and new value, who and when); a profile the engine cannot read
(``payer_profile_for``) is refused with the field named. Drug rows are end-dated, never
deleted, and each change is kept as a ``DrugChange``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Role, role_of
from coding.engine import PayerProfileError
from coding.engine.codes import modifiers_error

from .models import (
    Drug,
    DrugChange,
    FeeScheduleEntry,
    Payer,
    PayerChange,
    billable_code_problem,
)
from .profiles import payer_profile_for

# The fields a practice admin edits, in the order the payer form shows them.
PAYER_FIELDS = (
    "name",
    "payer_id",
    "claim_filing_indicator",
    "timely_filing_days",
    "appeal_days",
    "em_credentials",
    "pharm_mgmt_90863_credentials",
    "prolonged_code",
    "video_modifier",
    "audio_only_covered",
    "audio_modifier",
    "modifier_25_with_addon",
    "accepted_z_codes",
    "telehealth_in_person_waiver_until",
    "audio_only_home_only",
    "takes_g2211",
    "brief_assessment_max_units",
    "modifier_25_with_96127",
    "brief_assessment_telehealth_modifier",
    "discard_modifiers",
    "ndc_on_drug_lines",
    "eligibility_service_types",
    "authorization_families",
    "active",
)


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


def _require_admin(user: User) -> None:
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins change payers.")


@transaction.atomic
def payer_update(*, user: User, payer: Payer, data: Mapping[str, Any]) -> Payer:
    """Change a payer's profile; each changed field is recorded with its old and new value."""
    _require_admin(user)
    stored = Payer.objects.select_for_update().get(pk=payer.pk)  # old values, not a form's copy
    changes = []
    for name in PAYER_FIELDS:
        if name not in data:
            continue
        old, new = getattr(stored, name), data[name]
        if old != new:
            changes.append(
                PayerChange(payer=stored, user=user, field=name, old=_shown(old), new=_shown(new))
            )
            setattr(stored, name, new)
    if not changes:
        return stored
    stored.full_clean()
    try:
        payer_profile_for(stored)  # the engine must be able to read the profile
    except PayerProfileError as exc:
        raise ValidationError({exc.field: [exc.message]}) from None
    stored.save(update_fields=[c.field for c in changes])
    PayerChange.objects.bulk_create(changes)
    return stored


@transaction.atomic
def fee_set(
    *,
    user: User,
    payer: Payer,
    code: str,
    modifier: str,
    charge: Decimal,
    allowed: Decimal,
) -> FeeScheduleEntry:
    """Add or change one fee schedule amount, recording the old and new amounts."""
    _require_admin(user)
    code, modifier = code.strip().upper(), modifier.strip().upper()
    code_problem = billable_code_problem(code)
    if code_problem and Drug.objects.filter(code=code).exists():
        code_problem = None  # a drug the practice added to its table is priced per unit
    if code_problem:
        raise ValidationError({"code": [code_problem]})
    modifier_problem = modifiers_error([modifier]) if modifier else None
    if modifier_problem:
        raise ValidationError({"modifier": [modifier_problem]})
    if charge < 0 or allowed < 0:
        raise ValidationError({"charge": ["Amounts cannot be negative."]})
    entry = FeeScheduleEntry.objects.filter(payer=payer, code=code, modifier=modifier).first()
    old = f"{entry.charge} / {entry.allowed}" if entry else ""
    if entry is None:
        entry = FeeScheduleEntry(payer=payer, code=code, modifier=modifier)
    elif (entry.charge, entry.allowed) == (charge, allowed):
        return entry
    entry.charge, entry.allowed = charge, allowed
    entry.save()
    PayerChange.objects.create(
        payer=payer,
        user=user,
        field=f"fee {code}" + (f"-{modifier}" if modifier else ""),
        old=old,
        new=f"{charge} / {allowed}",
    )
    return entry


@transaction.atomic
def fee_delete(*, user: User, entry: FeeScheduleEntry) -> None:
    """Remove a fee schedule row, recording what it was."""
    _require_admin(user)
    PayerChange.objects.create(
        payer=entry.payer,
        user=user,
        field=f"fee {entry.code}" + (f"-{entry.modifier}" if entry.modifier else ""),
        old=f"{entry.charge} / {entry.allowed}",
        new="",
    )
    entry.delete()


# ----------------------------------------------------------------------------- the drug table
DRUG_FIELDS = (
    "code",
    "product",
    "billing_unit_mg",
    "single_dose_mg",
    "multi_dose",
    "effective_from",
    "effective_until",
)


def _positive_mg(size: object) -> bool:
    try:
        amount = Decimal(str(size))
    except InvalidOperation:
        return False
    return amount.is_finite() and amount > 0


def _overlapping(drug: Drug) -> Drug | None:
    """Another row of the same code in force on a day this row is (INJ-1 needs one a day)."""
    rows = Drug.objects.select_for_update().filter(code=drug.code).exclude(pk=drug.pk)
    start, end = drug.effective_from or datetime.date.min, drug.effective_until
    for row in rows.order_by("effective_from", "id"):
        row_start, row_end = row.effective_from or datetime.date.min, row.effective_until
        if (end is None or row_start <= end) and (row_end is None or start <= row_end):
            return row
    return None


def _drug_check(drug: Drug) -> None:
    """The row's own checks, its sizes against multi-dose, and no overlap with its code."""
    start, end = drug.effective_from, drug.effective_until
    if start and end and end < start:
        raise ValidationError(
            {"effective_until": [f"The last day ({end}) cannot be before the first ({start})."]}
        )
    drug.full_clean()
    if drug.multi_dose and drug.single_dose_mg:
        raise ValidationError(
            {"single_dose_mg": ["A multi-dose vial has no single-dose sizes: leave them empty."]}
        )
    if not drug.multi_dose and not drug.single_dose_mg:
        raise ValidationError(
            {"single_dose_mg": ["Give the single-dose sizes in mg, or tick multi-dose vial."]}
        )
    bad = [size for size in drug.single_dose_mg if not _positive_mg(size)]
    if bad:
        raise ValidationError(
            {"single_dose_mg": [f"Sizes are amounts in mg; not {', '.join(map(str, bad))}."]}
        )
    other = _overlapping(drug)
    if other is not None:
        until = f"until {other.effective_until}" if other.effective_until else "with no end date"
        since = f"from {other.effective_from}" if other.effective_from else "always"
        raise ValidationError(
            {
                "effective_from": [
                    f"{drug.code} already has a row in force on these dates ({other.product}, "
                    f"{since}, {until}): end-date that row first, so one row applies each day."
                ]
            }
        )


@transaction.atomic
def drug_create(*, user: User, data: Mapping[str, Any]) -> Drug:
    """Add a drug (or a new row of a code from a date), recording each value given."""
    _require_admin(user)
    drug = Drug(**{name: data[name] for name in DRUG_FIELDS if name in data})
    _drug_check(drug)
    drug.save()
    DrugChange.objects.bulk_create(
        DrugChange(drug=drug, user=user, field=name, old="", new=_shown(getattr(drug, name)))
        for name in DRUG_FIELDS
        if getattr(drug, name) not in (None, "", [], False)
    )
    return drug


@transaction.atomic
def drug_update(*, user: User, drug: Drug, data: Mapping[str, Any]) -> Drug:
    """Change a drug row (its code stays); each changed field is recorded, old and new."""
    _require_admin(user)
    stored = Drug.objects.select_for_update().get(pk=drug.pk)
    changes = []
    for name in DRUG_FIELDS:
        if name == "code" or name not in data:
            continue
        old, new = getattr(stored, name), data[name]
        if old != new:
            changes.append(
                DrugChange(drug=stored, user=user, field=name, old=_shown(old), new=_shown(new))
            )
            setattr(stored, name, new)
    if not changes:
        return stored
    _drug_check(stored)
    stored.save(update_fields=[c.field for c in changes])
    DrugChange.objects.bulk_create(changes)
    return stored


def drug_end_date(*, user: User, drug: Drug, last_day: datetime.date) -> Drug:
    """End a drug row: ``last_day`` is the last date of service it applies to."""
    return drug_update(user=user, drug=drug, data={"effective_until": last_day})
