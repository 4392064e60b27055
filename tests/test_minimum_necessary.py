"""Billers, and compliance staff outside a chart review, are shown no note text (issue 10).

Every free-text field of every note (psychotherapy note, focus, data and risk details, plan,
interactive complexity's reason, medication side effects and reasons) and every addendum
(text and reason, one written while answering a biller's question) holds a canary
(``tests.phi``). The walk requests every URL of the access tables as a biller and as
compliance staff (each GET also as htmx; pages, fragments, CSV, PDF and 837P files alike),
plus the 837P file really exported, and fails on any canary in any answer. The one page
that shows compliance staff the note is the chart review itself: the review is its purpose.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.phi import (
    CANARIES,
    Case,
    cases,
    request_as,
    response_text,
)

# Where compliance staff read the note: the structured review of a chart drawn for audit
# (a monthly sample by month, a focused or follow-up sample by id).
COMPLIANCE_REVIEW_PAGES = {"audits:chart-review", "audits:chart-review-by-id"}


def _canaries_in(response) -> list[str]:
    text = response_text(response)
    return [canary for canary in CANARIES if canary.lower() in text]


def test_the_world_holds_every_canary_where_its_clinician_reads_it(world):
    """The canaries are there to be found: the prescriber's own visit shows them all."""
    from encounters.models import Encounter

    client = Client()
    client.force_login(world.setup.prescriber)
    found: set[str] = set()
    for encounter in Encounter.objects.filter(clinician=world.setup.prescriber.clinician):
        if encounter.is_signed:
            url = reverse("encounters:encounter-detail", kwargs={"encounter_id": encounter.pk})
            found |= set(_canaries_in(client.get(url)))
    assert found == set(CANARIES)


@pytest.mark.django_db
@pytest.mark.parametrize("case", [pytest.param(c, id=str(c)) for c in cases()])
def test_billers_see_no_note_text_anywhere(world, case: Case):
    response, leaked = request_as(world, "biller", case, inspect=_canaries_in)
    assert not leaked, f"{case} shows a biller note text ({response.status_code}): {leaked}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=str(c)) for c in cases() if c.url_name not in COMPLIANCE_REVIEW_PAGES],
)
def test_compliance_sees_note_text_only_in_a_chart_review(world, case: Case):
    response, leaked = request_as(world, "compliance", case, inspect=_canaries_in)
    assert not leaked, f"{case} shows compliance note text ({response.status_code}): {leaked}"


def test_the_exported_837p_carries_no_note_text(world, client_for, biller):
    url = reverse("claims:export-download", kwargs={"batch_id": world.batch_id})
    response = client_for(biller).get(url)
    assert response.status_code == 200
    assert "CLM*" in response.content.decode()
    assert not _canaries_in(response)


def test_a_claim_answered_with_an_addendum_shows_billers_that_one_was_added(
    world, client_for, biller
):
    """The biller learns an addendum came (history and claim page), never what or why."""
    from claims.models import Claim

    claim = Claim.objects.filter(encounter__addenda__isnull=False).order_by("id").last()
    page = client_for(biller).get(reverse("claims:claim-detail", kwargs={"claim_id": claim.pk}))
    text = page.content.decode()
    assert "Addendum added" in text
    assert not _canaries_in(page)
