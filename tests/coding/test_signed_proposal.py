"""The proposal stored at signing, and the chosen codes (issue: signing stores the proposal)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from claims.signing import visit_sign
from coding.adapters import facts_from_encounter
from coding.engine import ENGINE_VERSION
from coding.models import SignedProposal
from encounters.forms import coding_choice_from
from tests.factories import (
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
)

pytestmark = pytest.mark.django_db


def _draft(**kwargs):
    """A documented draft: a diagnosis and the medication review its drug management rests on."""
    encounter = EncounterFactory(**kwargs)
    EncounterDiagnosisFactory(encounter=encounter)
    MedicationReviewFactory(encounter=encounter)
    return encounter


def test_facts_from_encounter_separates_the_two_blocks():
    encounter = _draft(
        pt_start=datetime.time(9, 0),
        pt_end=datetime.time(9, 25),
        em_start=datetime.time(9, 25),
        em_end=datetime.time(9, 40),
    )
    facts = facts_from_encounter(encounter)
    assert facts["psychotherapy"] == {"kind": "individual", "minutes": 25}
    assert facts["em"]["minutes"] == 15
    assert facts["em"]["mdm"] == {"problems": "moderate", "data": "minimal", "risk": "moderate"}
    assert facts["clinician"] == "MD"
    assert facts["payer"] == "commercial"


def test_em_block_without_any_mdm_item_has_no_mdm():
    encounter = _draft(mdm_problems=[], mdm_risk=[])
    assert facts_from_encounter(encounter)["em"]["mdm"] is None


def test_signing_stores_the_proposal_engine_version_and_rule_ids():
    encounter = _draft()
    visit_sign(user=encounter.clinician.user, encounter=encounter)
    stored = SignedProposal.objects.get(encounter=encounter)
    assert stored.engine_version == ENGINE_VERSION
    assert [line["code"] for line in stored.chosen_lines] == ["99214", "90833"]
    assert stored.chosen_option == "recommended"
    assert "CB-1" in stored.rule_ids
    assert stored.proposal["lines"][0]["rules"]


def test_signing_with_an_alternative_bills_the_alternative():
    encounter = _draft(coding_choice={"option": "alternative-0"})
    visit_sign(user=encounter.clinician.user, encounter=encounter)
    stored = SignedProposal.objects.get(encounter=encounter)
    alternative = stored.proposal["alternatives"][0]["lines"]
    assert [line["code"] for line in stored.chosen_lines] == [line["code"] for line in alternative]
    assert stored.chosen_option == "alternative-0"


def test_custom_codes_without_a_reason_stop_the_signing():
    encounter = _draft(coding_choice={"option": "custom", "lines": [{"code": "99213"}]})
    with pytest.raises(ValidationError) as excinfo:
        visit_sign(user=encounter.clinician.user, encounter=encounter)
    assert "coding_override_reason" in excinfo.value.message_dict
    encounter.refresh_from_db()
    assert not encounter.is_signed


def test_custom_codes_with_a_reason_are_kept_for_billers():
    encounter = _draft(
        coding_choice={"option": "custom", "lines": [{"code": "99213", "units": 1}]},
        coding_override_reason="MDM documented in an outside note",
    )
    visit_sign(user=encounter.clinician.user, encounter=encounter)
    stored = SignedProposal.objects.get(encounter=encounter)
    assert stored.chosen_lines == [{"code": "99213", "units": 1, "modifiers": []}]
    assert stored.override_reason == "MDM documented in an outside note"
    assert stored.differs_from_proposal


def test_unknown_custom_code_is_refused():
    encounter = _draft(
        coding_choice={"option": "custom", "lines": [{"code": "12345"}]},
        coding_override_reason="x",
    )
    with pytest.raises(ValidationError, match="not a code this practice bills"):
        visit_sign(user=encounter.clinician.user, encounter=encounter)


def _custom(typed: str):
    """A draft whose clinician typed ``typed`` in the panel's "other codes" box."""
    return _draft(
        coding_choice=coding_choice_from("custom", typed),
        coding_override_reason="Coded from the outside note",
    )


def test_a_custom_code_with_a_malformed_modifier_is_refused_naming_it_and_the_allowed_list():
    """Review issue 8 item 6: 99213-X~Q* once reached the 837P as a broken segment."""
    encounter = _custom("99213-X~Q*")
    with pytest.raises(ValidationError) as caught:
        visit_sign(user=encounter.clinician.user, encounter=encounter)
    (message,) = caught.value.message_dict["coding_choice"]
    assert "Modifier X~Q* is not one this practice uses" in message
    assert "allowed: 25, 26" in message
    assert not SignedProposal.objects.filter(encounter=encounter).exists()


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        ([{"code": "99213*X~"}], "is not a CPT or HCPCS code"),
        ([{"code": "99213", "modifiers": ["25", "25"]}], "given twice"),
        ([{"code": "99213", "modifiers": ["ZZ"]}], "Modifier ZZ"),
        ([{"code": "99213", "modifiers": 7}], "Modifier 7 "),  # a number, not a list: no 500
    ],
)
def test_custom_lines_accept_only_well_formed_codes_and_listed_modifiers(lines, words):
    encounter = _draft(
        coding_choice={"option": "custom", "lines": lines}, coding_override_reason="x"
    )
    with pytest.raises(ValidationError, match=words):
        visit_sign(user=encounter.clinician.user, encounter=encounter)


def test_a_custom_code_typed_with_its_modifiers_keeps_them():
    encounter = _draft(
        coding_choice={"option": "custom", "lines": [{"code": "99214-25", "modifiers": ["95"]}]},
        coding_override_reason="Video visit coded by hand",
    )
    visit_sign(user=encounter.clinician.user, encounter=encounter)
    stored = SignedProposal.objects.get(encounter=encounter)
    assert stored.chosen_lines == [{"code": "99214", "units": 1, "modifiers": ["25", "95"]}]
