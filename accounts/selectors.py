"""Reads for accounts: the user's clinician profile, two-step sign-in devices, the access log."""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AccessRecord, Clinician
from .roles import Role, role_of


def clinician_for_user(user: User | AnonymousUser) -> Clinician | None:
    """The clinician profile of ``user``, or None (always None for anonymous users)."""
    if user.pk is None:
        return None
    return Clinician.objects.filter(user_id=user.pk).select_related("user").first()


def two_step_device_for_user(*, user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator-app device, or None when two-step sign-in is off."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def two_step_required_for_user(*, user: User) -> bool:
    """True when the user's role is named in ``OTP_REQUIRED_ROLES``."""
    role = role_of(user)
    required = {name.strip().casefold() for name in settings.OTP_REQUIRED_ROLES}
    return role is not None and role.value.casefold() in required


def two_step_secret_for_display(*, device: TOTPDevice) -> str:
    """The device's secret in base32, in groups of four for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


ACCESS_LOG_PAGE_SIZE = 50


def access_record_list_for_admin(
    *, user: User, username: str = "", object_type: str = "", object_id: str = ""
) -> QuerySet[AccessRecord]:
    """Access records, newest first, filtered by user, kind of record and record id (admins)."""
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins read the access log.")
    records = AccessRecord.objects.select_related("user").order_by("-at", "-id")
    if username.strip():
        records = records.filter(user__username__iexact=username.strip())
    if object_type in dict(ACCESS_OBJECT_TYPES):
        records = records.filter(object_type=object_type)
    if object_id.strip().isascii() and object_id.strip().isdigit():
        records = records.filter(object_id=object_id.strip())
    return records


ACCESS_OBJECT_TYPES = (
    ("encounters.Patient", "Patient"),
    ("encounters.Encounter", "Encounter"),
    ("claims.Claim", "Claim"),
)
