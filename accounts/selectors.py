"""Reads for accounts: the user's clinician profile, two-step sign-in devices, the access log."""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import PATIENT_LABEL
from .models import AccessRecord, Clinician
from .roles import Role, role_of


def clinician_for_user(user: AbstractBaseUser | AnonymousUser) -> Clinician | None:
    """The clinician profile of ``user``, or None (always None for anonymous users)."""
    if user.pk is None:
        return None
    return Clinician.objects.filter(user_id=user.pk).select_related("user").first()


def two_step_device_for_user(*, user: AbstractBaseUser) -> TOTPDevice | None:
    """The user's confirmed authenticator-app device, or None when two-step sign-in is off."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def two_step_required_for_user(*, user: AbstractBaseUser) -> bool:
    """True when the user's role is named in ``OTP_REQUIRED_ROLES``."""
    role = role_of(user)
    required = {name.strip().casefold() for name in settings.OTP_REQUIRED_ROLES}
    return role is not None and role.value.casefold() in required


def two_step_secret_for_display(*, device: TOTPDevice) -> str:
    """The device's secret in base32, in groups of four for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


ACCESS_LOG_PAGE_SIZE = 50


def _names_patient(patient_id: int) -> Q:
    """Records naming the patient: their patient record, or any record listing them."""
    if connection.vendor == "postgresql":  # jsonb containment, served by the GIN index
        names = Q(patient_ids__contains=[patient_id])
    else:  # SQLite has no JSON containment lookup: look through the list with json_each
        # The table name is ours, the patient id a query parameter.
        sql = f'EXISTS (SELECT 1 FROM json_each("{AccessRecord._meta.db_table}".patient_ids) '  # noqa: S608
        listed = RawSQL(sql + "WHERE value = %s)", (patient_id,), output_field=BooleanField())  # noqa: S611
        names = Q(listed)
    return names | Q(object_type=PATIENT_LABEL, object_id=str(patient_id))


def access_record_list_for_admin(
    *,
    user: AbstractBaseUser,
    username: str = "",
    object_type: str = "",
    object_id: str = "",
    patient_id: str = "",
) -> QuerySet[AccessRecord]:
    """Access records, newest first, filtered by user, kind of record, record id and patient.

    The patient filter finds every record naming the patient: their own record, a chart or
    claim of theirs, and the list pages and files that showed them (admins only).
    """
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins read the access log.")
    records = AccessRecord.objects.select_related("user").order_by("-at", "-id")
    if username.strip():
        records = records.filter(user__username__iexact=username.strip())
    if object_type in dict(ACCESS_OBJECT_TYPES):
        records = records.filter(object_type=object_type)
    if object_id.strip().isascii() and object_id.strip().isdigit():
        records = records.filter(object_id=object_id.strip())
    if patient_id.strip().isascii() and patient_id.strip().isdigit() and len(patient_id) < 19:
        records = records.filter(_names_patient(int(patient_id.strip())))
    return records


ACCESS_OBJECT_TYPES = (
    ("encounters.Patient", "Patient"),
    ("encounters.Encounter", "Encounter"),
    ("claims.Claim", "Claim"),
    ("claims.ExportBatch", "837P file"),
    ("audits.AuditSample", "Audit month"),
    ("audits.ChartReview", "Audit finding"),
)
