"""Passwords (issue 10): one-time resets issued by a practice admin, changing one's own.

A practice admin issues a reset link for a user (shown once, single use, expiring after
``PASSWORD_RESET_HOURS``), recorded in the access log when issued and when used; no new
password may be the current one; a new password ends the user's other sessions.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessAction, AccessRecord, PasswordReset
from accounts.selectors import password_reset_token_hash
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW = "a-much-longer-passphrase-2026"
LOGIN = reverse("accounts:login")
USERS = reverse("accounts:user-list")
SET = reverse("accounts:password-reset-set")
CHANGE = reverse("accounts:password-change")
VERIFY = reverse("accounts:two-step-verify")


def issue_url(user: User) -> str:
    return reverse("accounts:password-reset-issue", kwargs={"user_id": user.pk})


def issue(admin_client: Client, user: User) -> str:
    """Issue a reset for ``user`` as the signed-in admin; the link's path, as the page shows it."""
    response = admin_client.post(issue_url(user))
    assert response.status_code == 200
    link = response.context["link"]
    assert link in response.content.decode()
    return link.removeprefix("http://testserver")


def redeem(client: Client, link: str, password: str = NEW, again: str | None = None):
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened["Location"] == SET
    return client.post(SET, {"new_password1": password, "new_password2": again or password})


def can_log_in(user: User, password: str) -> bool:
    client = Client()
    client.post(LOGIN, {"username": user.username, "password": password})
    return client.session.get("_auth_user_id") == str(user.pk)


@pytest.fixture
def admin_client(client_for, practice_admin):
    return client_for(practice_admin)


# --- issuing ------------------------------------------------------------------------------------


def test_admin_issues_a_link_shown_once_and_only_its_hash_is_kept(
    admin_client, practice_admin, biller
):
    link = issue(admin_client, biller)

    token = link.rstrip("/").rsplit("/", 1)[1]
    reset = PasswordReset.objects.get(user=biller)
    assert reset.issued_by == practice_admin
    assert reset.token_hash == password_reset_token_hash(token)
    assert token not in reset.token_hash
    assert token not in admin_client.get(issue_url(biller)).content.decode()  # shown once
    assert token not in admin_client.get(USERS).content.decode()


def test_issuing_is_in_the_access_log_with_who_issued_it_for_whom(
    admin_client, practice_admin, biller
):
    issue(admin_client, biller)

    record = AccessRecord.objects.get(action=AccessAction.RESET_ISSUE)
    assert (record.user, record.role) == (practice_admin, "Practice admin")
    assert (record.object_type, record.object_id) == ("auth.User", str(biller.pk))
    log = admin_client.get(reverse("accounts:access-log"), {"type": "auth.User"})
    assert "Issued a password reset" in log.content.decode()


def test_the_link_expires_after_the_configured_hours(admin_client, biller, settings):
    settings.PASSWORD_RESET_HOURS = 2
    before = timezone.now()
    link = issue(admin_client, biller)

    reset = PasswordReset.objects.get(user=biller)
    assert reset.expires_at - reset.issued_at == datetime.timedelta(hours=2)
    assert reset.issued_at >= before
    PasswordReset.objects.filter(pk=reset.pk).update(
        issued_at=before - datetime.timedelta(hours=3),
        expires_at=before - datetime.timedelta(hours=1),
    )

    response = Client().get(link)

    assert response.status_code == 200
    assert "cannot be used" in response.context["error"]
    assert can_log_in(biller, PASSWORD)


def test_a_newer_link_ends_the_older_one(admin_client, biller):
    first = issue(admin_client, biller)
    second = issue(admin_client, biller)

    assert "cannot be used" in Client().get(first).context["error"]
    assert redeem(Client(), second)["Location"] == LOGIN


def test_admin_cannot_reset_their_own_password_here(admin_client, practice_admin):
    response = admin_client.post(issue_url(practice_admin))

    assert response.status_code == 200
    assert "change your password under Password" in response.context["error"]
    assert not PasswordReset.objects.exists()


def test_practice_admin_cannot_reset_a_staff_account_but_a_superuser_admin_can(
    client, admin_client
):
    root = User.objects.create_superuser("root", "root@practice.test", PASSWORD)

    refused = admin_client.post(issue_url(root))
    assert "only a superuser can reset it" in refused.context["error"]
    assert not PasswordReset.objects.exists()

    superuser_admin = UserFactory(role="Practice admin")
    superuser_admin.is_staff = superuser_admin.is_superuser = True
    superuser_admin.save()
    device = TOTPDevice.objects.create(user=superuser_admin, name="app", confirmed=True)
    client.force_login(superuser_admin)
    assert client.post(issue_url(root))["Location"].startswith(VERIFY)  # staff: code first
    client.post(VERIFY, {"code": f"{totp(device.bin_key):06d}"})
    assert client.post(issue_url(root)).context["link"]


def test_a_deactivated_account_gets_no_reset(admin_client, biller):
    biller.is_active = False
    biller.save()
    response = admin_client.post(issue_url(biller))
    assert "deactivated" in response.context["error"]
    assert not PasswordReset.objects.exists()


def test_unknown_user_is_404_for_the_admin(admin_client):
    assert (
        admin_client.get(reverse("accounts:password-reset-issue", args=[999999])).status_code == 404
    )


@pytest.mark.parametrize("role", ["prescriber", "biller", "compliance"])
def test_other_roles_cannot_issue_resets(client_for, request, role, biller):
    client = client_for(request.getfixturevalue(role))
    assert client.get(USERS).status_code == 403
    assert client.post(issue_url(biller)).status_code == 403
    assert not PasswordReset.objects.exists()


