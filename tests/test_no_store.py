"""Nothing sent to a signed-in user is kept by the browser or a proxy (issue 10, finding 2).

Every response to a signed-in user, except static files, carries
``Cache-Control: no-store`` and ``Pragma: no-cache``: the simplest rule that covers
every page and download holding health information (charts, patients, the claim
queue, the 837P file, the audit CSV and PDF), so Back after logging out, a shared
computer's disk cache or a caching proxy shows none of it.

Every URL, for every signed-in role, is checked in ``tests/test_access_matrix.py``
(``test_role_gets_the_expected_status``) on the responses it already asks for; here, the
pages and downloads that carry health information, and static files.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.access_tables import AccessSetup
from tests.test_access_matrix import TABLES, access_setup  # noqa: F401 - the fixture

PHI_DOWNLOADS_AND_PAGES = [
    ("encounters:patient-detail", "prescriber"),
    ("encounters:encounter-detail", "prescriber"),  # the chart
    ("claims:claim-queue", "biller"),
    ("claims:export-download", "biller"),  # the 837P file
    ("audits:sample-findings-csv", "compliance"),
    ("audits:sample-report-pdf", "compliance"),
]


def _get(setup: AccessSetup, url_name: str, role: str) -> Any:
    spec = TABLES[url_name][1]
    url = reverse(url_name, kwargs=spec.kwargs(setup) if spec.kwargs else None) + spec.query
    client = Client(raise_request_exception=False)
    user = setup.user(role)
    if user is not None:
        client.force_login(user)
    headers = {"HX-Request": "true"} if spec.htmx else {}
    return client.get(url, headers=headers)


def _assert_not_stored(response: Any, what: str) -> None:
    assert response["Cache-Control"] == "no-store", what
    assert response["Pragma"] == "no-cache", what


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "role"), PHI_DOWNLOADS_AND_PAGES)
def test_phi_pages_and_downloads_are_not_stored(access_setup, url_name, role):  # noqa: F811
    response = _get(access_setup, url_name, role)
    assert response.status_code == 200
    _assert_not_stored(response, url_name)


@pytest.mark.django_db
@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_caching_for_a_signed_in_user(prescriber):
    client = Client()
    client.force_login(prescriber)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
