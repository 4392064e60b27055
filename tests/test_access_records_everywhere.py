"""Every response that shows a patient writes an access record naming them (issue 10).

The walk requests every URL of the access tables (each GET also as htmx), as every role the
table lets open it, in a practice where every list has someone to show (``tests.phi``). It
finds the patients a response shows by their names and MRNs, and fails when the request
wrote no access record naming each of them: a new page that shows a patient without
recording it fails here, whatever it is. The Django admin's claim and 837P pages are walked
the same way.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AccessRecord
from tests.phi import (
    Case,
    allowed_roles,
    cases,
    request_as,
    response_text,
)

# Pages that show a patient by name or MRN to a role allowed to open them: the walk must
# find someone there, or its way of finding patients has stopped working.
NAMED_PATIENT_PAGES = {
    "encounters:patient-list",
    "encounters:patient-detail",
    "encounters:patient-edit",
    "encounters:encounter-list",
    "encounters:encounter-create",
    "encounters:encounter-detail",
    "encounters:encounter-edit",
    "claims:claim-queue",
    "claims:claim-detail",
    "claims:claim-bulk-approve",
    "claims:clinician-inbox",
    "claims:export-list",
    "claims:denial-worklist",
    "claims:denial-line",
    "audits:finding-list",
    "audits:chart-review",
}
# Pages that show sampled charts by encounter id and date of service, without a name: their
# record must name the month's sampled patients all the same.
SAMPLE_PAGES = {"audits:sample-detail", "audits:sample-findings-csv", "audits:sample-report-pdf"}


def _shown_and_named(world, user):
    last = AccessRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def inspect(response):
        text = response_text(response)
        shown = {pk for pk, markers in world.markers.items() if any(m in text for m in markers)}
        named = set()
        for ids in AccessRecord.objects.filter(id__gt=last, user=user).values_list(
            "patient_ids", flat=True
        ):
            named |= set(ids)
        return shown, named

    return inspect


@pytest.mark.django_db
@pytest.mark.parametrize("case", [pytest.param(c, id=str(c)) for c in cases()])
def test_every_page_showing_a_patient_records_them(world, case: Case):
    found_someone = False
    for role in allowed_roles(case):
        user = world.setup.user(role)
        response, (shown, named) = request_as(
            world, role, case, inspect=_shown_and_named(world, user)
        )
        if response.status_code != 200:
            continue
        if case.url_name in SAMPLE_PAGES:
            shown |= world.sample_patients
        found_someone |= bool(shown)
        missing = shown - named
        assert not missing, (
            f"{case} as {role} shows patients {sorted(missing)} but wrote no access record "
            f"naming them (accounts.access.access_record / access_record_list)"
        )
    showing_page = case.url_name in NAMED_PATIENT_PAGES | SAMPLE_PAGES
    if showing_page and not case.htmx and allowed_roles(case):
        assert found_someone, f"{case}: the walk found no patient on a page that shows them"


def _admin_pages(world) -> list[str]:
    from claims.models import Claim

    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    return [
        reverse("admin:claims_claim_changelist"),
        reverse("admin:claims_claim_change", args=[claim.pk]),
        reverse("admin:claims_exportbatch_changelist"),
        reverse("admin:claims_exportbatch_change", args=[world.batch_id]),
    ]


@pytest.mark.django_db
def test_admin_claim_and_837p_pages_record_the_patients_they_show(
    world, practice_admin, client_for
):
    practice_admin.is_staff = practice_admin.is_superuser = True
    practice_admin.save(update_fields=["is_staff", "is_superuser"])
    client = client_for(practice_admin)  # staff: signed in with two steps
    from claims.models import Claim

    showing = 0
    changelist = reverse("admin:claims_claim_changelist")
    for url in _admin_pages(world):
        inspect = _shown_and_named(world, practice_admin)
        response = client.get(url)
        assert response.status_code == 200, url
        shown, named = inspect(response)
        showing += bool(shown)
        if url == changelist:  # each row is a patient's claim (number, date of service, payer)
            shown |= set(Claim.objects.values_list("patient_id", flat=True))
        assert not shown - named, f"{url} shows {sorted(shown - named)} without a record"
    assert showing >= 2, "the claim page and the 837P file page show patients"
