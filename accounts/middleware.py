"""Two middlewares about who is signed in.

``SignedOutMiddleware``: a request that is not a page load (htmx, or a script's fetch)
from someone whose session has ended is told so, instead of being sent to the login
page, whose HTML would land inside the page that asked (``signed_out_response``).

``TwoStepMiddleware``: two-step sign-in, the authenticator-app code after the password
and before any other page. It runs after django-otp's ``OTPMiddleware`` (which marks
``request.user.is_verified()``). Whether the user has a confirmed device is looked up
once, at login, and kept in the session, so requests of users without two-step sign-in
cost no extra query. A user with a device who has not entered a code yet is sent to the
code page. A user who has no device is sent to set one up when they are staff or a
superuser (whoever can open ``/admin/``, with or without a role) or their role is in
``OTP_REQUIRED_ROLES``. The login, logout and static files stay reachable, and so does
the page the user is sent to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .selectors import two_step_device_for_user, two_step_required_for_user
from .sessions import IDLE_WRITE_INTERVAL

SESSION_KEY = "accounts_two_step_device"


def two_step_remember(request: HttpRequest, *, has_device: bool) -> bool:
    """Keep in the session whether the signed-in user has a confirmed device."""
    request.session[SESSION_KEY] = has_device
    return has_device


def two_step_remember_at_login(
    sender: Any, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    """``user_logged_in`` receiver: look the device up once, while signing in."""
    if request is not None and hasattr(request, "session"):
        two_step_remember(request, has_device=two_step_device_for_user(user=user) is not None)


def _has_device(request: HttpRequest, user: User) -> bool:
    remembered = request.session.get(SESSION_KEY)
    if remembered is None:  # a session from before two-step sign-in existed
        return two_step_remember(
            request, has_device=two_step_device_for_user(user=user) is not None
        )
    return bool(remembered)


def two_step_verified(user: User) -> bool:
    """True once the signed-in user has entered a code from their app in this session."""
    # django-otp's OTPMiddleware puts is_verified() on the user at run time; django-stubs'
    # User cannot declare an attribute another app adds to its instances.
    return bool(user.is_verified())  # type: ignore[attr-defined]


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
        if _has_device(request, user):
            return None if two_step_verified(user) else reverse("accounts:two-step-verify")
        if two_step_required_for_user(user=user):
            return reverse("accounts:two-step-setup")
        return None


# --- signed out ---------------------------------------------------------------------------


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def is_script_request(request: HttpRequest) -> bool:
    """An htmx request, or a script's fetch asking for JSON: not a page the user opened."""
    return (
        is_htmx(request)
        or "X-Requested-With" in request.headers
        or "application/json" in request.headers.get("Accept", "")
    )


def _page_of(request: HttpRequest) -> str:
    """The page the request came from (to come back to after signing in), when it is ours."""
    url = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not url or not safe:
        return reverse("accounts:home")
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def signed_out_response(request: HttpRequest) -> HttpResponse:
    """Tell a script request that its user is signed out, with where to sign in again.

    htmx gets a 200 fragment (htmx 2 swaps no 4xx) swapped into its target, plus a
    ``signed-out`` event for the page's scripts; a fetch gets 401 JSON.
    """
    login_url = f"{reverse('accounts:login')}?{urlencode({'next': _page_of(request)})}"
    response: HttpResponse
    if is_htmx(request):
        response = render(request, "accounts/partials/signed_out.html", {"login_url": login_url})
        response["HX-Trigger"] = "signed-out"
        response["HX-Reswap"] = "innerHTML"  # an outerHTML target keeps its id for later
        response["HX-Push-Url"] = "false"
    else:
        response = JsonResponse({"signed_out": True, "login_url": login_url}, status=401)
    patch_vary_headers(response, ["HX-Request", "Accept", "X-Requested-With"])
    add_never_cache_headers(response)
    return response


def _is_login_redirect(response: HttpResponse) -> bool:
    if response.status_code != 302:
        return False
    return urlsplit(response.get("Location", "")).path == resolve_url(settings.LOGIN_URL)


class SignedOutMiddleware:
    """Answer ``signed_out_response`` where a script request would be sent to the login page.

    One place for every view: ``login_required`` and ``role_required`` send a signed-out
    user to the login page; for htmx and fetch requests this middleware answers instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            _is_login_redirect(response)
            and not (user is not None and user.is_authenticated)
            and is_script_request(request)
        ):
            return signed_out_response(request)
        return response


IDLE_WRITTEN_KEY = "_idle_written_at"


class IdleTimeoutMiddleware:
    """Move a session's idle limit on at most once a minute, not on every request.

    The session's row ends `SESSION_COOKIE_AGE` (plus the minute `accounts.sessions` adds)
    after its last write. A request more than `IDLE_WRITE_INTERVAL` seconds after that write
    writes it again; any request that changes the session anyway (sign-in, "Stay signed in")
    counts as the write. An active user stays signed in; an idle one is signed out between
    the limit and a minute after it. Put right after `SessionMiddleware`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None:
            return response
        written = session.get(IDLE_WRITTEN_KEY)  # loads it first: an ended session is empty
        if session.is_empty():  # no session, an ended one, or signed out just now
            return response
        now = int(time.time())
        stale = not isinstance(written, int) or now - written >= IDLE_WRITE_INTERVAL
        if session.modified or stale:
            session[IDLE_WRITTEN_KEY] = now
        return response
