"""Idle sessions end after 15 minutes; passwords are hashed with Argon2."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.test import override_settings
from django.urls import reverse

from config import settings as config_settings


def test_idle_session_ends_after_15_minutes():
    assert settings.SESSION_COOKIE_AGE == 15 * 60


def test_the_idle_expiry_is_written_by_the_idle_middleware_not_on_every_request():
    # accounts.middleware.IdleTimeoutMiddleware moves it on (tests/accounts/test_idle_timeout.py)
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_ENGINE == "accounts.sessions"
    sessions_at = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert settings.MIDDLEWARE[sessions_at + 1] == "accounts.middleware.IdleTimeoutMiddleware"


@pytest.mark.django_db
def test_a_logged_in_session_expires_after_the_idle_time(client_for, prescriber):
    client = client_for(prescriber)
    client.get(reverse("accounts:password-change"))
    assert client.session.get_expiry_age() == 15 * 60


def test_argon2_is_the_first_password_hasher():
    # tests/conftest.py swaps in a fast hasher per test: read the project's own value.
    assert config_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_library_is_installed_and_hashes():
    with override_settings(PASSWORD_HASHERS=config_settings.PASSWORD_HASHERS):
        encoded = make_password("demo-pass-2026")
        assert isinstance(identify_hasher(encoded), Argon2PasswordHasher)
