"""Signing a visit (claims.signing.visit_sign): mark signed, store the proposal, build the claim.

One transaction, in that order, and the engine runs once: the claim and its scrubber
findings come from the lines stored at signing.
"""

from __future__ import annotations

import sys

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string

import claims.build
import coding.services
from accounts.models import AccessRecord
from claims.models import Claim
from claims.signing import visit_sign
from coding.models import SignedProposal
from encounters.models import Encounter
from tests.factories import (
    ClinicianFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
)

pytestmark = pytest.mark.django_db


def _draft(**fields):
    clinician = ClinicianFactory(credential="MD")
    encounter = EncounterFactory(clinician=clinician, **fields)
    EncounterDiagnosisFactory(encounter=encounter)
    MedicationReviewFactory(encounter=encounter)
    return encounter


def test_the_encounter_form_signs_through_the_signing_service():
    assert import_string(settings.SIGNING_SERVICE) is visit_sign


def test_signing_runs_the_steps_in_order_and_returns_the_claim(monkeypatch):
    steps = []
    store, build = coding.services.signed_proposal_store, claims.build.claim_build

    def storing(*, encounter):
        steps.append(("proposal", Encounter.objects.get(pk=encounter.pk).status))
        return store(encounter=encounter)

    def building(*, signed, user):
        steps.append(("claim", SignedProposal.objects.filter(pk=signed.pk).exists()))
        return build(signed=signed, user=user)

    monkeypatch.setattr("claims.signing.signed_proposal_store", storing)
    monkeypatch.setattr("claims.signing.claim_build", building)
    encounter = _draft()

    claim = visit_sign(user=encounter.clinician.user, encounter=encounter)

    assert steps == [("proposal", "signed"), ("claim", True)]
    assert claim == Claim.objects.get(encounter=encounter)


def test_the_engine_runs_once_per_signature(monkeypatch):
    calls = []
    engine_propose = sys.modules["coding.engine.propose"].propose

    def counting(*args, **kwargs):
        calls.append(1)
        return engine_propose(*args, **kwargs)

    # every module holding the engine's propose, however it imported it
    for module in list(sys.modules.values()):
        if getattr(module, "propose", None) is engine_propose:
            monkeypatch.setattr(module, "propose", counting)
    encounter = _draft()
    visit_sign(user=encounter.clinician.user, encounter=encounter)
    assert len(calls) == 1


def test_the_claim_bills_the_stored_lines_not_a_second_run_of_the_engine():
    encounter = _draft(
        coding_choice={"option": "custom", "lines": [{"code": "99215", "units": 1}]},
        coding_override_reason="Long medication discussion.",
    )
    claim = visit_sign(user=encounter.clinician.user, encounter=encounter)
    stored = SignedProposal.objects.get(encounter=encounter)
    assert [line.code for line in stored.chosen()] == ["99215"]
    assert [str(line) for line in claim.lines.all()] == ["99215"]
    engine = [f for f in claim.findings if f["rule"] == "SC-ENGINE"]
    assert engine
    assert "the engine proposed 90833 + 99214" in engine[0]["text"]


def test_a_refused_claim_step_rolls_back_the_whole_signature(monkeypatch):
    def refuse(*, signed, user):
        raise ValidationError("No claim today.")

    monkeypatch.setattr("claims.signing.claim_build", refuse)
    encounter = _draft()

    with pytest.raises(ValidationError):
        visit_sign(user=encounter.clinician.user, encounter=encounter)

    stored = Encounter.objects.get(pk=encounter.pk)
    assert (stored.status, stored.signed_at, stored.signed_by) == ("draft", None, None)
    assert not SignedProposal.objects.filter(encounter=encounter).exists()
    assert not AccessRecord.objects.filter(action="sign").exists()


def test_a_refused_proposal_step_leaves_the_visit_a_draft_with_no_claim():
    encounter = _draft(coding_choice={"option": "custom", "lines": [{"code": "99215"}]})
    with pytest.raises(ValidationError) as refused:
        visit_sign(user=encounter.clinician.user, encounter=encounter)
    assert "coding_override_reason" in refused.value.message_dict
    assert Encounter.objects.get(pk=encounter.pk).status == "draft"
    assert not Claim.objects.filter(encounter=encounter).exists()
