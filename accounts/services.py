"""Writes for accounts: two-step sign-in (an authenticator app, TOTP) and passwords.

Codes are checked with the device's own ``verify_token``, which refuses a code used
before and throttles repeated wrong codes (each failure doubles the wait).

Passwords: a practice admin issues a one-time, expiring reset for a user
(:func:`password_reset_issue`, the token shown once), the user sets a new password with
it (:func:`password_reset_redeem`), and a signed-in user changes their own
(:func:`password_change`). Each is recorded in the access log. A new password changes
the hash every session carries, so Django ends the user's other sessions at their next
request; the view that changed it keeps its own with ``update_session_auth_hash``.
"""

from __future__ import annotations

import datetime
import secrets
from base64 import b32decode

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import access_record
from .models import AccessAction, PasswordReset
from .roles import Role, role_of
from .selectors import (
    ROLE_NEEDS_TWO_STEP,
    STAFF_NEEDS_TWO_STEP,
    password_reset_token_hash,
    two_step_required_reason,
)

DEVICE_NAME = "Authenticator app"
CANNOT_TURN_OFF = {
    ROLE_NEEDS_TWO_STEP: "Your role requires two-step sign-in, so it cannot be turned off.",
    STAFF_NEEDS_TWO_STEP: (
        "Your account can open the site administration, so two-step sign-in cannot be turned off."
    ),
}
WRONG_CODE = "That code is not right. Enter the 6-digit code your app shows now."


def _code_error(*, device: TOTPDevice, code: str) -> ValidationError | None:
    """Why ``code`` is refused for ``device`` (a message a user can read), or None if accepted.

    The error is returned, not raised: a wrong code counts towards the device's throttling,
    and raising inside the savepoint would roll that count back.
    """
    allowed, extra = device.verify_is_allowed()
    if not allowed:
        if extra and extra.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
            message = OTPAuthenticationFormMixin.otp_error_messages["n_failed_attempts"]
            return ValidationError(message % extra, code="throttled")
        return ValidationError("Codes cannot be checked right now; try again soon.")
    if not device.verify_token(code):
        return ValidationError(WRONG_CODE, code="invalid")
    return None


def _locked(device: TOTPDevice) -> TOTPDevice:
    """The device re-read under a row lock, so two requests cannot both use one code."""
    return TOTPDevice.objects.select_for_update().get(pk=device.pk)


@transaction.atomic
def two_step_device_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed device, created on first use (the same secret on every reload)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user_id=user.pk, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def two_step_device_install(*, user: User, key_base32: str) -> TOTPDevice:
    """Give ``user`` a confirmed device with a known key, unless they have one (demo data).

    Only the demo seed uses it, so that its staff login can pass two-step sign-in with a
    key printed beside the demo password. Running it again changes nothing.
    """
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()
    if device is None:
        key = b32decode(key_base32.replace(" ", "")).hex()
        device = TOTPDevice.objects.create(
            user_id=user.pk, name=DEVICE_NAME, confirmed=True, key=key
        )
    return device


def two_step_device_confirm(*, device: TOTPDevice, code: str) -> TOTPDevice:
    """Turn two-step sign-in on: a current code from the app confirms the device."""
    with transaction.atomic():
        device = _locked(device)
        error = _code_error(device=device, code=code)
        if error is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            # One device per user: any other set-up left half-way is dropped.
            TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    if error is not None:
        raise error
    return device


def two_step_code_verify(*, device: TOTPDevice, code: str) -> TOTPDevice:
    """Accept ``code`` as the second step of sign-in, or raise a ValidationError saying why."""
    with transaction.atomic():
        device = _locked(device)
        error = _code_error(device=device, code=code)
    if error is not None:
        raise error
    return device


def two_step_disable(*, user: User, device: TOTPDevice, code: str) -> None:
    """Turn two-step sign-in off; a current code proves the app is still in the user's hands."""
    reason = two_step_required_reason(user=user)
    if reason:
        raise ValidationError(CANNOT_TURN_OFF[reason], code="required")
    with transaction.atomic():
        device = _locked(device)
        error = _code_error(device=device, code=code)
        if error is None:
            TOTPDevice.objects.filter(user_id=user.pk).delete()
    if error is not None:
        raise error


# --- passwords ----------------------------------------------------------------------------------

RESET_NOT_USABLE = (
    "This reset link cannot be used: it was used already, has expired or was replaced by a "
    "newer one. Ask the practice admin for a new one."
)


@transaction.atomic
def password_reset_issue(
    *, issued_by: User, user: User, path: str = ""
) -> tuple[PasswordReset, str]:
    """A one-time reset for ``user``, valid ``PASSWORD_RESET_HOURS``; returns it and its token.

    The token is returned once and only its hash is stored. A newer reset ends any
    earlier open one for the same user. Refused (with a reason to show) for the admin's
    own account, a deactivated account, and a staff account unless the admin is a superuser
    (a practice admin must not gain the site administration by resetting its password).
    """
    if role_of(issued_by) != Role.ADMIN:
        raise PermissionDenied("Only practice admins issue password resets.")
    if user.pk == issued_by.pk:
        raise ValidationError(
            "This is your own account: change your password under Password.", code="own"
        )
    if not user.is_active:
        raise ValidationError("This account is deactivated; it cannot sign in.", code="inactive")
    if (user.is_staff or user.is_superuser) and not issued_by.is_superuser:
        raise ValidationError(
            "This account can open the site administration: only a superuser can reset it.",
            code="staff",
        )
    now = timezone.now()
    PasswordReset.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    token = secrets.token_urlsafe(32)
    reset = PasswordReset.objects.create(
        user=user,
        issued_by=issued_by,
        token_hash=password_reset_token_hash(token),
        issued_at=now,
        expires_at=now + datetime.timedelta(hours=settings.PASSWORD_RESET_HOURS),
    )
    access_record(user=issued_by, obj=user, action=AccessAction.RESET_ISSUE, path=path)
    return reset, token


def password_reset_redeem(*, token: str, password: str, path: str = "") -> User:
    """Set the password of the reset's user and use the reset up, or raise ValidationError.

    The reset is re-read under a row lock, so two posts of one link set one password.
    The user's failed-login lockouts are cleared: the admin vouched for them.
    """
    with transaction.atomic():
        reset = (
            PasswordReset.objects.select_for_update()
            .select_related("user")
            .filter(token_hash=password_reset_token_hash(token))
            .first()
        )
        now = timezone.now()
        if reset is None or reset.used_at is not None or reset.expires_at <= now:
            raise ValidationError(RESET_NOT_USABLE, code="reset_not_usable")
        user = reset.user
        if not user.is_active:
            raise ValidationError(RESET_NOT_USABLE, code="reset_not_usable")
        validate_password(password, user=user)
        user.set_password(password)
        user.save(update_fields=["password"])
        reset.used_at = now
        reset.save(update_fields=["used_at"])
        access_record(user=user, obj=user, action=AccessAction.RESET_USE, path=path)
    axes_reset(username=user.get_username())
    return user


@transaction.atomic
def password_change(*, user: User, password: str, path: str = "") -> User:
    """Set a signed-in user's new password (already checked by the form) and record it."""
    user.set_password(password)
    user.save(update_fields=["password"])
    access_record(user=user, obj=user, action=AccessAction.PASSWORD_CHANGE, path=path)
    return user
