"""Login, logout, password change and the role-based landing page."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET

from .roles import Role, role_of

ROLE_HOME = {
    Role.PRESCRIBER: "encounters:encounter-list",
    Role.BILLER: "payers:claim-queue",
    Role.COMPLIANCE: "audits:audit-home",
    Role.ADMIN: "encounters:patient-list",
}

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html", redirect_authenticated_user=True
)
logout_view = auth_views.LogoutView.as_view()
password_change_view = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:password-change-done"),
)
password_change_done_view = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own home page."""
    role = role_of(request.user)
    if role is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(ROLE_HOME[role])
