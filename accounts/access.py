"""The one mechanism through which every read or write of health information is recorded.

Selectors named ``*_get_for_user`` and services that write protected records
call :func:`access_record`; a view cannot obtain such an object without going
through one of them, so the record comes with every view for free. List pages
(patients, encounters, the claim queue, ...) call :func:`access_record_list`
from the selector that fetches their page: one record naming every patient the
page shows, written with a single INSERT.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import models

from .models import AccessAction, AccessRecord
from .roles import role_of

# The patient model, by label: accounts sits below encounters and never imports it.
PATIENT_LABEL = "encounters.Patient"


def patients_of(obj: models.Model) -> list[int]:
    """The patient an object is about: the patient itself, or the one its ``patient_id`` names."""
    if obj._meta.label == PATIENT_LABEL:
        return [obj.pk]
    patient_id = getattr(obj, "patient_id", None)
    return [patient_id] if isinstance(patient_id, int) else []


def _ids(patient_ids: Iterable[int | None]) -> list[int]:
    return sorted({int(pk) for pk in patient_ids if pk is not None})


def access_record(
    *,
    user: User,
    obj: models.Model,
    action: str = AccessAction.VIEW,
    path: str = "",
    patient_ids: Iterable[int | None] | None = None,
) -> AccessRecord:
    """Write one access record for ``user`` acting on ``obj``.

    The patients named are ``patient_ids`` when given (an 837P file, an audit month),
    else the patient ``obj`` is about (:func:`patients_of`).
    """
    role = role_of(user)
    return AccessRecord.objects.create(
        user_id=user.pk,
        role=role.value if role else "",
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        patient_ids=_ids(patients_of(obj) if patient_ids is None else patient_ids),
        action=action,
        path=path[:255],
    )


def access_record_list(
    *,
    user: User,
    rows: type[models.Model],
    patient_ids: Iterable[int | None],
    path: str = "",
) -> AccessRecord | None:
    """One record of a list page of ``rows`` naming every patient it shows (one INSERT).

    A page that shows no patient (an empty list, a search that found nothing) writes none.
    """
    ids = _ids(patient_ids)
    if not ids:
        return None
    role = role_of(user)
    return AccessRecord.objects.create(
        user_id=user.pk,
        role=role.value if role else "",
        object_type=rows._meta.label,
        object_id="",
        patient_ids=ids,
        action=AccessAction.VIEW,
        path=path[:255],
    )
