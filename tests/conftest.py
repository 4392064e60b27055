"""Shared fixtures: one logged-in client per role, fast password hashing, Chromium."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# calls from the same thread are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "postgresql: needs PostgreSQL (pg_dump, its triggers); deselected on SQLite, run in CI",
    )


def pytest_collection_modifyitems(config, items):
    """On SQLite, leave out the tests that need PostgreSQL: deselected, never skipped.

    CI runs on PostgreSQL, where they run; a skip there would hide a missing check.
    """
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    needs_postgresql = [item for item in items if item.get_closest_marker("postgresql")]
    if needs_postgresql:
        config.hook.pytest_deselected(items=needs_postgresql)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def prescriber(db):
    from tests.factories import ClinicianFactory

    return ClinicianFactory(credential="MD").user


@pytest.fixture
def other_prescriber(db):
    from tests.factories import ClinicianFactory

    return ClinicianFactory(credential="NP").user


@pytest.fixture
def biller(db):
    from tests.factories import UserFactory

    return UserFactory(role="Biller")


@pytest.fixture
def compliance(db):
    from tests.factories import UserFactory

    return UserFactory(role="Compliance")


@pytest.fixture
def practice_admin(db):
    from tests.factories import UserFactory

    return UserFactory(role="Practice admin")


@pytest.fixture
def client_for(client):
    """Log the test client in as ``user`` and return it."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _flushable_signed_encounters(request):
    """Let transactional tests (and live-server browser tests) flush signed encounters on SQLite.

    Set up after ``transactional_db`` so it tears down first: the signed rows are released
    before pytest-django's flush deletes them (PostgreSQL truncates, unaffected).
    """
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from tests.sqlite_locks import release_signed_locks

    release_signed_locks()
