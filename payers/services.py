"""Writes of the payers app: a payer's profile and its fee schedule, each change recorded.

Only practice admins change payers. Every change is kept as a ``PayerChange`` (field, old
and new value, who and when); a profile the engine cannot read (``payer_profile_for``)
is refused with the field named.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Role, role_of
from coding.engine import PayerProfileError
from coding.engine.codes import modifiers_error

from .models import FeeScheduleEntry, Payer, PayerChange, billable_code_problem
from .profiles import payer_profile_for

# The fields a practice admin edits, in the order the payer form shows them.
PAYER_FIELDS = (
    "name",
    "payer_id",
    "claim_filing_indicator",
    "timely_filing_days",
    "em_credentials",
    "pharm_mgmt_90863_credentials",
    "prolonged_code",
    "video_modifier",
    "audio_only_covered",
    "audio_modifier",
    "modifier_25_with_addon",
    "accepted_z_codes",
    "telehealth_in_person_waiver_until",
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
