"""Login, logout, passwords, two-step sign-in and the role-based landing page.

Passwords: a signed-in user changes their own; a practice admin lists the users and
issues a one-time reset link for one of them, which the user opens to set a new password.

Also "Stay signed in" (the keep-alive the idle warning calls) and the refused-token page,
which tells a signed-out script to sign in again.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import csrf
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from .decorators import role_required
from .forms import TwoStepCodeForm
from .http import AuthenticatedRequest
from .middleware import (
    is_script_request,
    signed_out_response,
    two_step_remember,
    two_step_verified,
)
from .roles import Role, role_of
from .selectors import (
    ACCESS_LOG_PAGE_SIZE,
    ACCESS_OBJECT_TYPES,
    access_record_list_for_admin,
    password_reset_usable,
    two_step_device_for_user,
    two_step_required_reason,
    two_step_secret_for_display,
    user_get_for_admin,
    user_list_for_admin,
)
from .services import (
    RESET_NOT_USABLE,
    password_change,
    password_reset_issue,
    password_reset_redeem,
    two_step_code_verify,
    two_step_device_confirm,
    two_step_device_start,
    two_step_disable,
)

ROLE_HOME = {
    Role.PRESCRIBER: "encounters:today",
    Role.BILLER: "claims:claim-queue",
    Role.COMPLIANCE: "audits:audit-home",
    Role.ADMIN: "encounters:patient-list",
}

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html", redirect_authenticated_user=True
)
logout_view = auth_views.LogoutView.as_view()
password_change_done_view = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)
RESET_SESSION_KEY = "accounts_password_reset_token"


@require_GET
@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Send each role to its own home page."""
    role = role_of(request.user)
    if role is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(ROLE_HOME[role])


@require_POST
@login_required
def session_keep_alive(request: AuthenticatedRequest) -> HttpResponse:
    """'Stay signed in': touch the session so its idle limit starts again (204, no body)."""
    request.session.modified = True
    return HttpResponse(status=204)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form token; for a signed-out script request, the signed-out answer.

    A session that ended can take the token's cookie with it: the page's scripts are
    told to sign in again, as ``SignedOutMiddleware`` tells them after any other check.
    """
    if not request.user.is_authenticated and is_script_request(request):
        return signed_out_response(request)
    return csrf.csrf_failure(request, reason=reason)


def _next_url(request: HttpRequest) -> str | None:
    """The ``next`` page the user was on their way to, when it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else None


