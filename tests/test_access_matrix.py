"""Role x URL x expected status, for every named URL of our apps.

The URL list comes from the URLconf, the expectations from ``tests/access_tables``:
a new view without a table entry fails here, so none can be missed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import AccessRecord
from tests.access_tables import LOGIN, ROLES, AccessSetup, UrlAccess, load_tables

OUR_APPS = ("accounts", "encounters", "coding", "payers", "claims", "audits")
TABLES = load_tables()


def _walk(resolver: URLResolver, namespace: str = "") -> list[tuple[str, str, str | None]]:
    """(namespace, route, name) of every URL pattern under ``resolver``."""
    found: list[tuple[str, str, str | None]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            found += [
                (ns, str(entry.pattern) + route, name) for ns, route, name in _walk(entry, inner)
            ]
        elif isinstance(entry, URLPattern):
            found.append((namespace, str(entry.pattern), entry.name))
    return found


def our_patterns() -> list[tuple[str, str, str | None]]:
    return [p for p in _walk(get_resolver()) if p[0].split(":")[0] in OUR_APPS]


def our_url_names() -> set[str]:
    return {f"{ns}:{name}" for ns, _, name in our_patterns() if name}


def test_every_url_of_our_apps_has_a_name():
    unnamed = [f"{ns}: {route}" for ns, route, name in our_patterns() if not name]
    assert not unnamed, f"name these URLs so the access matrix can cover them: {unnamed}"


def test_every_url_has_an_access_table_entry():
    missing = sorted(our_url_names() - set(TABLES))
    assert not missing, f"add these URLs to a module in tests/access_tables/: {missing}"


def test_every_access_table_entry_names_an_existing_url():
    unknown = sorted(set(TABLES) - our_url_names())
    assert not unknown, f"these table entries name no URL in the URLconf: {unknown}"


def test_url_walk_finds_the_login_page_and_skips_admin():
    names = our_url_names()
    assert "accounts:login" in names
    assert not any(name.startswith("admin:") for name in names)


@pytest.fixture
def access_setup(prescriber, other_prescriber, biller, compliance, practice_admin):
    return AccessSetup(
        users={
            "anonymous": None,
            "prescriber": prescriber,
            "other_prescriber": other_prescriber,
            "biller": biller,
            "compliance": compliance,
            "admin": practice_admin,
        }
    )


def _request(
    setup: AccessSetup,
    role: str,
    method: str,
    url: str,
    data: dict[str, Any],
    htmx: bool,
    *,
    rollback: bool = True,
) -> Any:
    client = Client(raise_request_exception=False)
    user = setup.user(role)
    if user is not None:
        client.force_login(user)
    headers = {"HX-Request": "true"} if htmx else {}
    # Each role sees the same records: whatever one request changes is rolled back.
    with transaction.atomic():
        response = getattr(client, method)(url, data, headers=headers)
        transaction.set_rollback(rollback)
    return response


def _outcome(response: Any, expected: int | str) -> int | str:
    if expected == LOGIN:
        login = reverse("accounts:login")
        location = response.get("Location", "")
        # An htmx request is not sent to the login page but told it is signed out
        # (accounts.middleware.SignedOutMiddleware): the same verdict.
        signed_out = response.get("HX-Trigger") == "signed-out"
        return (
            LOGIN
            if (response.status_code == 302 and location.startswith(login)) or signed_out
            else (f"{response.status_code} {location}".strip())
        )
    return response.status_code


def _cases() -> list[Any]:
    cases = []
    for name, (_module, spec) in sorted(TABLES.items()):
        cases.append(pytest.param(name, "get", id=f"{name}-GET"))
        if spec.post is not None:
            cases.append(pytest.param(name, "post", id=f"{name}-POST"))
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "method"), _cases())
def test_role_gets_the_expected_status(access_setup, url_name, method):
    spec: UrlAccess = TABLES[url_name][1]
    expected = spec.get if method == "get" else spec.post
    assert expected is not None
    url = reverse(url_name, kwargs=spec.kwargs(access_setup) if spec.kwargs else None)
    url += spec.query
    data = spec.post_data(access_setup) if (method == "post" and spec.post_data) else {}

    responses = {role: _request(access_setup, role, method, url, data, spec.htmx) for role in ROLES}
    got = {role: _outcome(responses[role], expected[role]) for role in ROLES}

    wrong = {
        role: f"expected {expected[role]}, got {got[role]}"
        for role in ROLES
        if got[role] != expected[role]
    }
    assert not wrong, f"{method.upper()} {url}: {wrong}"
    if method == "get":
        # tests/test_no_store.py: nothing sent to a signed-in user is stored. Checked on
        # these same responses, so every page, fragment, redirect and refusal is covered
        # without asking for each again.
        stored = {
            role: (response.get("Cache-Control"), response.get("Pragma"))
            for role, response in responses.items()
            if role != "anonymous"
            and expected[role] != 405
            and (response.get("Cache-Control"), response.get("Pragma")) != ("no-store", "no-cache")
        }
        assert not stored, f"GET {url} may be stored: {stored}"


def _showing_cases() -> list[Any]:
    return [pytest.param(name, id=name) for name, (_, spec) in sorted(TABLES.items()) if spec.shows]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", _showing_cases())
def test_page_showing_a_patient_or_encounter_writes_an_access_record(access_setup, url_name):
    spec: UrlAccess = TABLES[url_name][1]
    assert spec.shows is not None
    url = reverse(url_name, kwargs=spec.kwargs(access_setup) if spec.kwargs else None) + spec.query
    shown = spec.shows(access_setup)
    allowed = [role for role in ROLES if spec.get[role] == 200]
    assert allowed, f"{url_name}: no role may open it, so nothing to record"

    for role in allowed:
        user = access_setup.user(role)
        records = AccessRecord.objects.filter(
            user=user, object_type=shown._meta.label, object_id=str(shown.pk), action="view"
        )
        before = records.count()
        response = _request(access_setup, role, "get", url, {}, spec.htmx, rollback=False)
        assert response.status_code == 200, f"{role}: {response.status_code}"
        assert records.count() == before + 1, f"{url_name}: no access record for {role}"
