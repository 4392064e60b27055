"""999 and 277CA acknowledgements: accepted claims marked accepted, rejected ones back in the
queue with the payer's reason."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from claims.acks import ack_import
from claims.models import Claim, ClaimState, PayerFile
from claims.x12.validate import x12_validate
from tests.claims.payer_files import ClaimStatus, ack_277ca, ack_999
from tests.claims.test_era import submitted

pytestmark = pytest.mark.django_db
S = ClaimState


def imported(biller, text: str):
    assert x12_validate(text) == []
    return ack_import(user=biller, name="ack.x12", content=text)


def test_a_999_accepting_the_file_marks_its_claims_accepted(prescriber, biller):
    claim = submitted(prescriber, biller)
    _, result = imported(biller, ack_999(group_control=claim.batch.control_number, accepted=True))
    assert (result.kind, result.accepted, result.rejected) == ("999", 1, 0)
    claim.refresh_from_db()
    assert claim.state == S.ACCEPTED
    assert PayerFile.objects.get().kind == "999"


def test_a_999_rejecting_the_file_sends_its_claims_back_to_the_queue_with_the_reason(
    prescriber, biller
):
    claim = submitted(prescriber, biller)
    text = ack_999(group_control=claim.batch.control_number, accepted=False)
    _, result = imported(biller, text)
    assert result.rejected == 1
    claim.refresh_from_db()
    assert claim.state == S.QUEUED
    reason = claim.transitions.last().reason
    assert "999 rejected" in reason
    assert "segment CLM at position 23" in reason


def test_a_999_for_a_file_we_never_sent_is_reported(prescriber, biller):
    submitted(prescriber, biller)
    _, result = imported(biller, ack_999(group_control=424242, accepted=True))
    assert result.accepted == 0
    assert result.unmatched[0]["batch"] == "424242"


def test_a_277ca_accepts_one_claim_and_rejects_another(prescriber, biller):
    good = submitted(prescriber, biller)
    bad = submitted(prescriber, biller)
    text = ack_277ca(
        [
            ClaimStatus(good.number, "A2", "20", payer_claim_number="PAYER123"),
            ClaimStatus(bad.number, "A7", "164"),
        ]
    )
    _, result = imported(biller, text)
    assert (result.accepted, result.rejected) == (1, 1)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.state, good.payer_claim_number) == (S.ACCEPTED, "PAYER123")
    assert bad.state == S.QUEUED
    assert "rejected for invalid information (STC A7:164)" in bad.transitions.last().reason


def test_a_repeated_acknowledgement_changes_nothing(prescriber, biller):
    claim = submitted(prescriber, biller)
    text = ack_277ca([ClaimStatus(claim.number, "A1")])
    imported(biller, text)
    _, again = imported(biller, text)
    assert (again.accepted, again.unchanged) == (0, 1)
    assert Claim.objects.get(pk=claim.pk).transitions.filter(to_state=S.ACCEPTED).count() == 1


def test_an_accepted_claim_is_then_paid_by_an_835(prescriber, biller):
    from claims.era import era_import
    from tests.claims.payer_files import era_835
    from tests.claims.test_era import paid_in_full

    claim = submitted(prescriber, biller)
    imported(biller, ack_277ca([ClaimStatus(claim.number, "A2")]))
    era_import(user=biller, name="era", content=era_835([paid_in_full(claim)]))
    assert Claim.objects.get(pk=claim.pk).state == S.PAID


def test_an_835_is_not_an_acknowledgement(prescriber, biller):
    from tests.claims.payer_files import era_835

    with pytest.raises(ValidationError, match="not a 999 or 277CA"):
        ack_import(user=biller, name="x", content=era_835([]))


def test_import_ack_command_prints_one_json_object(prescriber, biller, tmp_path, capsys):
    claim = submitted(prescriber, biller)
    path = tmp_path / "ack.277"
    path.write_text(ack_277ca([ClaimStatus(claim.number, "A6", "21")]))
    call_command("import_ack", str(path), user=biller.username)
    out = json.loads(capsys.readouterr().out)
    assert out == {"kind": "277CA", "accepted": 0, "rejected": 1, "unchanged": 0, "unmatched": []}
