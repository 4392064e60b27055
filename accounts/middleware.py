"""Two-step sign-in: after the password, the authenticator-app code before any other page.

Runs after django-otp's ``OTPMiddleware`` (which marks ``request.user.is_verified()``).
Whether the user has a confirmed device is looked up once, at login, and kept in the
session, so requests of users without two-step sign-in cost no extra query. A user with
a device who has not entered a code yet is sent to the code page; a user whose role is in
``OTP_REQUIRED_ROLES`` and who has no device is sent to set one up. The login, logout
and static files stay reachable, and so does the page the user is sent to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from .selectors import two_step_device_for_user, two_step_required_for_user

SESSION_KEY = "accounts_two_step_device"


def two_step_remember(request: HttpRequest, *, has_device: bool) -> bool:
    """Keep in the session whether the signed-in user has a confirmed device."""
    request.session[SESSION_KEY] = has_device
    return has_device


def two_step_remember_at_login(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    """``user_logged_in`` receiver: look the device up once, while signing in."""
    if request is not None and hasattr(request, "session"):
        two_step_remember(request, has_device=two_step_device_for_user(user=user) is not None)


def _has_device(request: HttpRequest) -> bool:
    remembered = request.session.get(SESSION_KEY)
    if remembered is None:  # a session from before two-step sign-in existed
        return two_step_remember(
            request, has_device=two_step_device_for_user(user=request.user) is not None
        )
    return bool(remembered)


class TwoStepMiddleware:
    """Send signed-in users to the code page (or the set-up page) until two-step is done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = self._target(request)
        if target is None:
            return self.get_response(request)
        always_open = {reverse("accounts:login"), reverse("accounts:logout"), target}
        if request.path in always_open or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        url = target
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=200)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)

    @staticmethod
    def _target(request: HttpRequest) -> str | None:
        """The page the user must go through first, or None when they may go anywhere."""
        user = request.user
        if not user.is_authenticated:
            return None
        if _has_device(request):
            return None if user.is_verified() else reverse("accounts:two-step-verify")
        if settings.OTP_REQUIRED_ROLES and two_step_required_for_user(user=user):
            return reverse("accounts:two-step-setup")
        return None
