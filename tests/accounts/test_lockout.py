"""Login lockout behind a reverse proxy, and password spraying (issue 10).

Axes locks a username after ``AXES_FAILURE_LIMIT`` wrong passwords from one address. The
address is the client's, read through ``TRUSTED_PROXY_COUNT`` proxies
(``accounts.lockout.client_address``), and one address failing at many usernames is
locked after ``AXES_ADDRESS_FAILURE_LIMIT`` failures (``accounts.lockout.PracticeAxesHandler``).
"""

from __future__ import annotations

import pytest
from django.conf import settings as project_settings
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.lockout import client_address
from tests.factories import UserFactory
from tests.test_settings import load_settings

PASSWORD = "correct-horse-battery"
LOGIN = reverse("accounts:login")
PROXY = "10.0.0.2"


def _address(settings, proxies: int, remote: str, forwarded: str | None) -> str | None:
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().post(LOGIN, **meta))


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", PROXY),  # no proxy configured: the header is the client's word
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.9, 203.0.113.5", "203.0.113.5"),  # the left entry is made up
        (2, "198.51.100.9, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
        (1, "203.0.113.5:51234", "203.0.113.5"),  # a proxy that appends the port
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, "2001:db8::7", "2001:db8::7"),
        (2, "203.0.113.5", PROXY),  # fewer entries than proxies: nothing to trust
        (1, None, PROXY),
        (1, "not-an-address", PROXY),  # never stored as an address (a 500 on PostgreSQL)
        (1, "", PROXY),
    ],
)
def test_client_address_is_the_one_the_outermost_trusted_proxy_saw(
    settings, proxies, forwarded, expected
):
    assert _address(settings, proxies, PROXY, forwarded) == expected


def test_address_limit_is_read_from_the_settings_and_is_above_the_per_username_limit():
    assert project_settings.TRUSTED_PROXY_COUNT == 0
    assert project_settings.AXES_ADDRESS_FAILURE_LIMIT == 20
    assert project_settings.AXES_ADDRESS_FAILURE_LIMIT > project_settings.AXES_FAILURE_LIMIT
    assert project_settings.AXES_CLIENT_IP_CALLABLE == "accounts.lockout.client_address"
    assert project_settings.AXES_HANDLER == "accounts.lockout.PracticeAxesHandler"


def test_the_environment_sets_the_proxy_count_and_both_limits(monkeypatch):
    loaded = load_settings(
        monkeypatch, TRUSTED_PROXY_COUNT="2", AXES_FAILURE_LIMIT="4", AXES_ADDRESS_FAILURE_LIMIT="9"
    )
    assert (loaded.TRUSTED_PROXY_COUNT, loaded.AXES_FAILURE_LIMIT) == (2, 4)
    assert loaded.AXES_ADDRESS_FAILURE_LIMIT == 9


@pytest.mark.parametrize(
    "env",
    [
        {"AXES_FAILURE_LIMIT": "5", "AXES_ADDRESS_FAILURE_LIMIT": "5"},
        {"TRUSTED_PROXY_COUNT": "-1"},
    ],
)
def test_an_address_limit_not_above_the_username_limit_refuses_to_start(monkeypatch, env):
    with pytest.raises(SystemExit, match="AXES_ADDRESS_FAILURE_LIMIT"):
        load_settings(monkeypatch, **env)


def _behind_proxy(address: str) -> Client:
    """A browser at ``address``, reaching the app through the one trusted proxy."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def _fail(client: Client, username: str, times: int = 1) -> None:
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "wrong"})
        assert response.status_code in (200, 429)


@pytest.mark.django_db
def test_behind_the_proxy_one_clients_failures_do_not_lock_another(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory(role="Biller")
    attacker, colleague = _behind_proxy("203.0.113.5"), _behind_proxy("198.51.100.9")
    _fail(attacker, user.username, settings.AXES_FAILURE_LIMIT)

    locked = attacker.post(LOGIN, {"username": user.username, "password": PASSWORD})
    response = colleague.post(LOGIN, {"username": user.username, "password": PASSWORD})

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert response.status_code == 302
    assert colleague.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_spraying_many_usernames_from_one_address_locks_that_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    user = UserFactory(role="Biller")
    sprayer = _behind_proxy("203.0.113.5")
    for n in range(4):  # two tries at each of four names: each name stays under its limit
        _fail(sprayer, f"guessed.name{n}", 2)

    refused = sprayer.post(LOGIN, {"username": user.username, "password": PASSWORD})
    elsewhere = _behind_proxy("198.51.100.9").post(
        LOGIN, {"username": user.username, "password": PASSWORD}
    )

    assert refused.status_code == 429
    assert "_auth_user_id" not in sprayer.session
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_failures_under_the_address_limit_lock_nobody_else(settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    user = UserFactory(role="Biller")
    client = Client()
    for n in range(7):
        _fail(client, f"typo.name{n}")

    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
