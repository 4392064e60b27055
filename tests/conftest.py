"""Shared fixtures: one logged-in client per role, fast password hashing, Chromium, and on
PostgreSQL the test database served to the tests as the non-superuser application role."""

from __future__ import annotations

import os
from typing import Any

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


# --- PostgreSQL: migrate as the owner, run the tests as the application role ------------------
#
# pytest-django creates and migrates the test database as DATABASE_URL's role (in CI the
# owner role, psych_owner; locally it may be a superuser): that role owns every table. The
# grants production gets (``manage.py db_roles``) are then applied for the application role
# (DATABASE_APP_ROLE, psych_app; created here if the connecting role may create roles), and
# every test connects as that role: no superuser, owner of nothing, so it cannot alter a
# table or switch a trigger off. Test-only extra: TRUNCATE on every table, so that
# pytest-django can flush after ``transactional_db`` tests. ``as_database_owner`` gives back
# the owner's connection to the few tests that migrate or dump the database.

DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "psych_app")
_database_owner: dict[str, str] = {}


def _connect_as(user: str, password: str) -> None:
    from django.db import connections

    for connection in connections.all():
        connection.close()
    # One settings dict serves every thread's connection (live server, Celery worker).
    connections["default"].settings_dict.update(USER=user, PASSWORD=password)


_roles: dict[str, Any] = {}


def _grant_app_role(cursor: Any, roles: Any) -> None:
    """The production grants, plus the test-only TRUNCATE (run as the owner)."""
    from accounts.db_roles import grants_sql

    for statement in grants_sql(roles):
        cursor.execute(statement)
    cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {roles.app}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    from accounts.db_roles import Roles, app_role_sql

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper OR rolcreaterole FROM pg_roles "
            "WHERE rolname = current_user"
        )
        owner, may_create_roles = cursor.fetchone()
        roles = Roles(owner=owner, app=DATABASE_APP_ROLE)
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [roles.app])
        if not cursor.fetchone():
            if not may_create_roles:
                pytest.exit(
                    f"The application role {roles.app} does not exist and {owner} cannot "
                    "create it: run `manage.py db_roles --print --only roles` as a superuser.",
                    returncode=2,
                )
            for statement in app_role_sql(roles):
                cursor.execute(statement)
        _grant_app_role(cursor, roles)
    _roles["roles"] = roles
    settings_dict = connection.settings_dict
    _database_owner.update(USER=settings_dict["USER"], PASSWORD=settings_dict["PASSWORD"])
    _connect_as(roles.app, os.environ.get("DATABASE_APP_PASSWORD", ""))
    yield
    # pytest-django drops the test database as its owner.
    _connect_as(_database_owner["USER"], _database_owner["PASSWORD"])


@pytest.fixture
def as_database_owner(transactional_db):
    """Connect as the test database's owner (PostgreSQL; nothing changes on SQLite).

    For tests that migrate, dump or restore: DDL is the owner's. Committed data only
    (``transactional_db``): the connection is closed and opened again as the owner.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    app = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    _connect_as(_database_owner["USER"], _database_owner["PASSWORD"])
    yield
    # Tables a migration test dropped and made again get the app role's grants again.
    with connection.cursor() as cursor:
        _grant_app_role(cursor, _roles["roles"])
    _connect_as(*app)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    """Pages name static files as they are in the repository: the hashed names of the
    project's storage need `collectstatic` first (tests/test_static_and_compression.py runs
    it and checks them); the live server of the browser tests serves the files from there."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """One transaction around a whole test module, rolled back after its last test.

    What a module-scoped fixture builds in it (the sweeps' world of every page's records) is
    made once instead of before each of hundreds of tests. Each test still runs in its own
    savepoint (pytest-django's ``db``), so whatever one request changes is undone before the
    next test: every test starts from the same records. Not for transactional tests.
    """
    from django.db import transaction
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        atomic = transaction.atomic()
        # Like the test case's own blocks: a durable block in the code under test may open.
        atomic._from_testcase = True
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_users(module_db):
    """A user per role, made once for the module (see ``module_db``); anonymous is None."""
    from tests.factories import ClinicianFactory, UserFactory

    return {
        "anonymous": None,
        "prescriber": ClinicianFactory(credential="MD").user,
        "other_prescriber": ClinicianFactory(credential="NP").user,
        "biller": UserFactory(role="Biller"),
        "compliance": UserFactory(role="Compliance"),
        "admin": UserFactory(role="Practice admin"),
    }


@pytest.fixture(scope="module")
def module_world(module_users):
    """The world of the note-text and access-record sweeps (``tests.phi``), built once for a
    test module (``module_db``) by the marked factories."""
    from tests.access_tables import AccessSetup
    from tests.phi import build_world, install_canary_factories

    with pytest.MonkeyPatch.context() as patch:
        install_canary_factories(patch)
        return build_world(AccessSetup(users=dict(module_users)))


@pytest.fixture
def world(module_world, db):
    """The module's world for one test, whose changes roll back with its savepoint."""
    with module_world.setup.nothing_built_inside():
        yield module_world


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
    """Log the test client in as ``user`` and return it.

    Staff and superusers always sign in with two steps: they get an authenticator app and a
    session that has passed its code, as after the two-step page.
    """

    def login(user):
        if not (user.is_staff or user.is_superuser):
            client.force_login(user)
            return client
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="test app", confirmed=True)
        client.force_login(user)  # after the device: sign-in notes that the user has one
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
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


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Pages as for a user who asked for reduced motion: colours snap to their end state, so
    the accessibility check reads a button as it is shown, never halfway through its hover
    fade after a click (Bootstrap's transitions honour the setting, as does app.css)."""
    return {**browser_context_args, "reduced_motion": "reduce"}


def _flushes(request: Any) -> bool:
    """Whether pytest-django flushes the database after this test (a transactional test)."""
    marker = request.node.get_closest_marker("django_db")
    transaction = bool(marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
    return transaction or bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _migrated_data_after_flush(request, django_db_blocker):
    """Put the data migrations' rows back after a transactional test's flush.

    pytest-django runs transactional tests after the others, but a flush still empties the
    role groups, default payers, fee schedules, drug table and instruments the data
    migrations wrote. Set up before ``transactional_db``, so it tears down after the flush,
    and reloads them with the same loaders the migrations use.
    """
    yield
    if not _flushes(request):
        return
    from django.contrib.auth.models import Group

    from accounts.roles import ROLES
    from tests.factories import seed_instruments
    from tests.payers.helpers import default_fee_schedules

    with django_db_blocker.unblock():
        for role in ROLES:
            Group.objects.get_or_create(name=role.value)
        default_fee_schedules()
        seed_instruments()


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


@pytest.fixture
def eager_tasks():
    """Celery tasks run in-process, as without REDIS_URL (CI sets one, with no worker):
    the claims' tests and the browser journeys that export 837P files."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved
