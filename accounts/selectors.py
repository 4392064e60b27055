"""Reads for accounts: a user's authenticator-app device and what sign-in still asks of them."""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import role_of


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
