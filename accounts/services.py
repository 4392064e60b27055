"""Writes for accounts: turning two-step sign-in (an authenticator app, TOTP) on and off.

Codes are checked with the device's own ``verify_token``, which refuses a code used
before and throttles repeated wrong codes (each failure doubles the wait).
"""

from __future__ import annotations

from base64 import b32decode

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_totp.models import TOTPDevice

from .selectors import ROLE_NEEDS_TWO_STEP, STAFF_NEEDS_TWO_STEP, two_step_required_reason

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
def two_step_device_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """The user's unconfirmed device, created on first use (the same secret on every reload)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user_id=user.pk, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def two_step_device_install(*, user: AbstractBaseUser, key_base32: str) -> TOTPDevice:
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


def two_step_disable(*, user: AbstractBaseUser, device: TOTPDevice, code: str) -> None:
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
