"""``manage.py export_claims``: the queue's 837P export from the command line, validated first."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.export import claim_batch_export
from claims.models import Claim, ClaimState, ExportBatch
from claims.transitions import claim_transition
from claims.x12.build import segments
from claims.x12.validate import x12_validate
from tests.claims.helpers import signed_claim

pytestmark = pytest.mark.django_db
S = ClaimState


def approved(prescriber, biller) -> Claim:
    claim = signed_claim(clinician=prescriber.clinician)
    return claim_transition(user=biller, claim=claim, to_state=S.APPROVED, version=claim.version)


def test_export_claims_writes_a_valid_837p_and_submits_the_claims(
    prescriber, biller, tmp_path, capsys
):
    claims = [approved(prescriber, biller), approved(prescriber, biller)]
    out = tmp_path / "batch.x12"
    call_command("export_claims", out=str(out), user=biller.username)
    printed = json.loads(capsys.readouterr().out)
    batch = ExportBatch.objects.get()
    assert printed == {"claims": 2, "batch": f"{batch.control_number:09d}", "file": str(out)}
    text = out.read_text()
    assert text == batch.content
    assert x12_validate(text) == []
    for claim in claims:
        claim.refresh_from_db()
        assert (claim.state, claim.batch) == (S.SUBMITTED, batch)


def test_each_line_carries_its_line_control_number(prescriber, biller, tmp_path):
    claim = approved(prescriber, biller)
    out = tmp_path / "batch.x12"
    call_command("export_claims", out=str(out), user=biller.username, stdout=None)
    rows = list(segments(out.read_text()))
    refs = [r[2] for r in rows if r[:2] == ["REF", "6R"]]
    assert refs == [f"{claim.number}-1", f"{claim.number}-2"]


def test_a_dry_run_writes_the_file_and_changes_no_claim(prescriber, biller, tmp_path, capsys):
    claim = approved(prescriber, biller)
    out = tmp_path / "dry.x12"
    call_command("export_claims", out=str(out), dry_run=True, user=biller.username)
    assert json.loads(capsys.readouterr().out)["claims"] == 1
    assert x12_validate(out.read_text()) == []
    claim.refresh_from_db()
    assert claim.state == S.APPROVED
    assert claim.batch is None
    assert not ExportBatch.objects.exists()


def test_an_export_pyx12_refuses_writes_nothing_and_names_the_claim_and_segment(
    prescriber, biller, tmp_path
):
    good = approved(prescriber, biller)
    bad = approved(prescriber, biller)
    Claim.objects.filter(pk=bad.pk).update(member_id="")  # NM109 of the subscriber missing
    with pytest.raises(ValidationError) as caught:
        claim_batch_export(user=biller)
    message = " ".join(caught.value.messages)
    assert f"Claim {bad.number}, segment NM1" in message
    assert good.number not in message
    out = tmp_path / "refused.x12"
    with pytest.raises(CommandError, match=bad.number):
        call_command("export_claims", out=str(out), user=biller.username)
    assert not out.exists()
    assert not ExportBatch.objects.exists()
    assert Claim.objects.get(pk=good.pk).state == S.APPROVED


def test_the_command_needs_a_biller_when_there_are_several(
    prescriber, biller, other_biller, tmp_path
):
    approved(prescriber, biller)
    with pytest.raises(CommandError, match="--user"):
        call_command("export_claims", out=str(tmp_path / "x.x12"))
    with pytest.raises(CommandError, match="No active biller"):
        call_command("export_claims", out=str(tmp_path / "x.x12"), user=prescriber.username)
