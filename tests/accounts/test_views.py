"""Login, logout, password change and each role's home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.mark.parametrize(
    ("role_fixture", "home"),
    [
        ("prescriber", "encounters:today"),
        ("biller", "claims:claim-queue"),
        ("compliance", "audits:audit-home"),
        ("practice_admin", "encounters:patient-list"),
    ],
)
def test_home_sends_each_role_to_its_own_page(request, client_for, role_fixture, home):
    client = client_for(request.getfixturevalue(role_fixture))
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(home)


def test_home_for_a_user_without_a_role_explains_and_refuses(client_for):
    response = client_for(UserFactory()).get(reverse("accounts:home"))
    assert response.status_code == 403


def test_home_sends_anonymous_users_to_login(client):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_login_with_the_right_password_goes_home(client):
    user = UserFactory(role="Biller")
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_with_a_wrong_password_shows_the_form_again_with_an_error(client):
    user = UserFactory(role="Biller")
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert b"enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_lock_the_account(client, settings):
    user = UserFactory(role="Biller")
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": user.username, "password": "wrong"})

    response = client.post(url, {"username": user.username, "password": PASSWORD})

    assert response.status_code != 302
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session_and_goes_to_login(client_for, prescriber):
    client = client_for(prescriber)
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_password_change_sets_the_new_password_and_keeps_the_user_logged_in(client_for, biller):
    client = client_for(biller)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-2026",
            "new_password2": "a-much-longer-passphrase-2026",
        },
    )
    assert response["Location"] == reverse("accounts:password-change-done")
    biller.refresh_from_db()
    assert biller.check_password("a-much-longer-passphrase-2026")
    assert client.get(reverse("accounts:password-change-done")).status_code == 200


def test_password_change_with_a_wrong_old_password_shows_the_error(client_for, biller):
    response = client_for(biller).post(
        reverse("accounts:password-change"),
        {"old_password": "nope", "new_password1": "x-2026-y-z", "new_password2": "x-2026-y-z"},
    )
    assert response.status_code == 200
    assert b"old password was entered incorrectly" in response.content
    biller.refresh_from_db()
    assert biller.check_password(PASSWORD)