def test_user_list_shows_roles_and_open_links_in_a_flat_number_of_queries(
    admin_client, biller, prescriber, django_assert_max_num_queries
):
    issue(admin_client, biller)
    with django_assert_max_num_queries(12):
        page = admin_client.get(USERS).content.decode()
    for n in range(10):
        UserFactory(username=f"extra{n}", role="Compliance")
    with django_assert_max_num_queries(12):
        more = admin_client.get(USERS)
    assert biller.username in page
    assert "Biller" in page
    assert "open until" in page
    assert len(list(more.context["page"])) > 10


# --- using the link -----------------------------------------------------------------------------


def test_the_user_sets_a_new_password_with_the_link_once(admin_client, biller):
    link = issue(admin_client, biller)
    browser = Client()

    response = redeem(browser, link)

    assert response["Location"] == LOGIN
    assert "Your new password is set" in browser.get(LOGIN).content.decode()
    assert can_log_in(biller, NEW)
    assert not can_log_in(biller, PASSWORD)
    assert PasswordReset.objects.get(user=biller).used_at is not None
    again = Client().get(link)
    assert "cannot be used" in again.context["error"]


def test_the_token_leaves_the_address_before_the_form_is_shown(admin_client, biller):
    link = issue(admin_client, biller)
    browser = Client()
    opened = browser.get(link)
    token = link.rstrip("/").rsplit("/", 1)[1]

    page = browser.get(opened["Location"])

    assert token not in opened["Location"]
    assert page.status_code == 200
    assert biller.username in page.content.decode()
    assert "no-store" in opened["Cache-Control"]
    assert "no-store" in page["Cache-Control"]


def test_using_the_link_is_in_the_access_log(admin_client, biller):
    redeem(Client(), issue(admin_client, biller))

    record = AccessRecord.objects.get(action=AccessAction.RESET_USE)
    assert (record.user, record.object_type, record.object_id) == (
        biller,
        "auth.User",
        str(biller.pk),
    )


def test_a_reset_ends_the_users_other_sessions(admin_client, biller):
    signed_in = Client()
    signed_in.force_login(biller)
    assert signed_in.get(reverse("claims:claim-queue")).status_code == 200

    redeem(Client(), issue(admin_client, biller))

    response = signed_in.get(reverse("claims:claim-queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    ("password", "again", "error"),
    [
        (NEW, NEW + "x", "The two password fields didn"),
        ("short1", "short1", "This password is too short"),
        ("password123", "password123", "This password is too common"),
        (PASSWORD, PASSWORD, "Choose a new password: this one is your current password."),
        ("", "", "This field is required."),
    ],
)
def test_a_refused_new_password_shows_why_and_keeps_the_link(
    admin_client, biller, password, again, error
):
    link = issue(admin_client, biller)
    browser = Client()

    response = redeem(browser, link, password, again)

    assert response.status_code == 200
    assert error in response.content.decode().replace("&#x27;", "'")
    assert PasswordReset.objects.get(user=biller).used_at is None
    assert redeem(browser, link)["Location"] == LOGIN


def test_the_set_page_without_a_link_and_an_unknown_token_say_so(client):
    for url in (SET, reverse("accounts:password-reset-confirm", args=["x" * 300])):
        response = client.get(url)
        assert response.status_code == 200
        assert "cannot be used" in response.context["error"]
    assert client.post(SET, {"new_password1": NEW, "new_password2": NEW}).status_code == 200


def test_the_login_page_says_where_a_forgotten_password_is_reset(client):
    assert reverse("accounts:password-reset") in client.get(LOGIN).content.decode()
    page = client.get(reverse("accounts:password-reset")).content.decode()
    assert "Ask the practice admin for a password" in re.sub(r"\s+", " ", page)


def test_a_reset_clears_the_users_login_lockout(admin_client, biller, settings):
    locked = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked.post(LOGIN, {"username": biller.username, "password": "wrong"})
    assert (
        locked.post(LOGIN, {"username": biller.username, "password": PASSWORD}).status_code == 429
    )

    redeem(Client(), issue(admin_client, biller))

    assert locked.post(LOGIN, {"username": biller.username, "password": NEW}).status_code == 302


# --- changing one's own password ------------------------------------------------------------------


def test_changing_ones_password_ends_other_sessions_and_keeps_this_one(client_for, biller):
    other = Client()
    other.force_login(biller)
    this = client_for(biller)

    response = this.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )

    assert response["Location"] == reverse("accounts:password-change-done")
    assert this.get(reverse("claims:claim-queue")).status_code == 200
    assert other.get(reverse("claims:claim-queue"))["Location"].startswith(LOGIN)
    record = AccessRecord.objects.get(action=AccessAction.PASSWORD_CHANGE)
    assert (record.user, record.object_id) == (biller, str(biller.pk))


def test_the_new_password_cannot_be_the_current_one(client_for, biller):
    response = client_for(biller).post(
        CHANGE, {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"] == [
        "Choose a new password: this one is your current password."
    ]
    assert not AccessRecord.objects.filter(action=AccessAction.PASSWORD_CHANGE).exists()


def test_reset_hours_and_the_validator_are_read_from_the_settings(monkeypatch):
    from config import settings as project_settings
    from tests.test_settings import load_settings

    assert project_settings.PASSWORD_RESET_HOURS == 24
    assert {
        "NAME": "accounts.password_validation.NotCurrentPasswordValidator"
    } in project_settings.AUTH_PASSWORD_VALIDATORS
    assert load_settings(monkeypatch, PASSWORD_RESET_HOURS="8").PASSWORD_RESET_HOURS == 8
