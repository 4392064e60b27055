"""The Django admin shows the practice's append-only records and changes none of them.

Issue 10: a practice admin could forge access records, delete payer history and claims with
their transitions, and rewrite a stored 837P file through /admin/. Access records, payer
changes and export batches are listed and viewed read-only; adding, changing or deleting
one is refused (403), for a superuser too; claims cannot be deleted, and their transitions
show under them read-only; signed proposals are not in the admin at all. A payer with a
history cannot be deleted: the admin says why, no server error. Runs on both databases.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.access import access_record
from accounts.models import AccessRecord
from claims.models import Claim, ClaimTransition, ExportBatch
from coding.models import SignedProposal
from payers.models import PayerChange
from tests.claims.helpers import signed_claim
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="root-admin", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_admin():
    """A practice admin given staff status and every permission on these models."""
    user = UserFactory(role="Practice admin", is_staff=True)
    models = ["accessrecord", "payerchange", "exportbatch", "claim", "claimtransition"]
    user.user_permissions.set(Permission.objects.filter(content_type__model__in=models))
    return user


@pytest.fixture(params=["superuser", "staff_admin"])
def admin_user(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def records(db):
    claim = signed_claim()
    admin = UserFactory(role="Practice admin")
    record = access_record(user=claim.clinician.user, obj=claim.encounter, path="/encounters/")
    change = PayerChange.objects.create(payer=claim.payer, user=admin, field="name", new="B")
    batch = ExportBatch.objects.create(
        created_by=admin, control_number=91, claim_count=1, content="ISA*00~"
    )
    return {"claim": claim, "record": record, "change": change, "batch": batch}


READ_ONLY = [
    pytest.param(AccessRecord, "record", "path", id="access_record"),
    pytest.param(PayerChange, "change", "new", id="payer_change"),
    pytest.param(ExportBatch, "batch", "content", id="export_batch"),
]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(("model", "key", "field"), READ_ONLY)
def test_the_admin_lists_and_shows_the_record_read_only(
    client_for, admin_user, records, model, key, field
):
    client = client_for(admin_user)
    row = records[key]
    listing = client.get(_url(model, "changelist"))
    assert listing.status_code == 200
    assert _url(model, "add").encode() not in listing.content
    assert b'name="action"' not in listing.content  # no "delete selected"
    page = client.get(_url(model, "change", row.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert b'name="_save"' not in page.content
    assert _url(model, "delete", row.pk).encode() not in page.content


@pytest.mark.parametrize(("model", "key", "field"), READ_ONLY)
def test_the_admin_refuses_to_add_change_or_delete_the_record(
    client_for, admin_user, records, model, key, field
):
    client = client_for(admin_user)
    row = records[key]
    before = getattr(row, field)
    assert client.get(_url(model, "add")).status_code == 403
    assert client.post(_url(model, "add"), {field: "forged"}).status_code == 403
    assert client.post(_url(model, "change", row.pk), {field: "forged"}).status_code == 403
    assert client.get(_url(model, "delete", row.pk)).status_code == 403
    assert client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    client.post(
        _url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert getattr(model.objects.get(pk=row.pk), field) == before


def test_a_claim_cannot_be_deleted_and_its_transitions_are_read_only(
    client_for, admin_user, records
):
    client = client_for(admin_user)
    claim = records["claim"]
    assert client.get(_url(Claim, "delete", claim.pk)).status_code == 403
    assert client.post(_url(Claim, "delete", claim.pk), {"post": "yes"}).status_code == 403
    page = client.get(_url(Claim, "change", claim.pk))
    assert page.status_code == 200
    (inline,) = page.context["inline_admin_formsets"]
    assert inline.formset.model is ClaimTransition
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert claim.transitions.count() == 1


def test_signed_proposals_are_not_in_the_admin(client_for, superuser, records):
    from django.contrib import admin

    assert not admin.site.is_registered(SignedProposal)
    assert client_for(superuser).get("/admin/coding/signedproposal/").status_code == 404


def test_a_payer_with_a_history_cannot_be_deleted_and_the_admin_says_why(client_for, superuser):
    from payers.models import Payer
    from tests.factories import payer as default_payer

    payer = default_payer("medicare")  # no claims: only its history holds it
    PayerChange.objects.create(payer=payer, user=superuser, field="name", old="A", new="B")
    client = client_for(superuser)
    page = client.get(_url(Payer, "delete", payer.pk))
    assert page.status_code == 200
    assert b"<title>Cannot delete payer" in page.content
    (held_by,) = page.context["protected"]  # the history that holds it
    assert str(held_by).startswith("Payer change: ")
    assert client.post(_url(Payer, "delete", payer.pk), {"post": "yes"}).status_code == 200
    assert Payer.objects.filter(pk=payer.pk).exists()
    assert PayerChange.objects.filter(payer=payer).count() == 1
