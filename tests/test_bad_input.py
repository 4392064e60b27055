"""No form answers bad input with a server error: every POST URL, as every role allowed to
use it, gets garbage in the fields it reads and must answer below 500 (errors shown, not a 500).

A NUL character in the address is refused before any view runs (``config.middleware``:
PostgreSQL cannot hold one in text, so ``?q=%00`` was a 500), so the garbage query string
carries none (every request would stop at that guard and no view would see the rest); NUL
in the address and in form data has tests of its own below.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.access_tables import ROLES, AccessSetup
from tests.test_access_matrix import TABLES, access_setup  # noqa: F401 - the fixture

GARBAGE = [
    "",
    " ",
    "-1",
    "abc",
    "99999999999999999999",
    "2026-13-45",
    "25:99",
    "<script>",
    "\x00",
    "²",
    "1²",
]


def _garbage_payload(base: dict[str, Any], seed: int) -> dict[str, Any]:
    """The URL's own valid fields with bad values, plus the common fields of our forms."""
    common = [
        "version",
        "state",
        "reason",
        "text",
        "amount",
        "outcome",
        "carc",
        "note",
        "code",
        "units",
        "modifiers",
        "pointers",
        "month",
        "billed_code",
        "claims",
        "date_of_service",
        "coverage",
        "setting",
        "pt_kind",
        "pt_start",
        "pt_end",
        "em_start",
        "em_end",
        "mdm_notes_reviewed",
        "diagnosis_1",
        "medications-TOTAL_FORMS",
        "medications-INITIAL_FORMS",
        "coverages-TOTAL_FORMS",
        "coverages-INITIAL_FORMS",
        "fee_code",
        "charge",
        "expected",
        "answer",
        "q",
        "action",
    ]
    keys = list(dict.fromkeys([*base, *common]))
    return {key: GARBAGE[(seed + i) % len(GARBAGE)] for i, key in enumerate(keys)}


def _post_cases() -> list[Any]:
    cases = []
    for name, (_module, spec) in sorted(TABLES.items()):
        if spec.post is None:
            continue
        for role in ROLES[1:]:  # signed-in roles; anonymous posts go to the login page
            if spec.post[role] in (200, 302, 409, 400):
                cases.append(pytest.param(name, role, id=f"{name}-{role}"))
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "role"), _post_cases())
def test_garbage_post_never_gives_a_server_error(access_setup: AccessSetup, url_name, role):  # noqa: F811
    spec = TABLES[url_name][1]
    url = reverse(url_name, kwargs=spec.kwargs(access_setup) if spec.kwargs else None)
    base = spec.post_data(access_setup) if spec.post_data else {}
    client = Client(raise_request_exception=False)
    client.force_login(access_setup.user(role))
    for seed in range(3):
        response = client.post(url + spec.query, _garbage_payload(base, seed))
        assert response.status_code < 500, f"{url_name} as {role}, payload {seed}"


GARBAGE_QUERY = (
    "page=abc&state=zzz&payer=x&clinician=-1&date_from=2026-13-45&date_to=yesterday"
    "&scrub=maybe&sort=drop+table&q=%3Cscript%3E&status=zz&month=13-2026&slot=99&code=%7F"
)


def _get_cases() -> list[Any]:
    return [
        pytest.param(name, role, id=f"{name}-{role}")
        for name, (_module, spec) in sorted(TABLES.items())
        for role in ROLES[1:]
        if spec.get[role] == 200
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "role"), _get_cases())
def test_garbage_query_string_never_gives_a_server_error(access_setup: AccessSetup, url_name, role):  # noqa: F811
    spec = TABLES[url_name][1]
    url = reverse(url_name, kwargs=spec.kwargs(access_setup) if spec.kwargs else None)
    separator = "&" if "?" in spec.query else "?"
    client = Client(raise_request_exception=False)
    client.force_login(access_setup.user(role))
    response = client.get(f"{url}{spec.query}{separator}{GARBAGE_QUERY}")
    assert response.status_code < 500, url_name


# NUL: a clean 400 in the app's layout, everywhere --------------------------------------

UNREADABLE = "The request carried a character that cannot be read"


def _assert_unreadable(response: Any, what: str, *, signed_in: bool = True) -> None:
    assert response.status_code == 400, what
    page = response.content.decode()
    assert UNREADABLE in page, what
    assert "Encounter coding" in page, f"{what}: not in the app's layout"
    assert ('data-testid="current-user"' in page) is signed_in, what


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "role"), _get_cases())
def test_nul_in_the_query_string_is_a_400_page(access_setup: AccessSetup, url_name, role):  # noqa: F811
    spec = TABLES[url_name][1]
    url = reverse(url_name, kwargs=spec.kwargs(access_setup) if spec.kwargs else None)
    separator = "&" if "?" in spec.query else "?"
    client = Client(raise_request_exception=False)
    client.force_login(access_setup.user(role))
    response = client.get(f"{url}{spec.query}{separator}q=%00")
    _assert_unreadable(response, f"{url_name} as {role}")


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "role"), _post_cases())
def test_nul_in_form_data_is_answered_by_the_form_never_a_server_error(
    access_setup: AccessSetup,  # noqa: F811
    url_name,
    role,
):
    """Form fields refuse NUL themselves (Django's ProhibitNullCharactersValidator): the form
    comes back with what was typed and the error, which a 400 page would lose (a draft note
    drops the NUL and is kept). So the middleware leaves form data to the forms.
    """
    spec = TABLES[url_name][1]
    url = reverse(url_name, kwargs=spec.kwargs(access_setup) if spec.kwargs else None)
    base = spec.post_data(access_setup) if spec.post_data else {}
    client = Client(raise_request_exception=False)
    client.force_login(access_setup.user(role))
    for name in [*base, "text", "q", "a\x00b"]:  # the URL's own fields, common ones, a name
        response = client.post(url + spec.query, {**base, name: "a\x00b"})
        assert response.status_code < 500, f"{url_name} as {role}, NUL in {name!r}"


@pytest.mark.django_db
def test_nul_in_a_parameter_name_or_the_path_is_a_400_page(prescriber):
    client = Client(raise_request_exception=False)
    client.force_login(prescriber)
    patients = reverse("encounters:patient-list")
    _assert_unreadable(client.get(patients + "?%00=a"), "NUL in a parameter name")
    _assert_unreadable(client.get(patients + "%00/"), "NUL in the path")
    _assert_unreadable(client.post(patients + "?q=%00", {}), "NUL in a form's query string")


@pytest.mark.django_db
def test_nul_from_a_signed_out_visitor_is_a_400_page_without_navigation():
    client = Client(raise_request_exception=False)
    response = client.get(reverse("accounts:login") + "?next=%00")
    _assert_unreadable(response, "login page", signed_in=False)


@pytest.mark.django_db
def test_nul_in_the_login_form_is_a_form_error_not_a_server_error():
    client = Client(raise_request_exception=False)
    response = client.post(
        reverse("accounts:login"),
        "username=a%00&password=b",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
