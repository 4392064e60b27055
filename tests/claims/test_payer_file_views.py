"""The billers' payer-file upload page and the unmatched list: clear errors, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AccessRecord
from claims.models import ClaimState, PayerFile, UnmatchedRemittance
from tests.claims.payer_files import ClaimStatus, ack_277ca, era_835
from tests.claims.test_era import paid_in_full, submitted

pytestmark = pytest.mark.django_db
S = ClaimState
UPLOAD = reverse("claims:payer-file-upload")
UNMATCHED = reverse("claims:unmatched-list")


def upload(client, text: str, name: str = "era.835"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, text.encode())})


def test_a_biller_uploads_an_835_and_sees_what_was_posted(prescriber, biller, client):
    claim = submitted(prescriber, biller)
    client.force_login(biller)
    response = upload(client, era_835([paid_in_full(claim)]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-result"' in page
    assert "Paid: 1" in page
    claim.refresh_from_db()
    assert claim.state == S.PAID
    payer_file = PayerFile.objects.get()
    assert AccessRecord.objects.filter(
        object_type="claims.PayerFile", object_id=str(payer_file.pk), action="create"
    ).exists()
    again = upload(client, era_835([paid_in_full(claim)])).content.decode()
    assert "Already posted: 1" in again


def test_the_same_page_takes_a_277ca(prescriber, biller, client):
    claim = submitted(prescriber, biller)
    client.force_login(biller)
    response = upload(client, ack_277ca([ClaimStatus(claim.number, "A7", "21")]), "ack.277")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.state == S.QUEUED


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not an x12 file", "not an X12 file"),
        ("", "The submitted file is empty"),
        ("ISA" + "*" * 200, "holds no transaction set"),
    ],
)
def test_a_bad_upload_is_explained_not_a_500(biller, client, content, message):
    client.force_login(biller)
    response = upload(client, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PayerFile.objects.exists()


def test_an_invalid_835_names_the_element_and_posts_nothing(prescriber, biller, client):
    claim = submitted(prescriber, biller)
    client.force_login(biller)
    text = era_835([paid_in_full(claim)]).replace(
        f"CLP*{claim.number}*1*", f"CLP*{claim.number}*Q*"
    )
    page = upload(client, text).content.decode()
    assert "CLP02" in page
    assert "Nothing was posted" in page
    assert Claim_state(claim) == S.SUBMITTED


def Claim_state(claim):  # noqa: N802 - reads as the assertion it serves
    claim.refresh_from_db()
    return claim.state


def test_the_unmatched_list_attaches_and_dismisses(prescriber, biller, client):
    claim = submitted(prescriber, biller)
    stray = paid_in_full(claim)
    stray.claim_number = "PAYER-OWN-1"
    other = paid_in_full(claim)
    other.claim_number = "NOT-OURS"
    client.force_login(biller)
    upload(client, era_835([stray, other]))
    page = client.get(UNMATCHED).content.decode()
    assert "PAYER-OWN-1" in page
    assert "NOT-OURS" in page
    first, second = UnmatchedRemittance.objects.order_by("id")
    assert AccessRecord.objects.filter(
        object_type="claims.UnmatchedRemittance", object_id=str(first.pk), action="view"
    ).exists()
    attach = reverse("claims:unmatched-attach", kwargs={"item_id": first.pk})
    response = client.post(attach, {"claim_number": "C99999999"})
    assert response.status_code == 200
    assert "No claim has the number" in response.content.decode()
    response = client.post(attach, {"claim_number": claim.number})
    assert response.status_code == 302
    assert Claim_state(claim) == S.PAID
    dismiss = reverse("claims:unmatched-dismiss", kwargs={"item_id": second.pk})
    response = client.post(dismiss, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert client.post(dismiss, {"reason": "Not our patient"}).status_code == 302
    assert not UnmatchedRemittance.objects.filter(status="open").exists()
    # a resolved item is gone: acting on it again is a 404, not a 500
    assert client.post(dismiss, {"reason": "again"}).status_code == 404
