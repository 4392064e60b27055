"""Reads for accounts: clinician profiles, two-step devices, the access log, users and resets."""

from __future__ import annotations

import datetime
import hashlib
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import PATIENT_LABEL
from .models import AccessRecord, Clinician, PasswordReset
from .roles import Role, role_from_group_names, role_of


def clinician_for_user(user: User | AnonymousUser) -> Clinician | None:
    """The clinician profile of ``user``, or None (always None for anonymous users)."""
    if user.pk is None:
        return None
    if User.clinician.related.is_cached(user):  # read with the user (accounts.backends)
        cached = User.clinician.related.get_cached_value(user)
        return cached if isinstance(cached, Clinician) else None
    return Clinician.objects.filter(user_id=user.pk).select_related("user").first()


def two_step_device_for_user(*, user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator-app device, or None when two-step sign-in is off."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


STAFF_NEEDS_TWO_STEP = (
    "Your account can open the site administration, so it requires two-step sign-in."
)
ROLE_NEEDS_TWO_STEP = "Your role requires two-step sign-in."


def two_step_required_reason(*, user: User | AnonymousUser) -> str:
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


def two_step_required_for_user(*, user: User | AnonymousUser) -> bool:
    """True when the user may not go without two-step sign-in (see the reason above)."""
    return bool(two_step_required_reason(user=user))


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
    user: User,
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
    ("auth.User", "User account (password resets and changes)"),
)


# --- users and password resets (practice admins) ----------------------------------------------

USER_LIST_PAGE_SIZE = 50


@dataclass(frozen=True)
class UserRow:
    """One line of the practice admin's user list."""

    pk: int
    username: str
    full_name: str
    role: Role | None
    is_active: bool
    is_staff: bool
    last_login: datetime.datetime | None
    reset_open_until: datetime.datetime | None


def _require_admin(user: User | AnonymousUser) -> None:
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins manage user accounts.")


def user_list_for_admin(
    *, user: User | AnonymousUser, query: str = "", page: str | int | None = 1
) -> Page[UserRow]:
    """A page of the practice's users with their role and any open reset (practice admins)."""
    _require_admin(user)
    now = timezone.now()
    users = (
        User.objects.prefetch_related("groups")
        .annotate(
            reset_open_until=Max(
                "password_resets__expires_at",
                filter=Q(
                    password_resets__used_at__isnull=True,
                    password_resets__expires_at__gt=now,
                ),
            )
        )
        .order_by("username")
    )
    if query.strip():
        q = query.strip()
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    found = Paginator(users, USER_LIST_PAGE_SIZE).get_page(page)
    rows = [
        UserRow(
            pk=u.pk,
            username=u.username,
            full_name=u.get_full_name(),
            role=role_from_group_names(g.name for g in u.groups.all()),
            is_active=u.is_active,
            is_staff=u.is_staff or u.is_superuser,
            last_login=u.last_login,
            reset_open_until=u.reset_open_until,
        )
        for u in found.object_list
    ]
    return Page(rows, found.number, found.paginator)  # type: ignore[arg-type]


def user_get_for_admin(*, user: User | AnonymousUser, user_id: int) -> User:
    """The user account ``user_id``, for a practice admin (403 for others, 404 if none)."""
    _require_admin(user)
    found = User.objects.filter(pk=user_id).first()
    if found is None:
        raise Http404("No such user.")
    return found


def password_reset_token_hash(token: str) -> str:
    """What is stored of a reset token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def password_reset_usable(*, token: str) -> PasswordReset | None:
    """The reset ``token`` opens while it is unused and unexpired, with its user; else None."""
    if not token:
        return None
    return (
        PasswordReset.objects.select_related("user")
        .filter(
            token_hash=password_reset_token_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )
