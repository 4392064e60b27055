"""Production settings: no start without a key, and one switch for HTTPS (issue 10, finding 4).

The refusals are tested on real ``manage.py`` processes with an environment built
from scratch, so nothing from the test run (or a developer's shell) leaks in.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),  # 67 random characters
    "ALLOWED_HOSTS": "clinic.example",
    "HTTPS": "true",
}
# Every variable these tests depend on; the first three are set empty for a subprocess, so
# that a developer's .env file cannot fill them in.
CONTROLLED = ("SECRET_KEY", "HTTPS", "SECURE_COOKIES", "DEBUG", "ALLOWED_HOSTS", "HSTS_SECONDS")
REFUSAL = "Refusing to start: SECRET_KEY is not set and DEBUG is false."


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py args`` with only ``env`` (and what a process needs to start) set."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        **dict.fromkeys(CONTROLLED[:3], ""),
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [["check"], ["migrate", "--plan"], ["draw_audit_sample"], ["shell", "-c", "1"], ["help"]],
)
def test_with_debug_off_and_no_secret_key_no_command_starts(command):
    result = manage(*command, DEBUG="false")
    assert result.returncode != 0
    assert REFUSAL in result.stderr


def test_with_debug_off_and_no_secret_key_the_web_server_cannot_load_the_app():
    code = "import config.wsgi"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DEBUG": "false", "SECRET_KEY": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert REFUSAL in result.stderr


def test_the_production_environment_passes_the_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_https_the_deployment_checks_fail_on_transport():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "HTTPS": "false"}
    )
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


def _load(monkeypatch, **env: str):
    for name in CONTROLLED:
        monkeypatch.delenv(name, raising=False)
    return load_settings(monkeypatch, **env)


def test_https_turns_on_hsts_ssl_redirect_secure_cookies_and_the_proxy_header(monkeypatch):
    loaded = _load(monkeypatch, **PRODUCTION)
    assert loaded.SECURE_SSL_REDIRECT is True
    assert loaded.SECURE_HSTS_SECONDS == 365 * 24 * 60 * 60
    assert loaded.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    assert loaded.SECURE_HSTS_PRELOAD is True
    assert loaded.SESSION_COOKIE_SECURE is True
    assert loaded.CSRF_COOKIE_SECURE is True
    assert loaded.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


def test_hsts_can_start_short_for_a_first_rollout(monkeypatch):
    assert _load(monkeypatch, **PRODUCTION, HSTS_SECONDS="3600").SECURE_HSTS_SECONDS == 3600


def test_without_https_nothing_forces_https(monkeypatch):
    loaded = _load(monkeypatch)
    assert loaded.SECURE_SSL_REDIRECT is False
    assert loaded.SECURE_HSTS_SECONDS == 0
    assert loaded.SECURE_PROXY_SSL_HEADER is None
    assert loaded.SESSION_COOKIE_SECURE is False
    assert loaded.CSRF_COOKIE_SECURE is False


def test_secure_cookies_remains_a_cookies_only_alias(monkeypatch):
    loaded = _load(monkeypatch, SECURE_COOKIES="true")
    assert loaded.SESSION_COOKIE_SECURE is True
    assert loaded.CSRF_COOKIE_SECURE is True
    assert loaded.SECURE_SSL_REDIRECT is False
    assert loaded.SECURE_HSTS_SECONDS == 0


def test_a_local_run_without_a_key_is_a_debug_run_on_a_key_django_flags(monkeypatch):
    loaded = _load(monkeypatch)
    assert loaded.DEBUG is True
    assert loaded.SECRET_KEY.startswith("django-insecure-")  # check --deploy says W009


def test_with_debug_off_and_no_secret_key_the_settings_refuse_to_load(monkeypatch):
    with pytest.raises(SystemExit, match=REFUSAL):
        _load(monkeypatch, DEBUG="false")


def test_setting_a_key_turns_debug_off_unless_asked(monkeypatch):
    key = PRODUCTION["SECRET_KEY"]
    assert _load(monkeypatch, SECRET_KEY=key).DEBUG is False
    assert _load(monkeypatch, SECRET_KEY=key, DEBUG="true").DEBUG is True
