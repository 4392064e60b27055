"""A list page writes ONE access record naming the patients it shows, in one INSERT.

Each list page is requested with two and with five patients on it: the record names exactly
the patients shown, it is the request's only INSERT into the access log, and the page costs
the same number of queries both times (recording adds no query per row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccessRecord
from claims.models import Claim, ClaimState
from claims.transitions import claim_transition
from tests.claims.helpers import signed_claim
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class ListPage:
    url_name: str
    role: str  # the fixture of the user who opens it
    state: str = ""  # the state the built claims are moved to ("" = queued as signed)
    method: str = "get"
    query: dict[str, Any] | None = None
    htmx: bool = False


PAGES = [
    ListPage("encounters:patient-list", "prescriber"),
    ListPage("encounters:patient-list", "prescriber", query={"q": "a"}, htmx=True),
    ListPage("encounters:patient-list", "practice_admin"),
    ListPage("encounters:encounter-list", "prescriber"),
    ListPage("claims:claim-queue", "biller", query={"state": ""}),
    ListPage("claims:claim-queue", "biller", query={"state": "queued"}, htmx=True),
    ListPage("claims:claim-bulk-approve", "biller", method="post"),
    ListPage("claims:export-list", "biller", state=ClaimState.APPROVED),
    ListPage("claims:clinician-inbox", "prescriber", state=ClaimState.RETURNED),
]


def _claims(prescriber, biller, page: ListPage, n: int) -> list[Claim]:
    """``n`` signed claims of ``prescriber``'s, each of a new patient, in ``page.state``."""
    made = []
    for _ in range(n):
        patient = PatientFactory(first_name="Ann")  # found by the search for 'a'
        claim = signed_claim(clinician=prescriber.clinician, patient=patient)
        if page.state:
            claim = claim_transition(
                user=biller,
                claim=claim,
                to_state=page.state,
                version=claim.version,
                reason="Which modality?",
            )
        made.append(claim)
    return made


def _open(client, page: ListPage, claims: list[Claim]) -> Callable[[], Any]:
    headers = {"HX-Request": "true"} if page.htmx else {}
    url = reverse(page.url_name)
    if page.method == "post":
        data = {"claim": [c.pk for c in claims]}
        return lambda: client.post(url, data, headers=headers)
    return lambda: client.get(url, page.query or {}, headers=headers)


@pytest.mark.parametrize(
    "list_page",
    [pytest.param(p, id=f"{p.url_name}-{p.role}{'-htmx' if p.htmx else ''}") for p in PAGES],
)
def test_a_list_page_writes_one_record_naming_its_patients(
    request, client_for, prescriber, biller, list_page
):
    page = list_page
    user = request.getfixturevalue(page.role)
    client = client_for(user)
    client.get(reverse("accounts:home"))  # the session's first queries are not the page's
    counts = []
    claims: list[Claim] = []
    for n in (2, 3):  # two patients on the page, then five
        claims += _claims(prescriber, biller, page, n)
        last = AccessRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
        with CaptureQueriesContext(connection) as queries:
            response = _open(client, page, claims)()
        assert response.status_code == 200
        inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
        logged = [sql for sql in inserts if "accounts_accessrecord" in sql]
        assert len(logged) == 1, f"{page.url_name}: {len(logged)} INSERTs into the access log"
        record = AccessRecord.objects.get(id__gt=last)
        assert record.user == user
        assert record.object_id == "", "a list record names patients, not one object"
        assert record.patient_ids == sorted(c.patient_id for c in claims)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], f"{page.url_name}: {counts[0]} queries for 2, {counts[1]} for 5"


def test_an_empty_list_writes_no_record(client_for, prescriber):
    before = AccessRecord.objects.count()
    response = client_for(prescriber).get(reverse("encounters:patient-list"), {"q": "nobody"})
    assert response.status_code == 200
    assert AccessRecord.objects.count() == before
