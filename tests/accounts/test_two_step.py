"""Two-step sign-in: an authenticator-app code (TOTP) after the password.

Codes are computed as the app would, with ``django_otp.oath.totp`` over the device's key.
"""

from __future__ import annotations

from base64 import b32encode

import pytest
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SETUP = reverse("accounts:two-step-setup")
VERIFY = reverse("accounts:two-step-verify")
DISABLE = reverse("accounts:two-step-disable")
LOGIN = reverse("accounts:login")


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the app shows now (or ``steps_ahead`` 30-second steps later)."""
    return f"{totp(device.bin_key, step=device.step, digits=device.digits, drift=steps_ahead):06d}"


def wrong(device: TOTPDevice) -> str:
    """A 6-digit code that is none of the codes the device accepts right now."""
    accepted = {code(device, d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def password_login(client, user, next_url: str = ""):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


@pytest.fixture
def biller_with_app(biller):
    return biller, TOTPDevice.objects.create(user=biller, name="Authenticator app", confirmed=True)


# --- turning it on ----------------------------------------------------------------------------


def test_setup_page_shows_the_new_secret_grouped_and_the_otpauth_link(client_for, prescriber):
    response = client_for(prescriber).get(SETUP)

    device = TOTPDevice.objects.get(user=prescriber)
    assert device.confirmed is False
    secret = b32encode(device.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    page = response.content.decode()
    assert grouped in page
    label = f"Riverside%20Psychiatry%20PC%3A{prescriber.username}"
    assert f"otpauth://totp/{label}?secret={secret}" in page.replace("&amp;", "&")


def test_setup_reload_keeps_the_same_secret(client_for, prescriber):
    client = client_for(prescriber)
    client.get(SETUP)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=prescriber).count() == 1


def test_setup_confirms_the_device_with_a_correct_code(client_for, prescriber):
    client = client_for(prescriber)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=prescriber)

    response = client.post(SETUP, {"code": code(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    # This session counts as verified: the user goes on without a second code.
    assert client.get(reverse("accounts:home"))["Location"] == reverse("encounters:today")
    assert "Two-step sign-in is <strong>on</strong>" in client.get(SETUP).content.decode()


def test_setup_refuses_a_wrong_code_with_an_error_beside_the_field(client_for, prescriber):
    client = client_for(prescriber)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=prescriber)
    typed = wrong(device)

    response = client.post(SETUP, {"code": typed})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "That code is not right. Enter the 6-digit code your app shows now."
    ]
    assert f'value="{typed}"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False


def test_setup_refuses_something_that_is_not_six_digits(client_for, prescriber):
    client = client_for(prescriber)
    response = client.post(SETUP, {"code": "12ab"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "Enter the 6 digits your authenticator app shows."
    ]
    assert not TOTPDevice.objects.filter(user=prescriber, confirmed=True).exists()


# --- signing in with a code -------------------------------------------------------------------


def test_user_without_a_device_signs_in_with_the_password_alone(client, biller):
    response = password_login(client, biller)
    assert response["Location"] == reverse("accounts:home")
    assert client.get(reverse("claims:claim-queue")).status_code == 200


def test_user_with_a_device_is_sent_to_the_code_page_after_the_password(client, biller_with_app):
    biller, _device = biller_with_app
    password_login(client, biller)

    response = client.get(reverse("claims:claim-queue"))

    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?{urlencode({'next': reverse('claims:claim-queue')})}"
    assert client.get(reverse("accounts:home"))["Location"].startswith(VERIFY)


def test_a_correct_code_lets_the_user_reach_their_home(client, biller_with_app):
    biller, device = biller_with_app
    password_login(client, biller)
    assert client.get(VERIFY).status_code == 200

    response = client.post(VERIFY, {"code": code(device)}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("claims:claim-queue")
    assert response.status_code == 200


def test_a_correct_code_goes_on_to_the_page_asked_for(client, biller_with_app):
    biller, device = biller_with_app
    password_login(client, biller)
    queue = reverse("claims:claim-queue")
    target = client.get(queue)["Location"]

    response = client.post(target, {"code": code(device), "next": queue})

    assert response["Location"] == queue


def test_a_wrong_code_shows_an_error_and_stays_on_the_code_page(client, biller_with_app):
    biller, device = biller_with_app
    password_login(client, biller)

    response = client.post(VERIFY, {"code": wrong(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "That code is not right. Enter the 6-digit code your app shows now."
    ]
    assert client.get(reverse("claims:claim-queue"))["Location"].startswith(VERIFY)


def test_repeated_wrong_codes_are_throttled_even_a_right_code_waits(
    client, settings, biller_with_app
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a slow run still falls inside the wait
    biller, device = biller_with_app
    password_login(client, biller)
    client.post(VERIFY, {"code": wrong(device)})

    response = client.post(VERIFY, {"code": code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "Verification temporarily disabled because of 1 failed attempt, please try again soon."
    ]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert client.get(reverse("claims:claim-queue"))["Location"].startswith(VERIFY)


def test_the_code_page_leaves_logout_open(client, biller_with_app):
    biller, _device = biller_with_app
    password_login(client, biller)
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_htmx_requests_of_an_unverified_user_are_redirected_by_htmx(client, biller_with_app):
    biller, _device = biller_with_app
    password_login(client, biller)
    response = client.get(reverse("claims:claim-queue"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(VERIFY)


def test_a_code_cannot_be_used_twice(client, biller_with_app):
    biller, device = biller_with_app
    password_login(client, biller)
    used = code(device)
    client.post(VERIFY, {"code": used})
    client.post(reverse("accounts:logout"))
    password_login(client, biller)

    response = client.post(VERIFY, {"code": used})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]


# --- turning it off ---------------------------------------------------------------------------


def test_turning_off_needs_a_current_code_then_logins_ask_for_the_password_only(
    client, settings, biller_with_app
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait after the wrong code in this test
    biller, device = biller_with_app
    password_login(client, biller)
    client.post(VERIFY, {"code": code(device)})

    refused = client.post(DISABLE, {"code": wrong(device)})
    assert refused.status_code == 200
    assert refused.context["disable_form"].errors["code"]
    assert TOTPDevice.objects.filter(user=biller).exists()

    response = client.post(DISABLE, {"code": code(device, steps_ahead=1)})
    assert response["Location"] == SETUP
    assert not TOTPDevice.objects.filter(user=biller).exists()

    client.post(reverse("accounts:logout"))
    password_login(client, biller)
    assert client.get(reverse("claims:claim-queue")).status_code == 200


# --- OTP_REQUIRED_ROLES -----------------------------------------------------------------------


def test_required_role_without_a_device_is_sent_to_setup(client, settings, biller):
    settings.OTP_REQUIRED_ROLES = ["Biller"]
    password_login(client, biller)

    response = client.get(reverse("claims:claim-queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(f"{SETUP}?next=")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Your role requires two-step sign-in" in page.content.decode()


def test_required_role_reaches_the_page_once_the_device_is_set_up(client, settings, biller):
    settings.OTP_REQUIRED_ROLES = ["Biller"]
    password_login(client, biller)
    queue = reverse("claims:claim-queue")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=biller)

    response = client.post(SETUP, {"code": code(device), "next": queue})

    assert response["Location"] == queue
    assert client.get(queue).status_code == 200


def test_required_roles_leave_other_roles_alone(client, settings, prescriber):
    settings.OTP_REQUIRED_ROLES = ["Biller", "Practice admin"]
    password_login(client, prescriber)
    assert client.get(reverse("encounters:encounter-list")).status_code == 200


def test_required_role_cannot_turn_it_off(client, settings, biller_with_app):
    settings.OTP_REQUIRED_ROLES = ["biller"]  # role names match whatever their case
    biller, device = biller_with_app
    password_login(client, biller)
    client.post(VERIFY, {"code": code(device)})

    response = client.post(DISABLE, {"code": code(device, steps_ahead=1)})

    assert response.status_code == 200
    assert response.context["disable_form"].errors["code"] == [
        "Your role requires two-step sign-in, so it cannot be turned off."
    ]
    assert TOTPDevice.objects.filter(user=biller, confirmed=True).exists()


# --- staff and superusers (issue 10): always a verified device, /admin/ included ---------------

ADMIN_PAGES = ("/admin/", "/admin/claims/claim/", "/admin/accounts/accessrecord/")


@pytest.fixture
def superuser(db):
    """What ``createsuperuser`` makes: no role, no device."""
    from django.contrib.auth.models import User

    return User.objects.create_superuser("root", "root@practice.test", PASSWORD)


@pytest.mark.parametrize("admin_page", ADMIN_PAGES)
def test_superuser_without_role_or_device_is_sent_to_setup_before_any_admin_page(
    client, superuser, admin_page
):
    assert password_login(client, superuser)["Location"] == reverse("accounts:home")

    response = client.get(admin_page)

    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?{urlencode({'next': admin_page})}"


def test_superuser_signing_in_on_the_admin_login_page_still_needs_a_device(client, superuser):
    client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD, "next": "/admin/"}
    )
    assert client.session["_auth_user_id"] == str(superuser.pk)

    response = client.get("/admin/accounts/accessrecord/")

    assert response["Location"].startswith(f"{SETUP}?next=")
    page = client.get(response["Location"]).content.decode()
    assert "Your account can open the site administration" in page


def test_staff_user_with_a_role_needs_a_device_even_when_no_role_requires_it(
    client, settings, biller
):
    settings.OTP_REQUIRED_ROLES = []
    biller.is_staff = True
    biller.save(update_fields=["is_staff"])
    password_login(client, biller)

    assert client.get(reverse("claims:claim-queue"))["Location"].startswith(f"{SETUP}?next=")
    assert client.get("/admin/")["Location"].startswith(f"{SETUP}?next=")


def test_superuser_with_a_device_must_enter_a_code_before_the_admin(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="Authenticator app", confirmed=True)
    password_login(client, superuser)

    assert client.get("/admin/claims/claim/")["Location"].startswith(VERIFY)

    client.post(VERIFY, {"code": code(device)})
    assert client.get("/admin/claims/claim/").status_code == 200


def test_superuser_reaches_the_admin_once_the_device_is_set_up(client, superuser):
    password_login(client, superuser)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=superuser)

    response = client.post(SETUP, {"code": code(device), "next": "/admin/"})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/accounts/accessrecord/").status_code == 200


def test_superuser_cannot_turn_two_step_off(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="Authenticator app", confirmed=True)
    password_login(client, superuser)
    client.post(VERIFY, {"code": code(device)})

    response = client.post(DISABLE, {"code": code(device, steps_ahead=1)})

    assert response.context["disable_form"].errors["code"] == [
        "Your account can open the site administration, so two-step sign-in cannot be turned off."
    ]
    assert TOTPDevice.objects.filter(user=superuser, confirmed=True).exists()
