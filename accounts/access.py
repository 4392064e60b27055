"""The one mechanism through which every read or write of health information is recorded.

Selectors named ``*_get_for_user`` and services that write protected records
call :func:`access_record`; a view cannot obtain such an object without going
through one of them, so the record comes with every view for free.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models

from .models import AccessAction, AccessRecord
from .roles import role_of


def access_record(
    *,
    user: User,
    obj: models.Model,
    action: str = AccessAction.VIEW,
    path: str = "",
) -> AccessRecord:
    """Write one access record for ``user`` acting on ``obj``."""
    role = role_of(user)
    return AccessRecord.objects.create(
        user_id=user.pk,
        role=role.value if role else "",
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        action=action,
        path=path[:255],
    )
