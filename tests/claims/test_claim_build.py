"""Signing an encounter builds its claim in the same transaction, from the chosen codes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings

from claims.models import Claim, ClaimState
from claims.signing import visit_sign
from coding.models import SignedProposal
from payers.models import FeeScheduleEntry
from tests.claims.helpers import signed_claim
from tests.factories import (
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
    payer,
)

pytestmark = pytest.mark.django_db


def _lines(claim: Claim) -> list[tuple[str, int, list[str], list[int]]]:
    return [(ln.code, ln.units, ln.modifiers, ln.pointers) for ln in claim.lines.all()]


def test_signing_builds_a_queued_claim_with_the_chosen_lines_and_a_history_row(prescriber):
    claim = signed_claim(clinician=prescriber.clinician)
    stored = SignedProposal.objects.get(encounter=claim.encounter)
    assert [ln.code for ln in claim.lines.all()] == [ln["code"] for ln in stored.chosen_lines]
    assert _lines(claim) == [("99214", 1, [], [1]), ("90833", 1, [], [1])]
    assert claim.state == ClaimState.QUEUED
    assert claim.scrub_status == "clean"
    assert [(t.from_state, t.to_state, t.user) for t in claim.transitions.all()] == [
        ("", "queued", prescriber)
    ]


def test_claim_carries_place_of_service_npis_subscriber_and_member_id(prescriber):
    claim = signed_claim(clinician=prescriber.clinician)
    coverage = claim.encounter.coverage
    assert claim.place_of_service == "11"
    assert claim.rendering_npi == prescriber.clinician.npi
    assert claim.billing_npi == settings.PRACTICE_NPI
    assert claim.member_id == coverage.member_id
    assert claim.payer == coverage.payer
    assert claim.subscriber["relation"] == "18"
    assert claim.subscriber["last_name"] == claim.patient.last_name


def test_charges_and_expected_amounts_come_from_the_payers_fee_schedule(prescriber):
    claim = signed_claim(clinician=prescriber.clinician)
    fees = {f.code: f for f in FeeScheduleEntry.objects.filter(payer=claim.payer)}
    assert claim.total_charge == fees["99214"].charge + fees["90833"].charge
    assert claim.total_expected == fees["99214"].allowed + fees["90833"].allowed
    line = claim.lines.get(code="99214")
    assert (line.charge, line.expected) == (fees["99214"].charge, fees["99214"].allowed)


def test_a_modifier_specific_fee_wins_over_the_general_fee(prescriber):
    commercial = payer("commercial")
    FeeScheduleEntry.objects.create(
        payer=commercial, code="99214", modifier="95", charge=Decimal("190"), allowed=Decimal("99")
    )
    claim = signed_claim(clinician=prescriber.clinician, setting="video")
    line = claim.lines.get(code="99214")
    assert line.modifiers == ["95"]  # TH-2 from the engine
    assert claim.place_of_service == "02"
    assert (line.charge, line.expected) == (Decimal("190.00"), Decimal("99.00"))


def test_pointers_follow_the_encounter_diagnosis_order_at_most_four(prescriber):
    codes = ("F41.0", "F32.9", "F43.10", "F90.0", "F51.01")
    claim = signed_claim(clinician=prescriber.clinician, diagnoses=codes)
    assert claim.diagnoses == list(codes)
    assert {tuple(ln.pointers) for ln in claim.lines.all()} == {(1, 2, 3, 4)}


def test_py_modifier_25_on_the_em_when_the_payer_wants_it_with_an_add_on(prescriber):
    commercial = payer("commercial")
    commercial.modifier_25_with_addon = True
    commercial.save()
    claim = signed_claim(clinician=prescriber.clinician)
    assert claim.lines.get(code="99214").modifiers == ["25"]
    assert claim.lines.get(code="90833").modifiers == []


def test_no_modifier_25_without_the_payer_setting(prescriber):
    claim = signed_claim(clinician=prescriber.clinician)
    assert "25" not in claim.lines.get(code="99214").modifiers


def test_override_reason_of_custom_codes_reaches_the_claim_and_its_findings(prescriber):
    claim = signed_claim(
        clinician=prescriber.clinician,
        coding_choice={"option": "custom", "lines": [{"code": "99215", "units": 1}]},
        coding_override_reason="Complex medication changes discussed at length.",
    )
    assert claim.override_reason.startswith("Complex medication")
    rules = {f["rule"] for f in claim.findings}
    assert {"SC-OVERRIDE", "SC-ENGINE"} <= rules
    assert claim.scrub_status == "flagged"


def test_a_claim_without_coverage_is_flagged_for_the_member_id(prescriber):
    encounter = EncounterFactory(clinician=prescriber.clinician, coverage=None)
    EncounterDiagnosisFactory(encounter=encounter)
    MedicationReviewFactory(encounter=encounter)
    visit_sign(user=prescriber, encounter=encounter)
    claim = Claim.objects.get(encounter=encounter)
    assert claim.payer is None
    assert "SC-MEMBER" in {f["rule"] for f in claim.findings}
    assert claim.has_errors
