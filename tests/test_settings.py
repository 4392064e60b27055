"""Settings come from the environment, with an embedded default when nothing is set."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from celery.app.defaults import DEFAULTS as CELERY_DEFAULTS
from django.conf import settings

import config.settings

SETTINGS_FILE = Path(config.settings.__file__)


def load_settings(monkeypatch, **env: str) -> ModuleType:
    """A fresh copy of config/settings.py read with exactly ``env`` for these variables."""
    for name in ("DATABASE_URL", "DATABASE_TEST_NAME", "REDIS_URL", "SESSION_IDLE_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_database_comes_from_database_url(monkeypatch):
    loaded = load_settings(
        monkeypatch, DATABASE_URL="postgres://clinic:s3cret@db.internal:6543/psych"
    )
    db = loaded.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "psych",
        "clinic",
        "s3cret",
        "db.internal",
        6543,
    )
    assert db["ATOMIC_REQUESTS"] is True


def test_without_database_url_the_default_is_a_sqlite_file_under_var(monkeypatch):
    db = load_settings(monkeypatch).DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(db["NAME"]).parent == SETTINGS_FILE.parent.parent / "var"


def test_without_redis_url_celery_runs_tasks_eagerly_in_process(monkeypatch):
    loaded = load_settings(monkeypatch)
    assert loaded.CELERY_TASK_ALWAYS_EAGER is True
    assert loaded.CELERY_TASK_EAGER_PROPAGATES is True
    assert loaded.CELERY_BROKER_URL == "memory://"


def test_with_redis_url_celery_uses_the_broker(monkeypatch):
    loaded = load_settings(monkeypatch, REDIS_URL="redis://cache.internal:6379/0")
    assert loaded.CELERY_TASK_ALWAYS_EAGER is False
    assert loaded.CELERY_BROKER_URL == "redis://cache.internal:6379/0"
    assert loaded.CELERY_RESULT_BACKEND == "redis://cache.internal:6379/0"


def test_idle_minutes_come_from_the_environment(monkeypatch):
    assert load_settings(monkeypatch, SESSION_IDLE_MINUTES="5").SESSION_COOKIE_AGE == 300


@pytest.mark.parametrize(
    "name",
    [
        "CELERY_BROKER_URL",
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_TASK_TIME_LIMIT",
        "CELERY_TASK_SOFT_TIME_LIMIT",
        "CELERY_TASK_SERIALIZER",
        "CELERY_ACCEPT_CONTENT",
        "CELERY_TIMEZONE",
        "CELERY_BEAT_SCHEDULE",
    ],
)
def test_key_celery_settings_are_present(name):
    assert hasattr(settings, name)


def test_every_celery_setting_is_a_name_celery_knows():
    """A misspelt name (CELERY_TASK_TIME_LIMT) is silently ignored by Celery: catch it here."""
    ours = [name for name in dir(config.settings) if name.startswith("CELERY_")]
    unknown = [n for n in ours if n.removeprefix("CELERY_").lower() not in CELERY_DEFAULTS]
    assert ours
    assert not unknown, unknown


def test_no_setting_looks_like_a_misspelt_celery_prefix():
    near = [
        n
        for n in dir(config.settings)
        if n.isupper() and n.startswith("CEL") and not n.startswith("CELERY_")
    ]
    assert not near, near


def test_soft_time_limit_is_below_the_hard_limit():
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


def test_celery_app_reads_the_django_settings():
    from config.celery import app

    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert app.conf.task_serializer == "json"


def test_the_test_database_may_be_named_by_the_environment(monkeypatch):
    loaded = load_settings(
        monkeypatch,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/psych_ops",
        DATABASE_TEST_NAME="psych_ops_test",
    )
    assert loaded.DATABASES["default"]["TEST"]["NAME"] == "psych_ops_test"
    unnamed = load_settings(monkeypatch, DATABASE_URL="postgres://postgres@127.0.0.1:5432/psych")
    assert "TEST" not in unnamed.DATABASES["default"]
