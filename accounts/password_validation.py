"""A password validator of our own: a new password is never the current one.

Listed in ``AUTH_PASSWORD_VALIDATORS``, so every place that sets a password through
Django's checks uses it: changing one's own password, a reset, the admin's form and the
``changepassword`` command.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

SAME_AS_CURRENT = "Choose a new password: this one is your current password."


class NotCurrentPasswordValidator:
    """Refuse the user's current password as their new one."""

    def validate(self, password: str, user: Any = None) -> None:
        encoded = getattr(user, "password", "") or ""
        # hashers.check_password, not user.check_password: no re-hash is saved as a side effect.
        if encoded and check_password(password, encoded):
            raise ValidationError(SAME_AS_CURRENT, code="password_is_current")

    def get_help_text(self) -> str:
        return "Your new password cannot be your current one."
