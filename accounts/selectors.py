"""Reads for accounts: the user's clinician profile, two-step sign-in devices, the access log."""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

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


STAFF_NEEDS_TWO_STEP = (
    "Your account can open the site administration, so it requires two-step sign-in."
)
ROLE_NEEDS_TWO_STEP = "Your role requires two-step sign-in."


def two_step_required_reason(*, user: AbstractBaseUser | AnonymousUser) -> str:
    """Why the user must use two-step sign-in, or "" when it is their choice.

    Staff and superusers always need it (they reach ``/admin/``, whatever their role or
    lack of one); other users when their role is named in ``OTP_REQUIRED_ROLES``. The
    flags are checked first, so users of no listed role cost no query when the list is empty.
    """
    if not user.is_authenticated:
        return ""
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return STAFF_NEEDS_TWO_STEP
    if not settings.OTP_REQUIRED_ROLES:
        return ""
    role = role_of(user)
    required = {name.strip().casefold() for name in settings.OTP_REQUIRED_ROLES}
    return ROLE_NEEDS_TWO_STEP if role is not None and role.value.casefold() in required else ""


def two_step_required_for_user(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    """True when the user may not go without two-step sign-in (see the reason above)."""
    return bool(two_step_required_reason(user=user))


def two_step_secret_for_display(*, device: TOTPDevice) -> str:
    """The device's secret in base32, in groups of four for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


ACCESS_LOG_PAGE_SIZE = 50


def access_record_list_for_admin(
    *, user: AbstractBaseUser, username: str = "", object_type: str = "", object_id: str = ""
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