def _two_step_page(request: AuthenticatedRequest, **context: object) -> HttpResponse:
    user = request.user
    context.setdefault("device", two_step_device_for_user(user=user))
    context["required_reason"] = two_step_required_reason(user=user)
    context["next"] = _next_url(request) or ""
    return render(request, "accounts/two_step_setup.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def two_step_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Turn two-step sign-in on: show the new secret, confirm it with a code from the app."""
    if two_step_device_for_user(user=request.user) is not None:
        return _two_step_page(request, disable_form=TwoStepCodeForm())
    pending = two_step_device_start(user=request.user)
    form = TwoStepCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            device = two_step_device_confirm(device=pending, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            otp_login(request, device)
            two_step_remember(request, has_device=True)
            messages.success(request, "Two-step sign-in is on: each login now asks for a code.")
            return redirect(_next_url(request) or "accounts:two-step-setup")
    return _two_step_page(
        request,
        device=None,
        form=form,
        secret=two_step_secret_for_display(device=pending),
        config_url=pending.config_url,
    )


@require_POST
@login_required
def two_step_disable_view(request: AuthenticatedRequest) -> HttpResponse:
    """Turn two-step sign-in off, with a current code from the app."""
    device = two_step_device_for_user(user=request.user)
    if device is None:
        messages.info(request, "Two-step sign-in is already off.")
        return redirect("accounts:two-step-setup")
    form = TwoStepCodeForm(request.POST)
    if form.is_valid():
        try:
            two_step_disable(user=request.user, device=device, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            two_step_remember(request, has_device=False)
            messages.success(request, "Two-step sign-in is off: logins ask for the password only.")
            return redirect("accounts:two-step-setup")
    return _two_step_page(request, device=device, disable_form=form)


@require_http_methods(["GET", "POST"])
@login_required
def two_step_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of sign-in: a current code from the user's authenticator app."""
    device = two_step_device_for_user(user=request.user)
    if device is None or two_step_verified(request.user):
        two_step_remember(request, has_device=device is not None)
        return redirect(_next_url(request) or "accounts:home")
    form = TwoStepCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            device = two_step_code_verify(device=device, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            otp_login(request, device)
            return redirect(_next_url(request) or "accounts:home")
    return render(
        request, "accounts/two_step_verify.html", {"form": form, "next": _next_url(request) or ""}
    )


@require_GET
@role_required(Role.ADMIN)
def access_log(request: AuthenticatedRequest) -> HttpResponse:
    """Who opened or changed which patient, chart or claim, and when (practice admins)."""
    filters = {
        "username": request.GET.get("user", ""),
        "object_type": request.GET.get("type", ""),
        "object_id": request.GET.get("id", ""),
        "patient_id": request.GET.get("patient", ""),
    }
    records = access_record_list_for_admin(user=request.user, **filters)
    page = Paginator(records, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/access_log.html",
        {"page": page, "filters": filters, "object_types": ACCESS_OBJECT_TYPES},
    )


# --- passwords ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def password_change_view(request: AuthenticatedRequest) -> HttpResponse:
    """A signed-in user changes their own password; their other sessions end."""
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        user = password_change(
            user=request.user, password=form.cleaned_data["new_password1"], path=request.path
        )
        update_session_auth_hash(request, user)  # this session goes on; the others end
        return redirect("accounts:password-change-done")
    return render(request, "accounts/password_change.html", {"form": form})


@require_GET
@role_required(Role.ADMIN)
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    """The practice's user accounts, each with a way to issue a password reset (admins)."""
    query = request.GET.get("q", "")
    page = user_list_for_admin(user=request.user, query=query, page=request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": query})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def password_reset_issue_view(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """Confirm, then issue a one-time reset link for a user, shown this once (admins)."""
    account = user_get_for_admin(user=request.user, user_id=user_id)
    context: dict[str, object] = {"account": account, "hours": settings.PASSWORD_RESET_HOURS}
    if request.method == "POST":
        try:
            reset, token = password_reset_issue(
                issued_by=request.user, user=account, path=request.path
            )
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        else:
            link = reverse("accounts:password-reset-confirm", kwargs={"token": token})
            context.update(reset=reset, link=request.build_absolute_uri(link))
    return render(request, "accounts/password_reset_issue.html", context)


@never_cache
@require_GET
def password_reset_ask(request: HttpRequest) -> HttpResponse:
    """Forgotten password: what to do (the practice admin issues a reset link)."""
    return render(request, "accounts/password_reset_set.html", {"ask": True})


@never_cache
@require_GET
def password_reset_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Open a reset link: keep its token in the session and go on to a URL without it.

    The token leaves the address bar (and any Referer) before the form is shown, as in
    Django's own reset view.
    """
    if password_reset_usable(token=token) is None:
        return render(request, "accounts/password_reset_set.html", {"error": RESET_NOT_USABLE})
    request.session[RESET_SESSION_KEY] = token
    return redirect("accounts:password-reset-set")


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_set(request: HttpRequest) -> HttpResponse:
    """Set a new password with the reset link opened in this session."""
    token = request.session.get(RESET_SESSION_KEY, "")
    reset = password_reset_usable(token=token)
    if reset is None:
        return render(request, "accounts/password_reset_set.html", {"error": RESET_NOT_USABLE})
    form = SetPasswordForm(reset.user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            password_reset_redeem(
                token=token, password=form.cleaned_data["new_password1"], path=request.path
            )
        except ValidationError as error:
            form.add_error("new_password1", error)
        else:
            # Whoever was signed in on this browser is signed out: the new password signs in.
            logout(request)
            messages.success(request, "Your new password is set. Log in with it.")
            return redirect("accounts:login")
    return render(
        request, "accounts/password_reset_set.html", {"form": form, "account": reset.user}
    )
